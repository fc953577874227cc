#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <skydive/graph/graph_view.h>

#include "history.h"
#include "ptr_map.h"
#include "window_state.h"

namespace skydive::store {

/// What differs at t from a latest image, computed from the window: the latest element (by
/// address) → its version at t (null: absent at t; the element itself: unchanged at t), and the
/// elements present at t but absent from the latest image. Immutable once built: shared by the
/// views of one latest image (ADR 021, "overlay reuse").
///
/// The versions are not owned: they are the window's (its changes at or after t, which `pin`
/// keeps) or the latest image's. Owning them cost a refcount change on a cold block per changed
/// element to build the overlay and another to free it (ADR 011).
struct PointOverlay {
    Time t = 0;
    std::uint64_t seq_limit = 0;
    std::weak_ptr<const graph::GraphImage> latest;
    PtrMap<model::NodeRef> nodes;
    PtrMap<const model::Edge*> edges;
    std::vector<model::NodeRef> extra_nodes;
    std::vector<const model::Edge*> extra_edges;
    WindowPin pin;  // set by the builder, under the window's lock

    /// Empty maps sized for the changed elements about to be put.
    PointOverlay(Time at, std::uint64_t seq, std::weak_ptr<const graph::GraphImage> image,
                 std::size_t node_count, std::size_t edge_count)
        : t(at), seq_limit(seq), latest(std::move(image)), nodes(node_count), edges(edge_count) {}
};

/// An element a view hands out, not owned: a node record or an edge (at most one set).
struct ElementRef {
    model::NodeRef node;
    const model::Edge* edge = nullptr;

    explicit operator bool() const { return node || edge != nullptr; }
    /// The address an image knows the element by (what the window's rollbacks are keyed by).
    const void* address() const {
        return node ? static_cast<const void*>(node.block()) : static_cast<const void*>(edge);
    }
    static ElementRef of(const Version& v) { return ElementRef{v.node, v.edge.get()}; }
};

/// The graph at one moment t, built lazily (ADR 017): nothing is computed when the view is
/// made, each operation costs about what it costs on the live graph.
///
/// Inside the recent window the view shares the store's published latest image and the timeline
/// sequence it matches; lookups roll that image back per element with the window's chains,
/// adjacency adds the edges the window indexes by endpoint, index lookups re-check live hits
/// and the elements changed after t, counts are corrected by those changes. Outside the window
/// (or once retention has moved the window past t) one-element lookups are a reverse seek in
/// `rev`. Whole scans, non-indexed lookups, and everything outside the window build the full
/// image once (thread-safe) and use it from then on.
class LazyPointView final : public graph::GraphView {
public:
    /// `window` may be null: t is older than the window. `links`: the store has link keys for
    /// every edge, so adjacency outside the window is a scan of the node's links.
    /// `latest`: the store's published latest image, shared by every view made before the next
    /// commit (immutable: a view's image never changes under it).
    LazyPointView(Time t, std::shared_ptr<WindowState> window,
                  std::shared_ptr<const graph::GraphImage> latest, std::uint64_t seq_limit,
                  std::shared_ptr<Rocks> rocks, std::shared_ptr<const rocksdb::Snapshot> snap,
                  bool links);

    graph::ViewKind kind() const override { return graph::ViewKind::Point; }
    Time from() const override { return t_; }
    Time to() const override { return t_; }

    void forEachNode(const NodeFn& fn) const override;
    void forEachEdge(const EdgeFn& fn) const override;
    void findNode(std::string_view id, const NodeFn& fn) const override;
    void findEdge(std::string_view id, const EdgeFn& fn) const override;
    bool hasIndex(std::string_view key) const override;
    void nodesByValue(std::string_view key, const model::Value& value,
                      const NodeFn& fn) const override;
    std::size_t countByValue(std::string_view key, const model::Value& value) const override;
    void outEdges(std::string_view node_id, const EdgeFn& fn) const override;
    void inEdges(std::string_view node_id, const EdgeFn& fn) const override;
    std::size_t nodeCount() const override;
    std::size_t edgeCount() const override;

