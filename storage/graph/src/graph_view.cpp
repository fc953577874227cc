#include <skydive/graph/graph_view.h>

namespace skydive::graph {

model::Graph materialize(const GraphView& view) {
    model::Graph g;
    g.nodes.reserve(view.nodeCount());
    g.edges.reserve(view.edgeCount());
    view.forEachNode([&g](NodeHandle n) {
        g.nodes.push_back(n.toNode());
        return true;
    });
    view.forEachEdge([&g](const Edge& e) {
        g.edges.push_back(e);
        return true;
    });
    return g;
}

}  // namespace skydive::graph
