#pragma once

#include <optional>
#include <string_view>

#include <skydive/model/value.h>

namespace skydive::model {
class NodeRef;
}

namespace skydive::model::detail {

/// The `Metadata.` prefix fieldOf accepts before a metadata path.
inline std::string_view stripMetadataPrefix(std::string_view key) {
    constexpr std::string_view kMetadataPrefix = "Metadata.";
    if (key.substr(0, kMetadataPrefix.size()) == kMetadataPrefix)
        return key.substr(kMetadataPrefix.size());
    return key;
}

/// fieldOf's `@` keys (`k` without the `@`): the element's own fields, `@DeletedAt` missing
/// while it is alive. `E` reads them: id(), host(), origin(), createdAt(), updatedAt(),
/// deletedAt(), revision() (an `Element` through `ElementFields`, a record through `NodeRef`).
template <typename E>
std::optional<Value> pseudoField(const E& e, std::string_view k) {
    if (k == "ID") return Value(e.id());
    if (k == "Host") return Value(e.host());
    if (k == "Origin") return Value(e.origin());
    if (k == "CreatedAt") return Value(e.createdAt());
    if (k == "UpdatedAt") return Value(e.updatedAt());
    if (k == "DeletedAt") {
        if (e.deletedAt() == 0) return std::nullopt;
        return Value(e.deletedAt());
    }
    if (k == "Revision") return Value(e.revision());
    return std::nullopt;
}

/// `a.host() == b.host()`; records compare their interned host ids (rec_format.h).
template <typename E>
bool sameHost(const E& a, const E& b) {
    return a.host() == b.host();
}
bool sameHost(NodeRef a, NodeRef b) noexcept;

/// `pseudoField(a, k) == pseudoField(b, k)`, comparing the fields without building values.
template <typename E>
bool samePseudoField(const E& a, const E& b, std::string_view k) {
    if (k == "ID") return a.id() == b.id();
    if (k == "Host") return sameHost(a, b);
    if (k == "Origin") return a.origin() == b.origin();
    if (k == "CreatedAt") return a.createdAt() == b.createdAt();
    if (k == "UpdatedAt") return a.updatedAt() == b.updatedAt();
    if (k == "DeletedAt") return a.deletedAt() == b.deletedAt();  // 0: missing in both
    if (k == "Revision") return a.revision() == b.revision();
    return true;  // no such field: missing in both
}

}  // namespace skydive::model::detail
