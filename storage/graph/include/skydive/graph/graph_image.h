#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/graph/graph_view.h>
#include <skydive/model/node_rec.h>

namespace skydive::graph {

/// A live or historical node as images hold it: a flat record (ADR 002, ninth round).
using NodeRec = model::NodeRec;
using EdgePtr = std::shared_ptr<const Edge>;

/// The metadata keys that get a secondary index (read with model::fieldOf, so `@Host` works).
struct IndexConfig {
    std::vector<std::string> keys{"Type", "Name", "MAC", "TID", "IPV4", "@Host"};
    bool has(std::string_view key) const;
};

/// An immutable-by-copy image of a graph: elements by ID, out/in adjacency and secondary
/// indexes, all in persistent hash tries. Copying an image is O(1) and the copy is unaffected by
/// later changes to the original (ADR 010); that is how LiveGraph hands out snapshots and how
/// the history store builds past views from the live graph or a checkpoint.
///
/// No validation happens here: edges may name absent nodes (historical views need that).
/// REQUIRES: one thread mutates a given object; copies may be read concurrently.
class GraphImage {
public:
    explicit GraphImage(std::shared_ptr<const IndexConfig> config);
    GraphImage(const GraphImage& other);
    GraphImage(GraphImage&& other) noexcept;
    GraphImage& operator=(const GraphImage& other);
    GraphImage& operator=(GraphImage&& other) noexcept;
    ~GraphImage();

    /// The image that putNode() of each node then putEdge() of each edge, in order, would give,
    /// built at once (loading a graph): each trie (elements, adjacency, each index) is built
    /// once from entries sorted by trie path, one trie per task on up to `threads` threads.
    /// Only iteration order may differ from the one-by-one image.
    static GraphImage build(std::shared_ptr<const IndexConfig> config, std::vector<NodeRec> nodes,
                            std::vector<EdgePtr> edges, unsigned threads = 2);

    /// The node with this ID (a null NodeRef when absent); valid while the image holds it.
    model::NodeRef node(std::string_view id) const;
    const EdgePtr* edge(std::string_view id) const;
    /// A lookup of the node with this ID done in steps, each fetching into the cache what the
    /// next step reads, the last one the node's record: a loop over a delta's changes starts
    /// the probe of a change some changes ahead and steps every open probe once per change, so
    /// that the lookup itself finds everything cached (ADR 015, twenty-seventh round).
    /// stepNodeProbe() returns false once the probe is done. A probe started before the node
    /// trie changed layout (an insert, a removal, a copied shared path) ends at its next step
    /// without reading anything: its trie nodes may be gone.
    struct NodeProbe {
        const void* node = nullptr;  // the trie node the next step reads; nullptr: done
        std::uint64_t hash = 0;
        unsigned shift = 0;
        std::uint64_t epoch = 0;  // the image's node trie layout it was started on
    };
    NodeProbe probeNode(std::string_view id) const noexcept;
    bool stepNodeProbe(NodeProbe& p) const noexcept;
    /// node() and updateNode() given the hash a probe of `id` computed (NodeProbe::hash).
    model::NodeRef node(std::string_view id, std::uint64_t hash) const;
    class NodeUpdate;
    NodeUpdate updateNode(std::string_view id, std::uint64_t hash);
    /// Inserts or replaces (re-indexing and re-linking as needed). Returns which indexed keys
    /// changed: bit i for config key i < 64 whose value differs from the replaced node's (every
    /// bit for a new node).
    std::uint64_t putNode(NodeRec node);
    /// An existing node opened for replacement: one lookup serves the read (current()) and the
    /// write (replace()). Valid until the image is changed another way.
    class NodeUpdate {
    public:
        explicit operator bool() const noexcept { return entry_ != nullptr; }
        model::NodeRef current() const noexcept;

    private:
        friend class GraphImage;
        void* entry_ = nullptr;
    };
    /// Opens the node with this ID for replacement (false when absent).
    NodeUpdate updateNode(std::string_view id);
    /// putNode() of a node with the opened node's ID, without looking it up again.
    std::uint64_t replace(NodeUpdate u, NodeRec node);
    void putEdge(EdgePtr edge);
    /// Returns true when the element existed. Removing a node leaves its edges alone.
    bool removeNode(std::string_view id);
    bool removeEdge(std::string_view id);
    /// Takes `other`'s edges and adjacency (a bulk load builds nodes and edges on two threads,
    /// then joins them). REQUIRES: this image has no edges.
    void adoptEdges(GraphImage&& other);

    std::size_t nodeCount() const;
    std::size_t edgeCount() const;
    const IndexConfig& config() const;
    std::shared_ptr<const IndexConfig> configPtr() const;

    void forEachNode(const GraphView::NodeFn& fn) const;
    void forEachEdge(const GraphView::EdgeFn& fn) const;
    /// The same visits in batches of up to 256 element pointers: one call per batch instead of
    /// one per element (what a view that filters the image's elements streams through).
    using NodeBatchFn = std::function<bool(std::span<const model::NodeRef>)>;
    using EdgeBatchFn = std::function<bool(std::span<const model::Edge* const>)>;
    void forEachNodeBatch(const NodeBatchFn& fn) const;
    void forEachEdgeBatch(const EdgeBatchFn& fn) const;
    /// IDs of the edges whose Parent (out) / Child (in) is `node_id`.
    void outEdgeIds(std::string_view node_id,
                    const std::function<bool(const model::Str&)>& fn) const;
    void inEdgeIds(std::string_view node_id,
                   const std::function<bool(const model::Str&)>& fn) const;
    void nodesByValue(std::string_view key, const model::Value& value,
                      const GraphView::NodeFn& fn) const;
    /// What nodesByValue would visit, counted: the posting's size for an indexed key.
    std::size_t countByValue(std::string_view key, const model::Value& value) const;

    /// An immutable view over a copy of this image.
    GraphViewPtr view(ViewKind kind, Time from = 0, Time to = 0) const;

private:
    friend class GraphImageLoader;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Loads a graph into a GraphImage from several threads: each thread adds elements to its own
/// part, and the work per element (ID hash, adjacency links, index terms) is done right there,
/// while the just-decoded element is in cache. build() then builds each trie once from the
/// parts' entry lists (GraphImage::build is this loader over two vectors; ADR 014).
class GraphImageLoader {
public:
    GraphImageLoader(std::shared_ptr<const IndexConfig> config, unsigned parts);
    ~GraphImageLoader();
    GraphImageLoader(const GraphImageLoader&) = delete;
    GraphImageLoader& operator=(const GraphImageLoader&) = delete;

    /// REQUIRES: part < parts; one thread at a time per part.
    void addNode(unsigned part, NodeRec node);
    void addEdge(unsigned part, EdgePtr edge);
    /// The image that putNode() of every node then putEdge() of every edge would give, parts
    /// taken in order (each in its own order). Consumes the parts.
    GraphImage build(unsigned threads);

private:
    struct Part;
    std::shared_ptr<const IndexConfig> config_;
    std::vector<std::unique_ptr<Part>> parts_;
};

/// The index terms of one field value: the value itself and, for a list, each of its items.
void forEachIndexTerm(const model::Value& v, const std::function<void(const model::Value&)>& fn);
/// Whether `value` is one of the index terms of `n`'s field `key` (what nodesByValue matches);
/// a scalar field of a record is compared in place.
bool holdsTerm(NodeHandle n, std::string_view key, const model::Value& value);

}  // namespace skydive::graph
