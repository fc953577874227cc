#include "graph_txn.h"

#include <string>

namespace skydive::graph {

using model::Change;
using model::ChangeKind;
using model::ErrorCode;
using model::makeError;
using model::Status;
using model::Value;

namespace {

Status notFound(std::string_view what, std::string_view id) {
    return makeError(ErrorCode::NotFound, std::string(what) + " " + std::string(id) + " not found");
}

void stampNew(model::Element& e, Time now) {
    if (e.created_at == 0) e.created_at = now;
    if (e.updated_at == 0) e.updated_at = e.created_at;
    if (e.revision == 0) e.revision = 1;
}

bool sameContent(const model::Element& a, const model::Element& b) {
    return a.metadata == b.metadata && a.host == b.host && a.origin == b.origin;
}

// Full replace of `cur` by `next`; returns false when the spec says to ignore it.
bool prepareReplace(const model::Element& cur, model::Element& next, Time now) {
    if (next.revision != 0) {
        if (next.revision <= cur.revision) return false;
    } else {
        if (sameContent(cur, next)) return false;
        next.revision = cur.revision + 1;
        next.updated_at = now;
    }
    if (next.created_at == 0) next.created_at = cur.created_at;
    if (next.updated_at == 0) next.updated_at = now;
    return true;
}

Status checkEdge(const GraphImage& img, const Edge& e) {
    if (auto st = validateElement(e); !st) return st;
    if (e.parent.empty()) return makeError(ErrorCode::InvalidArgument, "parent ID wrong format");
    if (e.child.empty()) return makeError(ErrorCode::InvalidArgument, "child ID wrong format");
    if (img.node(e.parent.view()) == nullptr)
        return makeError(ErrorCode::InvalidArgument,
                         "Edge " + e.id.str() + ": parent node " + e.parent.str() + " not found");
    if (img.node(e.child.view()) == nullptr)
        return makeError(ErrorCode::InvalidArgument,
                         "Edge " + e.id.str() + ": child node " + e.child.str() + " not found");
    return {};
}

Status checkNew(const model::Element& e) {
    if (auto st = validateElement(e); !st) return st;
    if (e.deleted_at != 0)
        return makeError(ErrorCode::InvalidArgument, "Element " + e.id.str() + " is deleted");
    return {};
}

}  // namespace

Status GraphTxn::addNode(Node n) {
    if (auto st = checkNew(n); !st) return st;
    if (image.node(n.id.view()))
        return makeError(ErrorCode::Conflict, "Node " + n.id.str() + " already exists");
    stampNew(n, now);
    auto ptr = std::make_shared<const Node>(std::move(n));
    image.putNode(ptr);
    kinds.push_back(ChangeKind::NodeAdded);
    versions.push_back({nullptr, ptr, nullptr, nullptr});
    return {};
}

Status GraphTxn::addEdge(Edge e) {
    if (auto st = checkNew(e); !st) return st;
    if (auto st = checkEdge(image, e); !st) return st;
    if (image.edge(e.id.view()))
        return makeError(ErrorCode::Conflict, "Edge " + e.id.str() + " already exists");
    stampNew(e, now);
    auto ptr = std::make_shared<const Edge>(std::move(e));
    image.putEdge(ptr);
    kinds.push_back(ChangeKind::EdgeAdded);
    versions.push_back({nullptr, nullptr, nullptr, ptr});
    return {};
}

Status GraphTxn::replaceNode(Node n) {
    if (auto st = checkNew(n); !st) return st;
    const NodePtr* cur = image.node(n.id.view());
    if (cur == nullptr) return addNode(std::move(n));
    if (!prepareReplace(**cur, n, now)) return {};
    NodePtr old = *cur;
    auto ptr = std::make_shared<const Node>(std::move(n));
    image.putNode(ptr);
    kinds.push_back(ChangeKind::NodeUpdated);
    versions.push_back({std::move(old), ptr, nullptr, nullptr});
    return {};
}

Status GraphTxn::replaceEdge(Edge e) {
    if (auto st = checkNew(e); !st) return st;
    const EdgePtr* cur = image.edge(e.id.view());
    if (cur == nullptr) return addEdge(std::move(e));
    if (auto st = checkEdge(image, e); !st) return st;
    bool moved = (*cur)->parent != e.parent || (*cur)->child != e.child;
    if (!prepareReplace(**cur, e, now)) {
        if (!moved || e.revision != 0) return {};
        e.revision = (*cur)->revision + 1;  // same metadata, new endpoints: still a change
        e.updated_at = now;
        e.created_at = (*cur)->created_at;
    }
    EdgePtr old = *cur;
    auto ptr = std::make_shared<const Edge>(std::move(e));
    image.putEdge(ptr);
    kinds.push_back(ChangeKind::EdgeUpdated);
    versions.push_back({nullptr, nullptr, std::move(old), ptr});
    return {};
}

namespace {

// Applies a set (value != nullptr) or a delete of one dotted key to a copy of `cur`.
template <typename T>
model::Result<bool> editMetadata(const T& cur, T& next, std::string_view key, const Value* value,
                                 Time now) {
    if (key.empty()) return makeError(ErrorCode::InvalidArgument, "Empty metadata key");
    next = cur;
    bool changed;
    if (value != nullptr) {
        if (!model::setPath(next.metadata, key, *value))
            return makeError(ErrorCode::InvalidArgument,
                             "Cannot set " + std::string(key) + ": a parent is not an object");
        changed = !(next.metadata == cur.metadata);
    } else {
        changed = model::erasePath(next.metadata, key);
    }
    if (!changed) return false;
    if (auto st = validateElement(next); !st) return st.error();
    next.revision = cur.revision + 1;
    next.updated_at = now;
    return true;
}

}  // namespace

Status GraphTxn::updateNodeMetadata(std::string_view id, std::string_view key, const Value* value) {
    const NodePtr* cur = image.node(id);
    if (cur == nullptr) return notFound("Node", id);
    Node next;
    auto r = editMetadata(**cur, next, key, value, now);
    if (!r) return r.error();
    if (!*r) return {};
    NodePtr old = *cur;
    auto ptr = std::make_shared<const Node>(std::move(next));
    image.putNode(ptr);
    kinds.push_back(ChangeKind::NodeUpdated);
    versions.push_back({std::move(old), ptr, nullptr, nullptr});
    return {};
}

Status GraphTxn::updateEdgeMetadata(std::string_view id, std::string_view key, const Value* value) {
    const EdgePtr* cur = image.edge(id);
    if (cur == nullptr) return notFound("Edge", id);
    Edge next;
    auto r = editMetadata(**cur, next, key, value, now);
    if (!r) return r.error();
    if (!*r) return {};
    EdgePtr old = *cur;
    auto ptr = std::make_shared<const Edge>(std::move(next));
    image.putEdge(ptr);
    kinds.push_back(ChangeKind::EdgeUpdated);
    versions.push_back({nullptr, nullptr, std::move(old), ptr});
    return {};
}

Status GraphTxn::deleteEdge(std::string_view id, Time at, bool must_exist) {
    const EdgePtr* cur = image.edge(id);
    if (cur == nullptr) return must_exist ? notFound("Edge", id) : Status{};
    EdgePtr old = *cur;
    auto last = std::make_shared<Edge>(*old);
    last->deleted_at = at != 0 ? at : now;
    image.removeEdge(id);
    kinds.push_back(ChangeKind::EdgeDeleted);
    versions.push_back({nullptr, nullptr, std::move(old), std::move(last)});
    return {};
}

Status GraphTxn::deleteNode(std::string_view id, Time at, bool must_exist) {
    const NodePtr* cur = image.node(id);
    if (cur == nullptr) return must_exist ? notFound("Node", id) : Status{};
    if (at == 0) at = now;
    std::vector<model::Str> edges;
    image.outEdgeIds(id, [&](const model::Str& e) { return edges.push_back(e), true; });
    image.inEdgeIds(id, [&](const model::Str& e) { return edges.push_back(e), true; });
    for (const model::Str& e : edges)
        if (auto st = deleteEdge(e.view(), at, false); !st) return st;  // self-loops: once
    NodePtr old = *cur;
    auto last = std::make_shared<Node>(*old);
    last->deleted_at = at;
    image.removeNode(id);
    kinds.push_back(ChangeKind::NodeDeleted);
    versions.push_back({std::move(old), std::move(last), nullptr, nullptr});
    return {};
}

Status GraphTxn::applyChange(const Change& c) {
    const Node* n = std::get_if<Node>(&c.element);
    const Edge* e = std::get_if<Edge>(&c.element);
    if ((model::isNodeChange(c.kind) && n == nullptr) || (!model::isNodeChange(c.kind) && !e))
        return makeError(ErrorCode::InvalidArgument, "Change kind does not match its element");
    switch (c.kind) {
        case ChangeKind::NodeAdded:
        case ChangeKind::NodeUpdated: return replaceNode(*n);
        case ChangeKind::EdgeAdded:
        case ChangeKind::EdgeUpdated: return replaceEdge(*e);
        case ChangeKind::NodeDeleted:
            return deleteNode(n->id.view(), n->deleted_at != 0 ? n->deleted_at : n->updated_at,
                              false);
        case ChangeKind::EdgeDeleted:
            return deleteEdge(e->id.view(), e->deleted_at != 0 ? e->deleted_at : e->updated_at,
                              false);
    }
    return makeError(ErrorCode::Internal, "unknown change kind");
}

std::vector<Change> changeEvents(std::span<const ChangeKind> kinds,
                                 std::span<const ChangeVersions> versions) {
    std::vector<Change> out;
    out.reserve(kinds.size());
    for (std::size_t i = 0; i < kinds.size() && i < versions.size(); ++i) {
        if (versions[i].node_after)
            out.push_back(Change{kinds[i], *versions[i].node_after});
        else
            out.push_back(Change{kinds[i], *versions[i].edge_after});
    }
    return out;
}

}  // namespace skydive::graph
