#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>
#include <skydive/agent/topology_graph.h>

namespace skydive::agent {
namespace {

constexpr int kMaxTidDepth = 16;  // ownership trees are shallow; bounds a corrupt cycle

bool isOwnership(const Edge& e) {
    const model::Value* r = e.metadata.asObject().find("RelationType");
    return r != nullptr && r->isString() && r->asString() == "ownership";
}

const model::Value* tidOf(const model::Value& md) {
    return md.asObject().find("TID");
}

}  // namespace

TopologyGraph::TopologyGraph(std::string host_id, const model::Clock& clock)
    : host_id_(std::move(host_id)), origin_("agent." + host_id_), clock_(clock) {}

void TopologyGraph::stamp(model::Element& e, model::Time now) const {
    e.host = host_id_;
    e.origin = origin_;
    e.created_at = now;
    e.updated_at = now;
    e.revision = 1;
}

void TopologyGraph::emit(model::ChangeKind kind, const Node& n) {
    if (listeners_.empty()) return;
    model::Change c{kind, n};
    for (auto& [token, fn] : listeners_) fn(c);
}

void TopologyGraph::emit(model::ChangeKind kind, const Edge& e) {
    if (listeners_.empty()) return;
    model::Change c{kind, e};
    for (auto& [token, fn] : listeners_) fn(c);
}

std::optional<std::string> TopologyGraph::computeTid(const Node& n) const {
    if (tidIsOwn(n.metadata)) return ownTid(n.id.view(), n.metadata, host_tid_);
    std::optional<std::string> parent_tid;
    int owners = 0;
    auto it = in_.find(n.id.str());
    if (it == in_.end()) return std::nullopt;
    for (const auto& eid : it->second) {
        const Edge& e = edges_.at(eid);
        if (!isOwnership(e)) continue;
        ++owners;
        const Node& p = nodes_.at(e.parent.str());
        const model::Value* t = tidOf(p.metadata);
        if (t != nullptr && t->isString()) parent_tid = std::string(t->asString());
    }
    if (owners != 1 || !parent_tid) return std::nullopt;
    return childTid(*parent_tid, n.metadata);
}

bool TopologyGraph::addNode(const std::string& id, model::Value metadata) {
    Lock l(mu_);
    if (nodes_.count(id) != 0 || !metadata.isObject()) return false;
    Node n;
    n.id = id;
    n.metadata = std::move(metadata);
    stamp(n, clock_.now());
    if (tidOf(n.metadata) == nullptr) {
        if (auto tid = computeTid(n)) n.metadata.mutableObject().set("TID", *tid);
    }
    const model::Value* type = n.metadata.asObject().find("Type");
    const model::Value* tid = tidOf(n.metadata);
    if (type != nullptr && *type == model::Value("host") && tid != nullptr && tid->isString()) {
        host_tid_ = std::string(tid->asString());
    }
    auto [it, inserted] = nodes_.emplace(id, std::move(n));
    emit(model::ChangeKind::NodeAdded, it->second);
    return true;
}

void TopologyGraph::updateNode(Node& n, model::Value metadata) {
    n.metadata = std::move(metadata);
    n.updated_at = clock_.now();
    ++n.revision;
    emit(model::ChangeKind::NodeUpdated, n);
}

bool TopologyGraph::setNodeMetadata(const std::string& id, model::Value metadata) {
    Lock l(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !metadata.isObject()) return false;
    Node& n = it->second;
    if (tidOf(metadata) == nullptr) {
        if (const model::Value* old = tidOf(n.metadata)) {
            metadata.mutableObject().set("TID", *old);
        } else {
            Node probe;
            probe.id = id;
            probe.metadata = metadata;
            if (auto tid = computeTid(probe)) metadata.mutableObject().set("TID", *tid);
        }
    }
    if (metadata == n.metadata) return false;
    updateNode(n, std::move(metadata));
    return true;
}

void TopologyGraph::refreshTid(const std::string& id, int depth) {
    if (depth > kMaxTidDepth) return;
    Node& n = nodes_.at(id);
    if (tidIsOwn(n.metadata)) return;
    auto tid = computeTid(n);
    const model::Value* old = tidOf(n.metadata);
    model::Value md = n.metadata;
    if (tid) {
        if (old != nullptr && *old == model::Value(*tid)) return;
        md.mutableObject().set("TID", *tid);
    } else {
        if (old == nullptr) return;
        md.mutableObject().erase("TID");
    }
    updateNode(n, std::move(md));
    auto out = out_.find(id);
    if (out == out_.end()) return;
    std::vector<std::string> children;
    for (const auto& eid : out->second) {
        const Edge& e = edges_.at(eid);
        if (isOwnership(e)) children.push_back(e.child.str());
    }
    for (const auto& c : children) refreshTid(c, depth + 1);
}

bool TopologyGraph::deleteNode(const std::string& id) {
    Lock l(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return false;
    std::vector<std::string> edge_ids;
    for (auto* adj : {&out_, &in_}) {
        auto a = adj->find(id);
        if (a != adj->end()) edge_ids.insert(edge_ids.end(), a->second.begin(), a->second.end());
    }
    model::Time now = clock_.now();
    for (const auto& eid : edge_ids) {
        auto e = edges_.find(eid);
        if (e == edges_.end()) continue;
        Edge dead = std::move(e->second);
        edges_.erase(e);
        out_[dead.parent.str()].erase(eid);
        in_[dead.child.str()].erase(eid);
        dead.deleted_at = now;
        emit(model::ChangeKind::EdgeDeleted, dead);
        // Children losing their owner lose their TID (they are not the node being deleted).
        if (isOwnership(dead) && dead.child.view() != id && nodes_.count(dead.child.str()) != 0) {
            refreshTid(dead.child.str(), 0);
        }
    }
    Node dead = std::move(it->second);
    nodes_.erase(it);
    out_.erase(id);
    in_.erase(id);
    dead.deleted_at = now;
    emit(model::ChangeKind::NodeDeleted, dead);
    return true;
}

bool TopologyGraph::addEdge(const std::string& id, const std::string& parent,
                            const std::string& child, model::Value metadata) {
    Lock l(mu_);
    if (edges_.count(id) != 0 || nodes_.count(parent) == 0 || nodes_.count(child) == 0 ||
        !metadata.isObject()) {
        return false;
    }
    Edge e;
    e.id = id;
    e.parent = parent;
    e.child = child;
    e.metadata = std::move(metadata);
    stamp(e, clock_.now());
    auto [it, inserted] = edges_.emplace(id, std::move(e));
    out_[parent].insert(id);
    in_[child].insert(id);
    emit(model::ChangeKind::EdgeAdded, it->second);
    if (isOwnership(it->second)) refreshTid(child, 0);
    return true;
}

bool TopologyGraph::deleteEdge(const std::string& id) {
    Lock l(mu_);
    auto it = edges_.find(id);
    if (it == edges_.end()) return false;
    Edge dead = std::move(it->second);
    edges_.erase(it);
    out_[dead.parent.str()].erase(id);
    in_[dead.child.str()].erase(id);
    dead.deleted_at = clock_.now();
    emit(model::ChangeKind::EdgeDeleted, dead);
    if (isOwnership(dead) && nodes_.count(dead.child.str()) != 0) refreshTid(dead.child.str(), 0);
    return true;
}

std::string TopologyGraph::link(const std::string& parent, const std::string& child,
                                std::string_view relation, model::Value extra) {
    std::string id = linkId(parent, child, relation);
    if (!extra.isObject()) extra = model::Value::object();
    extra.mutableObject().set("RelationType", relation);
    addEdge(id, parent, child, std::move(extra));
    return id;
}

}  // namespace skydive::agent
