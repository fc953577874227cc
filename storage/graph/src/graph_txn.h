#pragma once

#include <span>
#include <vector>

#include <skydive/graph/graph_image.h>
#include <skydive/graph/live_graph.h>

namespace skydive::graph {

/// The writer's working copy during one mutation: every operation validates, updates the image
/// and records the resulting changes. On error the caller drops the whole Txn (atomicity).
struct GraphTxn {
    GraphImage image;
    Time now = 0;
    // What changed, without copying elements (ADR 015): the change events subscribers get are
    // built from these only when someone subscribes (changeEvents()).
    std::vector<model::ChangeKind> kinds;
    std::vector<ChangeVersions> versions;  // parallel to `kinds`

    model::Status addNode(Node n);
    model::Status addEdge(Edge e);
    /// `incoming`: wire semantics (NodeAdded on an existing ID behaves as a replace).
    model::Status replaceNode(Node n);
    model::Status replaceEdge(Edge e);
    model::Status updateNodeMetadata(std::string_view id, std::string_view key,
                                     const model::Value* value);
    model::Status updateEdgeMetadata(std::string_view id, std::string_view key,
                                     const model::Value* value);
    /// `must_exist`: NotFound for a missing ID (local API) or silently ignored (wire).
    model::Status deleteNode(std::string_view id, Time at, bool must_exist);
    model::Status deleteEdge(std::string_view id, Time at, bool must_exist);
    model::Status applyChange(const model::Change& c);
};

/// The change events of a mutation: kind and resulting element version of each change.
std::vector<model::Change> changeEvents(std::span<const model::ChangeKind> kinds,
                                        std::span<const ChangeVersions> versions);

}  // namespace skydive::graph
