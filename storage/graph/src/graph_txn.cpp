#include "graph_txn.h"

#include <algorithm>
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

using Stamps = NodeRec::Stamps;

Stamps stampsOf(const model::Element& e) {
    return {e.created_at, e.updated_at, e.revision};
}
void setStamps(model::Element& e, const Stamps& s) {
    e.created_at = s.created_at;
    e.updated_at = s.updated_at;
    e.revision = s.revision;
}

// The stamps of a new element: its own, defaults where it has none.
Stamps stampNew(const model::Element& e, Time now) {
    Stamps s = stampsOf(e);
    if (s.created_at == 0) s.created_at = now;
    if (s.updated_at == 0) s.updated_at = s.created_at;
    if (s.revision == 0) s.revision = 1;
    return s;
}

bool sameContent(const model::Element& a, const model::Element& b) {
    return a.metadata == b.metadata && a.host == b.host && a.origin == b.origin;
}

// Whether `next` has the stored node's metadata, Host and Origin (spec §1.4: no revision for
// an equal value), compared in place.
bool sameContent(model::NodeRef cur, const Node& next) {
    if (cur.host() != next.host.view() || cur.origin() != next.origin.view()) return false;
    const model::Object& md = next.metadata.asObject();
    if (cur.keyCount() != md.size()) return false;
    std::size_t i = 0;
    for (const auto& [k, v] : md) {
        if (cur.key(i) != k.view() || !model::equals(cur.value(i), v)) return false;
        ++i;
    }
    return true;
}

// Full replace of an element created at `created_at` with revision `revision` by one stamped
// `next`; returns false (and leaves `next` alone) when the spec says to ignore it. `same()`
// tells whether the incoming element has the current one's metadata, Host and Origin.
template <typename Same>
bool prepareReplace(Time created_at, std::int64_t revision, Stamps& next, Time now,
                    const Same& same) {
    if (next.revision != 0) {
        if (next.revision <= revision) return false;
    } else {
        if (same()) return false;
        next.revision = revision + 1;
        next.updated_at = now;
    }
    if (next.created_at == 0) next.created_at = created_at;
    if (next.updated_at == 0) next.updated_at = now;
    return true;
}

Status checkEdge(const GraphImage& img, const Edge& e) {
    if (auto st = validateElement(e); !st) return st;
    if (e.parent.empty()) return makeError(ErrorCode::InvalidArgument, "parent ID wrong format");
    if (e.child.empty()) return makeError(ErrorCode::InvalidArgument, "child ID wrong format");
    if (!img.node(e.parent.view()))
        return makeError(ErrorCode::InvalidArgument,
                         "Edge " + e.id.str() + ": parent node " + e.parent.str() + " not found");
    if (!img.node(e.child.view()))
        return makeError(ErrorCode::InvalidArgument,
                         "Edge " + e.id.str() + ": child node " + e.child.str() + " not found");
    return {};
}

Status notDeleted(const model::Element& e) {
    if (e.deleted_at != 0)
        return makeError(ErrorCode::InvalidArgument, "Element " + e.id.str() + " is deleted");
    return {};
}

Status checkNew(const model::Element& e) {
    if (auto st = validateElement(e); !st) return st;
    return notDeleted(e);
}

// checkNew() for a node, and its record: metadata with no list or object in it (nearly every
// node) is checked against the limits from the packed record (validatePacked); the walk of
// every value cost ~475 instructions per update of the ingest benchmark's nodes (ADR 015,
// twenty-sixth round). Packing first is safe: JSON input is at most 64 levels deep, and nested
// metadata is walked right after.
model::Result<NodeRec> checkedRecord(const Node& n, const NodeRec::Stamps& stamps) {
    if (n.id.empty() || !n.metadata.isObject()) return checkNew(n).error();  // both refused
    if (auto st = notDeleted(n); !st) return st.error();
    bool nested;
    NodeRec rec = NodeRec::encode(n, stamps, nested);
    if (auto st = nested ? validateElement(n) : validatePacked(n, rec); !st) return st.error();
    return rec;
}

}  // namespace

Status GraphTxn::addNode(const Node& n) {
    auto checked = checkedRecord(n, stampNew(n, now));
    if (!checked) return checked.error();
    NodeRec rec = std::move(*checked);
    if (image.node(n.id.view()))
        return makeError(ErrorCode::Conflict, "Node " + n.id.str() + " already exists");
    image.putNode(rec);
    kinds.push_back(ChangeKind::NodeAdded);
    versions.push_back({NodeRec(), std::move(rec), nullptr, nullptr});
    return {};
}

Status GraphTxn::addEdge(Edge e) {
    if (auto st = checkNew(e); !st) return st;
    if (auto st = checkEdge(image, e); !st) return st;
    if (image.edge(e.id.view()))
        return makeError(ErrorCode::Conflict, "Edge " + e.id.str() + " already exists");
    setStamps(e, stampNew(e, now));
    auto ptr = std::make_shared<const Edge>(std::move(e));
    image.putEdge(ptr);
    kinds.push_back(ChangeKind::EdgeAdded);
    versions.push_back({NodeRec(), NodeRec(), nullptr, ptr});
    return {};
}

