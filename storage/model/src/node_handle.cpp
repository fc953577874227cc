// NodeHandle: one accessor per field, each dispatching on the form behind the handle.
#include <skydive/model/json.h>
#include <skydive/model/node_handle.h>

namespace skydive::model {

namespace {

// Calls `node_fn(const Node&)` or `rec_fn(NodeRef)`.
template <typename NodeFn, typename RecFn>
auto visit(NodeHandle h, NodeFn&& node_fn, RecFn&& rec_fn) {
    if (const Node* n = h.node()) return node_fn(*n);
    return rec_fn(h.record());
}

}  // namespace

std::string_view NodeHandle::id() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.id.view(); }, [](NodeRef r) { return r.id(); });
}
std::string_view NodeHandle::host() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.host.view(); }, [](NodeRef r) { return r.host(); });
}
std::string_view NodeHandle::origin() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.origin.view(); }, [](NodeRef r) { return r.origin(); });
}
Time NodeHandle::createdAt() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.created_at; }, [](NodeRef r) { return r.createdAt(); });
}
Time NodeHandle::updatedAt() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.updated_at; }, [](NodeRef r) { return r.updatedAt(); });
}
Time NodeHandle::deletedAt() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.deleted_at; }, [](NodeRef r) { return r.deletedAt(); });
}
std::int64_t NodeHandle::revision() const noexcept {
    return visit(
        *this, [](const Node& n) { return n.revision; }, [](NodeRef r) { return r.revision(); });
}

FieldValue NodeHandle::field(std::string_view key) const {
    return visit(
        *this,
        [key](const Node& n) {
            const Value* v = n.metadata.isObject() ? n.metadata.asObject().find(key) : nullptr;
            return v ? FieldValue(v) : FieldValue();
        },
        [key](NodeRef r) { return FieldValue(r.field(key)); });
}

Value NodeHandle::metadata() const {
    return visit(
        *this, [](const Node& n) { return n.metadata; }, [](NodeRef r) { return r.metadata(); });
}

Node NodeHandle::toNode() const {
    return visit(
        *this, [](const Node& n) { return n; }, [](NodeRef r) { return r.toNode(); });
}

FieldValue fieldOf(NodeHandle h, std::string_view key) {
    if (const Node* n = h.node()) {
        // A plain top-level key (no `@`, no dotted path or `Metadata.` prefix): the node's own
        // value, borrowed, as a record's is viewed in place.
        if (key.find('.') == std::string_view::npos && (key.empty() || key[0] != '@'))
            return h.field(key);
        auto v = fieldOf(*n, key);
        return v ? FieldValue(std::move(*v)) : FieldValue();
    }
    return fieldOf(h.record(), key);
}

void writeNode(JsonWriter& w, NodeHandle h) {
    if (const Node* n = h.node()) return writeNode(w, *n);
    writeNode(w, h.record());
}

std::string toJson(NodeHandle h) {
    if (const Node* n = h.node()) return toJson(*n);
    return toJson(h.record());
}

}  // namespace skydive::model
