#include <skydive/graph/live_graph.h>

#include <string>

#include "graph_txn.h"

namespace skydive::graph {

namespace {

using model::Value;

// Adds a scalar's size; false for a list or an object. Containers test their items with it
// before recursing: nearly every metadata value is a scalar, and a call for each was a third
// of the check (ADR 015, 23rd round).
inline bool addScalar(const Value& v, std::size_t& bytes) {
    switch (v.type()) {
        case model::ValueType::Null:
        case model::ValueType::Bool:
        case model::ValueType::Int:
        case model::ValueType::Double: bytes += 8; return true;
        case model::ValueType::String: bytes += v.asString().size() + 2; return true;
        case model::ValueType::List:
        case model::ValueType::Object: return false;
    }
    return false;
}

// Approximate JSON size of a value (strings and keys at their raw length plus quotes and
// separators), with an early exit once `budget` is exceeded: the check must stay O(limit).
// Returns false as soon as the depth or the size limit is exceeded.
bool withinLimits(const Value& v, std::size_t depth, std::size_t& bytes) {
    if (bytes > kMaxMetadataBytes) return false;
    if (addScalar(v, bytes)) return true;
    if (depth + 1 > kMaxMetadataDepth) return false;
    bytes += 2;
    if (v.type() == model::ValueType::List) {
        for (const Value& item : v.asList()) {
            bytes += 1;
            if (!addScalar(item, bytes) && !withinLimits(item, depth + 1, bytes)) return false;
            if (bytes > kMaxMetadataBytes) return false;
        }
    } else {
        for (const auto& [k, item] : v.asObject()) {
            bytes += k.size() + 4;
            if (!addScalar(item, bytes) && !withinLimits(item, depth + 1, bytes)) return false;
            if (bytes > kMaxMetadataBytes) return false;
        }
    }
    return bytes <= kMaxMetadataBytes;
}

model::Error invalid(std::string msg) {
    return model::makeError(model::ErrorCode::InvalidArgument, std::move(msg));
}

}  // namespace

model::Status validateElement(const model::Element& e) {
    if (e.id.empty()) return invalid("No ID found for graph element");
    if (!e.metadata.isObject()) return invalid("Metadata of " + e.id.str() + " is not an object");
    std::size_t bytes = 0;
    if (!withinLimits(e.metadata, 0, bytes)) {
        if (bytes > kMaxMetadataBytes)
            return invalid("Metadata of " + e.id.str() + " is larger than 1 MiB");
        return invalid("Metadata of " + e.id.str() + " is nested deeper than 32 levels");
    }
    return {};
}

// withinLimits() measures a flat object as 2 + the sum of (key size + 4) + each scalar's
// measure: 8 for a null, boolean or number, which packs into 1 to 11 bytes, and size + 2 for
// a string, which packs into size + 1 or more. The key list packs each key as its length and
// bytes. So the measure is at most 2 + 4 * (packed keys) + 8 * (packed values), and the values
// are part of the record's block.
model::Status validatePacked(const model::Element& e, model::NodeRef packed) {
    const std::size_t bound = 2 + 4 * packed.packedKeys().size() + 8 * packed.blockBytes();
    if (!e.id.empty() && bound <= kMaxMetadataBytes) return {};
    return validateElement(e);
}

}  // namespace skydive::graph
