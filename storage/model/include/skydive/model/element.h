#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/value.h>

namespace skydive::model {

/// The fields shared by nodes and edges (spec §1.1), in serialization order.
struct Element {
    Str id;
    Value metadata = Value::object();  ///< always an Object
    Str host;
    Str origin;
    Time created_at = 0;  ///< ms; 0 serializes as null
    Time updated_at = 0;
    Time deleted_at = 0;  ///< 0 while alive (serialized as null)
    std::int64_t revision = 0;

    bool alive() const noexcept { return deleted_at == 0; }
    friend bool operator==(const Element&, const Element&) = default;
};

struct Node : Element {
    friend bool operator==(const Node&, const Node&) = default;
};

struct Edge : Element {
    Str parent;
    Str child;
    friend bool operator==(const Edge&, const Edge&) = default;
};

enum class ElementKind : std::uint8_t { Node, Edge };

/// Reads a field by key as Has/Values/Sort/Dedup see it (spec §1.3): the `@` pseudo keys
/// (`@ID @Host @Origin` strings, `@CreatedAt @UpdatedAt @DeletedAt @Revision` ints), a
/// `Metadata.` prefix stripped, dotted metadata paths with list fan-out; on edges also the
/// `Parent` and `Child` fields. Missing → nullopt. `@DeletedAt` of a live element is missing.
std::optional<Value> fieldOf(const Node& node, std::string_view key);
std::optional<Value> fieldOf(const Edge& edge, std::string_view key);

/// The kinds of graph change, named as the WebSocket message types of spec §5.3.
enum class ChangeKind : std::uint8_t {
    NodeAdded,
    NodeUpdated,
    NodeDeleted,
    EdgeAdded,
    EdgeUpdated,
    EdgeDeleted,
};

std::string_view changeKindName(ChangeKind kind);
std::optional<ChangeKind> changeKindFromName(std::string_view name);
inline bool isNodeChange(ChangeKind k) {
    return k == ChangeKind::NodeAdded || k == ChangeKind::NodeUpdated ||
           k == ChangeKind::NodeDeleted;
}

/// One change: the kind and the element as it is after the change (for a deletion, the last
/// revision with DeletedAt set).
struct Change {
    ChangeKind kind;
    std::variant<Node, Edge> element;

    const Element& base() const {
        return std::visit([](const auto& e) -> const Element& { return e; }, element);
    }
    friend bool operator==(const Change&, const Change&) = default;
};

/// An ordered batch of changes: what a writer applies atomically, what history records and
/// what subscribers receive.
struct GraphDelta {
    std::vector<Change> changes;
    bool empty() const noexcept { return changes.empty(); }
    friend bool operator==(const GraphDelta&, const GraphDelta&) = default;
};

/// A whole graph as `{"Nodes":[...],"Edges":[...]}` (spec §1.1).
struct Graph {
    std::vector<Node> nodes;
    std::vector<Edge> edges;
    friend bool operator==(const Graph&, const Graph&) = default;
};

}  // namespace skydive::model
