#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <skydive/graph/graph_view.h>

namespace skydive::gremlin {

/// An immutable in-memory GraphView over owned elements: the result of SubGraph, on which
/// later steps run. Several revisions of one ID may be added (slice semantics); visits follow
/// insertion order. No secondary index.
class MemoryView final : public graph::GraphView {
public:
    MemoryView(graph::ViewKind kind, std::vector<model::Node> nodes, std::vector<model::Edge> edges,
               model::Time from = 0, model::Time to = 0);

    graph::ViewKind kind() const override { return kind_; }
    model::Time from() const override { return from_; }
    model::Time to() const override { return to_; }
    void forEachNode(const NodeFn& fn) const override;
    void forEachEdge(const EdgeFn& fn) const override;
    void findNode(std::string_view id, const NodeFn& fn) const override;
    void findEdge(std::string_view id, const EdgeFn& fn) const override;
    bool hasIndex(std::string_view) const override { return false; }
    void nodesByValue(std::string_view key, const model::Value& value,
                      const NodeFn& fn) const override;
    void outEdges(std::string_view node_id, const EdgeFn& fn) const override;
    void inEdges(std::string_view node_id, const EdgeFn& fn) const override;
    std::size_t nodeCount() const override { return nodes_.size(); }
    std::size_t edgeCount() const override { return edges_.size(); }

private:
    using Index = std::unordered_map<std::string_view, std::vector<std::size_t>>;
    graph::ViewKind kind_;
    std::vector<model::Node> nodes_;
    std::vector<model::Edge> edges_;
    model::Time from_, to_;
    Index node_ids_, edge_ids_, out_, in_;
};

}  // namespace skydive::gremlin
