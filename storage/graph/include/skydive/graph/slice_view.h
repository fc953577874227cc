#pragma once

#include <memory>
#include <vector>

#include <skydive/graph/graph_image.h>

namespace skydive::graph {

/// A Slice view (spec §2.8) over a set of element revisions: the same ID may appear several
/// times; every iteration is in ascending UpdatedAt order (ties: Revision, then ID).
/// Lookups by ID and adjacency return every revision; nodesByValue scans.
GraphViewPtr makeSliceView(std::vector<NodeRec> nodes, std::vector<EdgePtr> edges, Time from,
                           Time to, std::shared_ptr<const IndexConfig> config);

}  // namespace skydive::graph
