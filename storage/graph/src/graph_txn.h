#pragma once

#include <array>
#include <span>
#include <vector>

#include <skydive/graph/addr_index.h>
#include <skydive/graph/graph_image.h>
#include <skydive/graph/live_graph.h>

namespace skydive::graph {

/// The writer's working copy during one mutation: every operation validates, updates the image
/// and records the resulting changes. On error the caller drops the whole Txn (atomicity).
struct GraphTxn {
    GraphTxn(GraphImage start, Time at) : image(std::move(start)), now(at) {}

    GraphImage image;
    Time now = 0;
    // What changed, without copying elements (ADR 015): the change events subscribers get are
    // built from these only when someone subscribes (changeEvents()).
    std::vector<model::ChangeKind> kinds;
    std::vector<ChangeVersions> versions;  // parallel to `kinds`

    /// Node replacements decided but not yet written into `image` (ADR 015, fifteenth round):
    /// with `defer` set, replaceNode() of an existing node only reads the image, decides and
    /// encodes; the copy-on-write of the node's trie path and its re-indexing wait for
    /// applyDeferred(), which the live graph runs on another thread while the group is written.
    /// Every other operation that reads nodes applies them first, and so does a second
    /// replacement of the same node, so each operation sees the image it would see without
    /// deferral.
    bool defer = false;
    void applyDeferred();
    bool hasDeferred() const { return !deferred_.empty(); }

    model::Status addNode(const Node& n);
    model::Status addEdge(Edge e);
    /// `incoming`: wire semantics (NodeAdded on an existing ID behaves as a replace).
    model::Status replaceNode(const Node& n);
    model::Status replaceEdge(Edge e);
    model::Status updateNodeMetadata(std::string_view id, std::string_view key,
                                     const model::Value* value);
    model::Status updateEdgeMetadata(std::string_view id, std::string_view key,
                                     const model::Value* value);
    /// `must_exist`: NotFound for a missing ID (local API) or silently ignored (wire).
    model::Status deleteNode(std::string_view id, Time at, bool must_exist);
    model::Status deleteEdge(std::string_view id, Time at, bool must_exist);
    model::Status applyChange(const model::Change& c);

    /// Prefetching for a loop over a delta's changes (ADR 015, twenty-seventh round). The
    /// incoming nodes, the image's trie and the records it holds are cold in the writer's
    /// cache: a delta decoded a while ago, a graph larger than the cache shared with RocksDB's
    /// memtable. Each change i is announced before it is applied: kPrefetchFar changes ahead
    /// its ID and metadata block are fetched (prefetchFar); kPrefetchNear ahead, with those
    /// arrived, the metadata's long strings, and the lookup of its ID starts as a probe
    /// (prefetchNear(c, i)); stepProbes(i), once per change, takes the open probes one trie
    /// level down, the last step fetching the stored record. The lookup of change i reuses its
    /// probe's hash once applying(i) is set.
    static constexpr std::size_t kPrefetchFar = 12;
    static constexpr std::size_t kPrefetchNear = 8;
    void prefetchFar(const model::Change& c) const noexcept;
    void prefetchNear(const model::Change& c, std::size_t i) noexcept;
    void stepProbes(std::size_t i) noexcept;
    void applying(std::size_t i) noexcept { applying_ = i; }

private:
    // The probe of the change (or deferred replacement) with index i is at i % kProbes, more
    // than kPrefetchNear slots, so that it stays until that change is applied.
    struct Probe {
        GraphImage::NodeProbe probe;
        std::string_view id;  // what was probed: the change's own ID bytes
    };
    static constexpr std::size_t kProbes = 16;
    static constexpr std::size_t kNotApplying = ~std::size_t{0};
    void probeNode(std::size_t i, std::string_view id) noexcept;
    // The hash of `id` its probe computed, when `id` is the ID bytes probed for change
    // `applying_`; else nullptr. The lookups of `id` below use it when there is one.
    const std::uint64_t* probedHash(std::string_view id) const noexcept;
    model::NodeRef lookupNode(std::string_view id) const;
    GraphImage::NodeUpdate openNode(std::string_view id);
    std::array<Probe, kProbes> probes_{};
    std::size_t applying_ = kNotApplying;

    std::vector<std::size_t> deferred_;  // the changes whose replacement waits, in order
    // The blocks of the versions they replace (what image.node() still returns for those IDs),
    // each mapped to itself: a second change of one of those nodes is found here.
    AddrIndex<void> replaced_;
};

/// validateElement() for a node whose metadata is an object of scalars, from its packed record
/// (NodeRec::encode's `nested` false): the JSON-size measure is bounded by the packed sizes,
/// and the metadata is walked only when that bound passes the limit (ADR 015, twenty-sixth
/// round).
model::Status validatePacked(const model::Element& e, model::NodeRef packed);

/// Reverts `kinds`/`versions` (a mutation's changes, applied to `image` along with any made
/// after them, which must be reverted first): each element goes back to its version before.
void undoChanges(GraphImage& image, std::span<const model::ChangeKind> kinds,
                 std::span<const ChangeVersions> versions);

/// The change events of a mutation: kind and resulting element version of each change.
std::vector<model::Change> changeEvents(std::span<const model::ChangeKind> kinds,
                                        std::span<const ChangeVersions> versions);

}  // namespace skydive::graph
