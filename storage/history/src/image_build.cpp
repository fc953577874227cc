#include "image_build.h"

#include <thread>

namespace skydive::store {

graph::GraphImage buildImage(std::shared_ptr<const graph::IndexConfig> config,
                             std::vector<std::vector<Version>>& parts) {
    graph::GraphImage nodes(config);
    graph::GraphImage edges(config);
    // Edges (2 per node in a typical topology, 3 trie inserts each) on a second thread; nodes
    // (a map insert plus one per indexed key) on this one.
    std::thread edge_thread([&] {
        for (auto& part : parts)
            for (Version& v : part)
                if (v.edge) edges.putEdge(std::move(v.edge));
    });
    for (auto& part : parts)
        for (Version& v : part)
            if (v.node) nodes.putNode(std::move(v.node));
    edge_thread.join();
    nodes.adoptEdges(std::move(edges));
    return nodes;
}

}  // namespace skydive::store
