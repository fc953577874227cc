// fieldOf over a flat record: the same answers as fieldOf(const Node&) (element.cpp) and
// Value::path (value.cpp), reading the packed values in place.
#include <skydive/model/node_rec.h>

#include "pseudo_fields.h"

namespace skydive::model {

namespace {

// Fan-out through lists (Value::path's collectPath).
void collectPath(ValueRef v, std::string_view dotted, List& out, bool& found) {
    std::string_view head = dotted;
    std::string_view rest;
    bool last = true;
    if (auto dot = dotted.find('.'); dot != std::string_view::npos) {
        head = dotted.substr(0, dot);
        rest = dotted.substr(dot + 1);
        last = false;
    }
    if (v.isList()) {
        for (ValueRef item : v.asList()) collectPath(item, dotted, out, found);
        return;
    }
    if (!v.isObject()) return;
    ValueRef child = v.asObject().find(head);
    if (!child) return;
    if (last) {
        out.push_back(child.toValue());
        found = true;
    } else {
        collectPath(child, rest, out, found);
    }
}

}  // namespace

FieldValue fieldOf(NodeRef n, std::string_view key) {
    if (!key.empty() && key[0] == '@') {
        auto v = detail::pseudoField(n, key.substr(1));
        return v ? FieldValue(std::move(*v)) : FieldValue();
    }
    key = detail::stripMetadataPrefix(key);
    auto dot = key.find('.');
    ValueRef cur = n.field(dot == std::string_view::npos ? key : key.substr(0, dot));
    while (true) {
        if (!cur) return {};
        if (dot == std::string_view::npos) return FieldValue(cur);
        key = key.substr(dot + 1);
        if (cur.isList()) {
            List out;
            bool found = false;
            collectPath(cur, key, out, found);
            if (!found) return {};
            return FieldValue(Value(std::move(out)));
        }
        if (!cur.isObject()) return {};
        dot = key.find('.');
        cur = cur.asObject().find(dot == std::string_view::npos ? key : key.substr(0, dot));
    }
}

bool sameField(NodeRef a, NodeRef b, std::string_view key) {
    if (!key.empty() && key[0] == '@') return detail::samePseudoField(a, b, key.substr(1));
    if (!key.empty() && a.sameKeys(b)) {
        // A top-level key, possibly after the `Metadata.` prefix.
        const bool dotted = key.find('.') != std::string_view::npos;
        const std::string_view plain = dotted ? detail::stripMetadataPrefix(key) : key;
        if (!dotted || plain.find('.') == std::string_view::npos) {
            const std::size_t i = a.fieldIndex(plain);
            return i == a.keyCount() || a.value(i) == b.value(i);
        }
    }
    return fieldOf(a, key) == fieldOf(b, key);
}

}  // namespace skydive::model
