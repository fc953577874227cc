#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <skydive/gremlin/ast.h>
#include <skydive/gremlin/query_result.h>

#include "plan/filter.h"
#include "plan/time_arg.h"

namespace skydive::gremlin {

/// What a plan step does; several StepKinds share one operator.
enum class Op : std::uint8_t {
    Context,        ///< bind G to a past moment / period
    V,              ///< nodes of the graph (all, or by id), optional fused filter
    E,              ///< edges of the graph
    Filter,         ///< Has HasKey HasNot HasEither on nodes/edges/values
    Adjacent,       ///< Out In Both: neighbour nodes
    IncidentEdges,  ///< OutE InE BothE
    EdgeEnds,       ///< OutV (child) InV (parent) BothV
    Dedup,
    Count,
    Values,
    ValueMap,
    Keys,
    Sum,
    Sort,
    Range,  ///< standalone Range/Limit
    ShortestPath,
    SubGraph,
    As,
    Select,
    Walk,  ///< Descendants Ascendants Neighbors
    NextHop,
    Metrics,     ///< the metric series of the nodes (spec §3.6)
    Aggregates,  ///< metric series summed into time slices
    Flows,       ///< flows of the flow source (after nodes: captured on them)
    FlowNodes,   ///< CaptureNode/Hops/Node, In/Out/Both, Nodes on flows
    Group,       ///< flows by a field; MoreThan keeps the groups of more than one
};

/// Which nodes FlowNodes finds for each flow (spec §3.4).
enum class FlowEnd : std::uint8_t { Capture, A, B, Both, All };

enum class Direction : std::uint8_t { Out, In, Both };

/// A pagination window `[from, to)` absorbed by the step before it (spec §2.3).
struct Window {
    std::int64_t from = 0;
    std::int64_t to = std::numeric_limits<std::int64_t>::max();
};

struct PlanStep {
    Op op = Op::V;
    StepKind step = StepKind::V;  ///< as written, for error messages
    std::uint32_t column = 0;
    ResultKind input = ResultKind::Graph;
    ResultKind output = ResultKind::Graph;

    Filter filter;       ///< fused/neighbour/Has filter, SubGraph edge filter, SPT target
    Filter edge_filter;  ///< SPT edge filter, walk edge filter (any-of)
    std::optional<std::string> id;  ///< V(id) / E(id)
    std::optional<Window> window;
    std::vector<std::string> keys;  ///< Dedup/ValueMap/Values/Sum/Sort key, As/Select names
    Direction direction = Direction::Out;
    bool descending = false;
    std::int64_t depth = 1;               ///< Walk; 0 = unlimited (no expansion for Neighbors)
    std::optional<TimeArg> at, duration;  ///< Context
    std::string ip;                       ///< NextHop
    std::int64_t slice_ms = 0;            ///< Aggregates
    std::vector<Filter> flow_filters;     ///< Flows(k, v, ...): each must match
    FlowEnd flow_end = FlowEnd::Capture;  ///< FlowNodes
    bool more_than = false;               ///< Group: MoreThan

    // Set by the optimizer.
    bool count_only = false;  ///< produce only the number of results (next step is Count)
    bool use_index = false;   ///< V: answer the first term with nodesByValue
    Filter residual;          ///< with use_index: the terms left to check
    bool stop_early = false;  ///< window: stop producing once `to` is reached
};

/// A validated, optimized query.
class Plan {
public:
    std::vector<PlanStep> steps;
    std::vector<std::string> applied_passes;  ///< names of the optimizer passes that fired
};

}  // namespace skydive::gremlin