Status GraphTxn::replaceNode(const Node& n) {
    // Refused before the lookup (the comparison reads the metadata as an object); an update
    // ignored below is still refused when it breaks the limits (checkNew).
    if (n.id.empty() || !n.metadata.isObject()) return checkNew(n);
    Stamps stamps = stampsOf(n);
    if (defer) {
        model::NodeRef cur = lookupNode(n.id.view());
        if (cur && replaced_.find(cur.block()) != nullptr) {  // the second change of a node
            applyDeferred();
            cur = image.node(n.id.view());
        }
        if (!cur) return addNode(n);
        if (!prepareReplace(cur.createdAt(), cur.revision(), stamps, now,
                            [&] { return sameContent(cur, n); }))
            return checkNew(n);
        auto rec = checkedRecord(n, stamps);
        if (!rec) return rec.error();
        deferred_.push_back(versions.size());
        replaced_.put(cur.block(), cur.block());
        kinds.push_back(ChangeKind::NodeUpdated);
        // Which indexed keys changed is left unknown: comparing them reads the replaced
        // version's record, which applyDeferred() and the history store's window do anyway.
        versions.push_back({NodeRec::share(cur), std::move(*rec), nullptr, nullptr});
        return {};
    }
    const GraphImage::NodeUpdate update = openNode(n.id.view());
    if (!update) return addNode(n);
    const model::NodeRef cur = update.current();
    if (!prepareReplace(cur.createdAt(), cur.revision(), stamps, now,
                        [&] { return sameContent(cur, n); }))
        return checkNew(n);
    auto checked = checkedRecord(n, stamps);
    if (!checked) return checked.error();
    NodeRec rec = std::move(*checked);
    NodeRec old = NodeRec::share(cur);
    const std::uint64_t changed = image.replace(update, rec);
    kinds.push_back(ChangeKind::NodeUpdated);
    versions.push_back({std::move(old), std::move(rec), nullptr, nullptr, changed});
    return {};
}

Status GraphTxn::replaceEdge(Edge e) {
    if (auto st = checkNew(e); !st) return st;
    const EdgePtr* cur = image.edge(e.id.view());
    if (cur == nullptr) return addEdge(std::move(e));
    if (auto st = checkEdge(image, e); !st) return st;
    bool moved = (*cur)->parent != e.parent || (*cur)->child != e.child;
    Stamps stamps = stampsOf(e);
    if (prepareReplace((*cur)->created_at, (*cur)->revision, stamps, now,
                       [&] { return sameContent(**cur, e); })) {
        setStamps(e, stamps);
    } else if (moved && e.revision == 0) {  // same metadata, new endpoints: still a change
        setStamps(e, {(*cur)->created_at, now, (*cur)->revision + 1});
    } else {
        return {};
    }
    EdgePtr old = *cur;
    auto ptr = std::make_shared<const Edge>(std::move(e));
    image.putEdge(ptr);
    kinds.push_back(ChangeKind::EdgeUpdated);
    versions.push_back({NodeRec(), NodeRec(), std::move(old), ptr});
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
    applyDeferred();
    const model::NodeRef cur = image.node(id);
    if (!cur) return notFound("Node", id);
    Node next;
    auto r = editMetadata(cur.toNode(), next, key, value, now);
    if (!r) return r.error();
    if (!*r) return {};
    NodeRec old = NodeRec::share(cur);
    NodeRec rec = NodeRec::encode(next);
    const std::uint64_t changed = image.putNode(rec);
    kinds.push_back(ChangeKind::NodeUpdated);
    versions.push_back({std::move(old), std::move(rec), nullptr, nullptr, changed});
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
    versions.push_back({NodeRec(), NodeRec(), std::move(old), ptr});
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
    versions.push_back({NodeRec(), NodeRec(), std::move(old), std::move(last)});
    return {};
}

Status GraphTxn::deleteNode(std::string_view id, Time at, bool must_exist) {
    applyDeferred();
    const model::NodeRef cur = image.node(id);
    if (!cur) return must_exist ? notFound("Node", id) : Status{};
    if (at == 0) at = now;
    std::vector<model::Str> edges;
    image.outEdgeIds(id, [&](const model::Str& e) { return edges.push_back(e), true; });
    image.inEdgeIds(id, [&](const model::Str& e) { return edges.push_back(e), true; });
    for (const model::Str& e : edges)
        if (auto st = deleteEdge(e.view(), at, false); !st) return st;  // self-loops: once
    NodeRec old = NodeRec::share(cur);
    Node last = cur.toNode();
    last.deleted_at = at;
    image.removeNode(id);
    kinds.push_back(ChangeKind::NodeDeleted);
    versions.push_back({std::move(old), NodeRec::encode(last), nullptr, nullptr});
    return {};
}

