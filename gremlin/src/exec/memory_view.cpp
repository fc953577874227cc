#include "exec/memory_view.h"

namespace skydive::gremlin {

namespace {

bool strictlyHas(const model::Value& field, const model::Value& want) {
    if (field == want) return true;
    if (!field.isList()) return false;
    for (const auto& e : field.asList()) {
        if (e == want) return true;
    }
    return false;
}

}  // namespace

MemoryView::MemoryView(graph::ViewKind kind, std::vector<model::Node> nodes,
                       std::vector<model::Edge> edges, model::Time from, model::Time to)
    : kind_(kind), nodes_(std::move(nodes)), edges_(std::move(edges)), from_(from), to_(to) {
    // Keys are views into the owned elements, which never move after construction.
    for (std::size_t i = 0; i < nodes_.size(); ++i) node_ids_[nodes_[i].id.view()].push_back(i);
    for (std::size_t i = 0; i < edges_.size(); ++i) {
        edge_ids_[edges_[i].id.view()].push_back(i);
        out_[edges_[i].parent.view()].push_back(i);
        in_[edges_[i].child.view()].push_back(i);
    }
}

void MemoryView::forEachNode(const NodeFn& fn) const {
    for (const auto& n : nodes_) {
        if (!fn(n)) return;
    }
}

void MemoryView::forEachEdge(const EdgeFn& fn) const {
    for (const auto& e : edges_) {
        if (!fn(e)) return;
    }
}

void MemoryView::findNode(std::string_view id, const NodeFn& fn) const {
    if (auto it = node_ids_.find(id); it != node_ids_.end()) {
        for (auto i : it->second) {
            if (!fn(nodes_[i])) return;
        }
    }
}

void MemoryView::findEdge(std::string_view id, const EdgeFn& fn) const {
    if (auto it = edge_ids_.find(id); it != edge_ids_.end()) {
        for (auto i : it->second) {
            if (!fn(edges_[i])) return;
        }
    }
}

void MemoryView::nodesByValue(std::string_view key, const model::Value& value,
                              const NodeFn& fn) const {
    for (const auto& n : nodes_) {
        const auto* field = n.metadata.asObject().find(key);
        if (field != nullptr && strictlyHas(*field, value) && !fn(n)) return;
    }
}

void MemoryView::outEdges(std::string_view node_id, const EdgeFn& fn) const {
    if (auto it = out_.find(node_id); it != out_.end()) {
        for (auto i : it->second) {
            if (!fn(edges_[i])) return;
        }
    }
}

void MemoryView::inEdges(std::string_view node_id, const EdgeFn& fn) const {
    if (auto it = in_.find(node_id); it != in_.end()) {
        for (auto i : it->second) {
            if (!fn(edges_[i])) return;
        }
    }
}

}  // namespace skydive::gremlin
