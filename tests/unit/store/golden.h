#pragma once

// What the store's golden-byte tests share: bytes as hex, and FORMAT.md's example node.
#include <string>
#include <string_view>

#include <skydive/model/element.h>

namespace skydive::store::testing {

inline std::string hex(std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (char c : s) {
        out.push_back(d[static_cast<unsigned char>(c) >> 4]);
        out.push_back(d[static_cast<unsigned char>(c) & 15]);
    }
    return out;
}

/// FORMAT.md's example: node `n1` on host `h`, CreatedAt 1, UpdatedAt 2, revision 3,
/// metadata {"A": 1, "B": "x"}.
inline model::Node sampleNode() {
    model::Node n;
    n.id = "n1";
    n.host = "h";
    n.created_at = 1;
    n.updated_at = 2;
    n.revision = 3;
    n.metadata.mutableObject().set("A", 1);
    n.metadata.mutableObject().set("B", "x");
    return n;
}

}  // namespace skydive::store::testing
