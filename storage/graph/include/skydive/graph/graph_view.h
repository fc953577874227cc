#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/node_handle.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::graph {

using model::Edge;
using model::Node;
using model::NodeHandle;
using model::Time;

/// What a view shows: the live graph, the graph at one moment, or every revision of a period.
enum class ViewKind : std::uint8_t { Live, Point, Slice };

/// A read-only, consistent graph that a query runs on (ARCHITECTURE.md "Storage").
///
/// Contract: every handle or reference handed to a callback stays valid, and the view's content
/// stays the same, for the lifetime of the view object (hold it through a shared_ptr for the whole
/// query). Callbacks return `true` to continue and `false` to stop the iteration early.
///
/// In a Slice view the same ID may be visited several times (one visit per visible revision),
/// ordered by ascending UpdatedAt (spec §2.8); Live and Point views visit each ID at most once.
class GraphView {
public:
    using NodeFn = std::function<bool(NodeHandle)>;
    using EdgeFn = std::function<bool(const Edge&)>;

    virtual ~GraphView() = default;

    virtual ViewKind kind() const = 0;
    /// For Point views the moment; for Slice views [from, to] inclusive; for Live both are 0.
    virtual Time from() const { return 0; }
    virtual Time to() const { return 0; }

    virtual void forEachNode(const NodeFn& fn) const = 0;
    virtual void forEachEdge(const EdgeFn& fn) const = 0;
    /// Every visible revision of one node / edge (at most one outside Slice views).
    virtual void findNode(std::string_view id, const NodeFn& fn) const = 0;
    virtual void findEdge(std::string_view id, const EdgeFn& fn) const = 0;

    /// True when `key` has a secondary index, so that nodesByValue() is faster than a scan.
    virtual bool hasIndex(std::string_view key) const = 0;
    /// Nodes whose metadata field `key` equals `value` or, for a list field, has an element equal
    /// to it (strict typed equality: Int 1 != String "1"). Falls back to a scan without index.
    virtual void nodesByValue(std::string_view key, const model::Value& value,
                              const NodeFn& fn) const = 0;
    /// The number of nodes nodesByValue(key, value) visits. The default visits them; views
    /// with an index answer from its posting size (ADR 021 "Count API").
    virtual std::size_t countByValue(std::string_view key, const model::Value& value) const {
        std::size_t n = 0;
        nodesByValue(key, value, [&](NodeHandle) { return ++n, true; });
        return n;
    }

    /// Edges whose Parent (out) / Child (in) is `node_id`.
    virtual void outEdges(std::string_view node_id, const EdgeFn& fn) const = 0;
    virtual void inEdges(std::string_view node_id, const EdgeFn& fn) const = 0;

    virtual std::size_t nodeCount() const = 0;
    virtual std::size_t edgeCount() const = 0;
};

using GraphViewPtr = std::shared_ptr<const GraphView>;

/// Copies every element of a view into a plain `{"Nodes","Edges"}` graph, in the view's
/// iteration order (sync replies, subscription filters, GET /api/topology).
model::Graph materialize(const GraphView& view);

/// What a query's `G` binds to: the live graph, and past moments when history is available.
class GraphSource {
public:
    virtual ~GraphSource() = default;
    virtual GraphViewPtr live() const = 0;
    /// The graph as it was at `t` (ms). Unsupported when the source keeps no history.
    virtual model::Result<GraphViewPtr> at(Time t) const = 0;
    /// Every revision alive at some moment of [from, to] (ms, inclusive).
    virtual model::Result<GraphViewPtr> slice(Time from, Time to) const = 0;
};

}  // namespace skydive::graph