Status GraphTxn::applyChange(const Change& c) {
    const Node* n = std::get_if<Node>(&c.element);
    const Edge* e = std::get_if<Edge>(&c.element);
    if ((model::isNodeChange(c.kind) && n == nullptr) || (!model::isNodeChange(c.kind) && !e))
        return makeError(ErrorCode::InvalidArgument, "Change kind does not match its element");
    switch (c.kind) {
        case ChangeKind::NodeAdded:
        case ChangeKind::NodeUpdated: return replaceNode(*n);  // no copy of the node
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

void GraphTxn::prefetchFar(const Change& c) const noexcept {
    if (const Node* n = std::get_if<Node>(&c.element)) {
        n->id.prefetch();
        if (n->metadata.isObject()) n->metadata.asObject().prefetch();
    }
}

void GraphTxn::prefetchNear(const Change& c, std::size_t i) noexcept {
    if (const Node* n = std::get_if<Node>(&c.element)) {
        if (n->metadata.isObject()) n->metadata.asObject().prefetchValues();
        probeNode(i, n->id.view());
    } else {
        probes_[i % kProbes] = {};
    }
}

void GraphTxn::probeNode(std::size_t i, std::string_view id) noexcept {
    probes_[i % kProbes] = {image.probeNode(id), id};
}

void GraphTxn::stepProbes(std::size_t i) noexcept {
    for (std::size_t k = i; k <= i + kPrefetchNear; ++k) {
        GraphImage::NodeProbe& p = probes_[k % kProbes].probe;
        if (p.node != nullptr) image.stepNodeProbe(p);
    }
}

// The same bytes, not only equal ones: the probe was started for this very change.
const std::uint64_t* GraphTxn::probedHash(std::string_view id) const noexcept {
    if (applying_ == kNotApplying) return nullptr;
    const Probe& p = probes_[applying_ % kProbes];
    return p.id.data() == id.data() && p.id.size() == id.size() ? &p.probe.hash : nullptr;
}

model::NodeRef GraphTxn::lookupNode(std::string_view id) const {
    const std::uint64_t* h = probedHash(id);
    return h != nullptr ? image.node(id, *h) : image.node(id);
}

GraphImage::NodeUpdate GraphTxn::openNode(std::string_view id) {
    const std::uint64_t* h = probedHash(id);
    return h != nullptr ? image.updateNode(id, *h) : image.updateNode(id);
}

// Deferral leaves existence, edges and adjacency alone: additions and edge operations do not
// apply the deferred replacements first (the tries they change are not the ones these change,
// and a new node takes a slot no replacement uses).
void GraphTxn::applyDeferred() {
    if (deferred_.empty()) return;
    // The replaced records and their trie entries were last read on the caller's core. The
    // new records' IDs are read kPrefetchFar ahead, their lookups probed kPrefetchNear ahead
    // (the probes of the loop over the delta are done with: it applies these first).
    const std::size_t was_applying = applying_;
    for (std::size_t k = 0; k < kPrefetchNear && k < deferred_.size(); ++k)
        probeNode(k, versions[deferred_[k]].node_after.id());
    for (std::size_t j = 0; j < deferred_.size(); ++j) {
        if (j + kPrefetchFar < deferred_.size())
            __builtin_prefetch(versions[deferred_[j + kPrefetchFar]].node_after.block());
        if (j + kPrefetchNear < deferred_.size())
            probeNode(j + kPrefetchNear, versions[deferred_[j + kPrefetchNear]].node_after.id());
        stepProbes(j);
        applying_ = j;
        const NodeRec& next = versions[deferred_[j]].node_after;
        image.replace(openNode(next.id()), next);
    }
    applying_ = was_applying;
    deferred_.clear();
    replaced_.clear();
}

void undoChanges(GraphImage& image, std::span<const ChangeKind> kinds,
                 std::span<const ChangeVersions> versions) {
    for (std::size_t i = std::min(kinds.size(), versions.size()); i-- > 0;) {
        const ChangeVersions& v = versions[i];
        if (v.node_after) {
            if (v.node_before)
                image.putNode(v.node_before);
            else
                image.removeNode(v.node_after.id());
        } else if (v.edge_before) {
            image.putEdge(v.edge_before);
        } else if (v.edge_after) {
            image.removeEdge(v.edge_after->id.view());
        }
    }
}

std::vector<Change> changeEvents(std::span<const ChangeKind> kinds,
                                 std::span<const ChangeVersions> versions) {
    std::vector<Change> out;
    out.reserve(kinds.size());
    for (std::size_t i = 0; i < kinds.size() && i < versions.size(); ++i) {
        if (versions[i].node_after)
            out.push_back(Change{kinds[i], versions[i].node_after.toNode()});
        else
            out.push_back(Change{kinds[i], *versions[i].edge_after});
    }
    return out;
}

}  // namespace skydive::graph
