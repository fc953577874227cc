#include <skydive/model/element.h>

#include <array>

#include "pseudo_fields.h"

namespace skydive::model {

namespace {

// An Element's fields under the accessor names detail::pseudoField reads (Str: shared, not
// copied, into the Value).
struct ElementFields {
    const Element& e;
    const Str& id() const { return e.id; }
    const Str& host() const { return e.host; }
    const Str& origin() const { return e.origin; }
    Time createdAt() const { return e.created_at; }
    Time updatedAt() const { return e.updated_at; }
    Time deletedAt() const { return e.deleted_at; }
    std::int64_t revision() const { return e.revision; }
};

std::optional<Value> commonField(const Element& e, std::string_view key, bool& handled) {
    handled = !key.empty() && key[0] == '@';
    if (!handled) return std::nullopt;
    return detail::pseudoField(ElementFields{e}, key.substr(1));
}

}  // namespace

std::optional<Value> fieldOf(const Node& node, std::string_view key) {
    bool handled = false;
    auto v = commonField(node, key, handled);
    if (handled) return v;
    return node.metadata.path(detail::stripMetadataPrefix(key));
}

std::optional<Value> fieldOf(const Edge& edge, std::string_view key) {
    bool handled = false;
    auto v = commonField(edge, key, handled);
    if (handled) return v;
    if (key == "Parent") return Value(edge.parent);
    if (key == "Child") return Value(edge.child);
    return edge.metadata.path(detail::stripMetadataPrefix(key));
}

namespace {
constexpr std::array<std::string_view, 6> kChangeNames = {
    "NodeAdded", "NodeUpdated", "NodeDeleted", "EdgeAdded", "EdgeUpdated", "EdgeDeleted",
};
}  // namespace

std::string_view changeKindName(ChangeKind kind) {
    return kChangeNames[static_cast<std::size_t>(kind)];
}

std::optional<ChangeKind> changeKindFromName(std::string_view name) {
    for (std::size_t i = 0; i < kChangeNames.size(); ++i)
        if (kChangeNames[i] == name) return static_cast<ChangeKind>(i);
    return std::nullopt;
}

}  // namespace skydive::model
