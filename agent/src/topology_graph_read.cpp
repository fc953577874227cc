#include <skydive/agent/topology_graph.h>

namespace skydive::agent {

std::optional<Node> TopologyGraph::node(std::string_view id) const {
    Lock l(mu_);
    auto it = nodes_.find(std::string(id));
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
}

std::optional<Edge> TopologyGraph::edge(std::string_view id) const {
    Lock l(mu_);
    auto it = edges_.find(std::string(id));
    if (it == edges_.end()) return std::nullopt;
    return it->second;
}

std::vector<Node> TopologyGraph::nodesWhere(std::string_view key, const model::Value& value) const {
    Lock l(mu_);
    std::vector<Node> out;
    for (const auto& [id, n] : nodes_) {
        const model::Value* v = n.metadata.asObject().find(key);
        if (v != nullptr && *v == value) out.push_back(n);
    }
    return out;
}

std::vector<Edge> TopologyGraph::outEdges(std::string_view id) const {
    Lock l(mu_);
    std::vector<Edge> out;
    auto it = out_.find(std::string(id));
    if (it == out_.end()) return out;
    for (const auto& eid : it->second) out.push_back(edges_.at(eid));
    return out;
}

std::vector<Edge> TopologyGraph::inEdges(std::string_view id) const {
    Lock l(mu_);
    std::vector<Edge> out;
    auto it = in_.find(std::string(id));
    if (it == in_.end()) return out;
    for (const auto& eid : it->second) out.push_back(edges_.at(eid));
    return out;
}

std::optional<std::string> TopologyGraph::owner(std::string_view id) const {
    Lock l(mu_);
    auto it = in_.find(std::string(id));
    if (it == in_.end()) return std::nullopt;
    for (const auto& eid : it->second) {
        const Edge& e = edges_.at(eid);
        const model::Value* r = e.metadata.asObject().find("RelationType");
        if (r != nullptr && *r == model::Value("ownership")) return e.parent.str();
    }
    return std::nullopt;
}

model::Graph TopologyGraph::snapshot() const {
    Lock l(mu_);
    model::Graph g;
    g.nodes.reserve(nodes_.size());
    g.edges.reserve(edges_.size());
    for (const auto& [id, n] : nodes_) g.nodes.push_back(n);
    for (const auto& [id, e] : edges_) g.edges.push_back(e);
    return g;
}

std::size_t TopologyGraph::nodeCount() const {
    Lock l(mu_);
    return nodes_.size();
}

std::size_t TopologyGraph::edgeCount() const {
    Lock l(mu_);
    return edges_.size();
}

std::uint64_t TopologyGraph::subscribe(Listener listener, model::Graph* snap) {
    Lock l(mu_);
    if (snap != nullptr) *snap = snapshot();
    std::uint64_t token = next_token_++;
    listeners_.emplace(token, std::move(listener));
    return token;
}

void TopologyGraph::unsubscribe(std::uint64_t token) {
    Lock l(mu_);
    listeners_.erase(token);
}

}  // namespace skydive::agent
