#pragma once

#include <memory>
#include <string>

#include <skydive/graph/live_graph.h>
#include <skydive/model/clock.h>
#include <skydive/model/element.h>

namespace skydive::gremlin::testing {

inline model::Node makeNode(std::string id, model::Value metadata, model::Time created = 1000) {
    model::Node n;
    n.id = id;
    n.metadata = std::move(metadata);
    n.host = "h";
    n.origin = "agent.h";
    n.created_at = created;
    n.updated_at = created;
    n.revision = 1;
    return n;
}

inline model::Edge makeEdge(std::string id, std::string parent, std::string child,
                            model::Value metadata) {
    model::Edge e;
    e.id = id;
    e.parent = parent;
    e.child = child;
    e.metadata = std::move(metadata);
    e.host = "h";
    e.origin = "agent.h";
    e.created_at = 1000;
    e.updated_at = 1000;
    e.revision = 1;
    return e;
}

/// A host owning `n` interfaces in a ring: host -ownership-> if<i>, if<i> -layer2-> if<i+1>.
/// Interfaces alternate Type veth/device and carry MTU 1500 + i.
inline std::unique_ptr<graph::LiveGraph> ringGraph(const model::Clock& clock, int n) {
    auto g = std::make_unique<graph::LiveGraph>(clock);
    (void)g->addNode(makeNode("host", model::Object{{"Name", "host"}, {"Type", "host"}}));
    for (int i = 0; i < n; ++i) {
        model::Object md{{"Name", "if" + std::to_string(i)},
                         {"Type", i % 2 == 0 ? "veth" : "device"},
                         {"MTU", 1500 + i}};
        (void)g->addNode(makeNode("if" + std::to_string(i), std::move(md), 1000 + i));
        (void)g->addEdge(makeEdge("own" + std::to_string(i), "host", "if" + std::to_string(i),
                                  model::Object{{"RelationType", "ownership"}}));
    }
    for (int i = 0; i < n; ++i) {
        const auto a = "if" + std::to_string(i), b = "if" + std::to_string((i + 1) % n);
        (void)g->addEdge(
            makeEdge("l2-" + std::to_string(i), a, b, model::Object{{"RelationType", "layer2"}}));
    }
    return g;
}

}  // namespace skydive::gremlin::testing
