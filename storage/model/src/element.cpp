#include <skydive/model/element.h>

#include <array>

namespace skydive::model {

namespace {

constexpr std::string_view kMetadataPrefix = "Metadata.";

std::optional<Value> commonField(const Element& e, std::string_view key, bool& handled) {
    handled = true;
    if (!key.empty() && key[0] == '@') {
        std::string_view k = key.substr(1);
        if (k == "ID") return Value(e.id);
        if (k == "Host") return Value(e.host);
        if (k == "Origin") return Value(e.origin);
        if (k == "CreatedAt") return Value(e.created_at);
        if (k == "UpdatedAt") return Value(e.updated_at);
        if (k == "DeletedAt") {
            if (e.deleted_at == 0) return std::nullopt;
            return Value(e.deleted_at);
        }
        if (k == "Revision") return Value(e.revision);
        return std::nullopt;
    }
    handled = false;
    return std::nullopt;
}

std::string_view stripMetadataPrefix(std::string_view key) {
    if (key.substr(0, kMetadataPrefix.size()) == kMetadataPrefix)
        return key.substr(kMetadataPrefix.size());
    return key;
}

}  // namespace

std::optional<Value> fieldOf(const Node& node, std::string_view key) {
    bool handled = false;
    auto v = commonField(node, key, handled);
    if (handled) return v;
    return node.metadata.path(stripMetadataPrefix(key));
}

std::optional<Value> fieldOf(const Edge& edge, std::string_view key) {
    bool handled = false;
    auto v = commonField(edge, key, handled);
    if (handled) return v;
    if (key == "Parent") return Value(edge.parent);
    if (key == "Child") return Value(edge.child);
    return edge.metadata.path(stripMetadataPrefix(key));
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
