#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <skydive/graph/graph_view.h>
#include <skydive/model/element.h>
#include <skydive/model/node_handle.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::gremlin {

/// What a query (or one step of it) produces (spec §2.3).
enum class ResultKind : std::uint8_t {
    Graph,     ///< G, SubGraph, Context: `graph` holds the elements
    Nodes,     ///< `nodes`
    Edges,     ///< `edges`
    Values,    ///< Values/Keys/ValueMap: `value` is a List, or Null when nothing matched
    Number,    ///< Count/Sum: `value` is an Int
    Paths,     ///< ShortestPathTo: `paths`
    NextHops,  ///< NextHop: `value` is a List of `{nodeID: {Priority, IP, MAC, IfIndex}}`
    Metrics,   ///< Metrics/Aggregates: `value` is an Object `{nodeID: [metric, ...]}`
    Flows,     ///< Flows: `value` is a List of flows (spec §3.1)
    Groups,    ///< Group/MoreThan: `value` is an Object `{key: [flow, ...]}`
};

std::string_view resultKindName(ResultKind kind);

/// A query result. Node handles and edge pointers point into the views of `views`, which the
/// result keeps alive: a QueryResult is self-contained and may outlive the GraphSource's current
/// state.
struct QueryResult {
    ResultKind kind = ResultKind::Graph;
    graph::GraphViewPtr graph;  ///< the Graph result, and the view the elements came from
    std::vector<model::NodeHandle> nodes;
    std::vector<const model::Edge*> edges;
    std::vector<std::vector<model::NodeHandle>> paths;
    model::Value value;
    std::vector<graph::GraphViewPtr> views;  ///< keeps every element above alive
};

/// The POST /api/topology body for a result (spec §2.9): bare numbers for Count/Sum, `null`
/// for empty Values, `[{"Nodes":...,"Edges":...}]` (null lists) for graphs.
std::string toJson(const QueryResult& result);

/// The `text/vnd.graphviz` rendering of a Graph result (`digraph g {...}`, node labels
/// `<Name>-<first 8 chars of ID>`); any other kind fails with upstream's message
/// "Only graph can be outputted as dot".
[[nodiscard]] model::Result<std::string> toDot(const QueryResult& result);

}  // namespace skydive::gremlin