    /// True once the full image has been built (then every operation reads it).
    bool built() const { return built_.load(std::memory_order_acquire); }
    /// True when a scan built an overlay: the view pins the window's changes since t
    /// (RecentWindow::pin) for as long as it lives.
    bool pinsWindow() const {
        return overlaid_.load(std::memory_order_acquire) && overlay_ != nullptr;
    }

private:
    /// The element at t (empty: absent), alive as long as the view.
    ElementRef find(model::ElementKind kind, std::string_view id) const;
    /// Keeps `v` alive as long as the view (callers keep pointers to what a view hands out).
    ElementRef hold(const Version& v) const;
    /// The element at t read from RocksDB (empty: absent), held by the view; nullopt on error.
    std::optional<ElementRef> diskElement(model::ElementKind kind, std::string_view id) const;
    void adjacent(std::string_view node_id, bool out, const EdgeFn& fn) const;
    bool adjacentOnDisk(std::string_view node_id, bool out,
                        std::vector<const model::Edge*>& found) const;
    const graph::GraphImage& image() const;
    /// What differs at t from the latest image, computed once from the window: `base` at t or
    /// at a later moment of the same latest image, and `delta`, the elements changed between t
    /// and that moment (null when base is at t), looked up first. Null when the window no
    /// longer covers t.
    struct Overlay {
        std::shared_ptr<const PointOverlay> base;
        std::unique_ptr<PointOverlay> delta;
        const model::NodeRef* node(const void* latest) const {
            const model::NodeRef* p = delta ? delta->nodes.find(latest) : nullptr;
            return p != nullptr ? p : base->nodes.find(latest);
        }
        const model::Edge* const* edge(const void* latest) const {
            const model::Edge* const* p = delta ? delta->edges.find(latest) : nullptr;
            return p != nullptr ? p : base->edges.find(latest);
        }
        /// No edge differs at t from the latest image (a scan of edges is the latest one's).
        bool edgesUnchanged() const {
            return base->edges.empty() && base->extra_edges.empty() &&
                   (!delta || delta->edges.empty());
        }
    };
    std::shared_ptr<const PointOverlay> fullOverlay(const RecentWindow& w) const;
    std::unique_ptr<PointOverlay> deltaOverlay(const RecentWindow& w,
                                               const PointOverlay& base) const;
    const Overlay* overlay() const;
    const Overlay* scanOverlay() const;
    void countChanges() const;

    Time t_;
    std::shared_ptr<WindowState> window_;
    std::shared_ptr<const graph::GraphImage> latest_ptr_;
    const graph::GraphImage& latest_;  // *latest_ptr_
    std::uint64_t seq_limit_;
    std::shared_ptr<Rocks> rocks_;
    // RocksDB as of the view's creation: a deletion rewrites a revision's record, which a view
    // taken before it must not show once it reads the disk.
    std::shared_ptr<const rocksdb::Snapshot> snap_;
    HistoryReader reader_;
    bool links_;

    // What the view handed out that latest_ does not hold: rolled-back versions (see hold),
    // versions read from disk by kind + ID.
    mutable std::mutex held_mu_;
    mutable std::vector<Version> held_;
    mutable std::size_t held_limit_ = 1024;
    mutable std::unordered_map<std::string, Version> disk_;
    mutable std::mutex build_mu_;
    mutable std::atomic<bool> built_{false};
    mutable std::unique_ptr<graph::GraphImage> image_;  // set once built_
    mutable std::mutex overlay_mu_;
    mutable std::atomic<bool> overlaid_{false};
    mutable std::atomic<int> scans_{0};  // forEachNode calls (the second builds the image)
    mutable std::unique_ptr<Overlay> overlay_;
    mutable std::atomic<int> edges_static_{-1};  // 1: no edge changed since t (adjacency = latest)
    mutable std::mutex count_mu_;
    mutable std::atomic<bool> counted_{false};
    mutable std::size_t node_count_ = 0;
    mutable std::size_t edge_count_ = 0;
};

}  // namespace skydive::store
