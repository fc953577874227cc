#include "image_build.h"

namespace skydive::store {

graph::GraphImage buildImage(std::shared_ptr<const graph::IndexConfig> config,
                             std::vector<std::vector<Version>>& parts) {
    std::size_t total = 0;
    for (const auto& part : parts) total += part.size();
    std::vector<model::NodeRec> nodes;
    std::vector<graph::EdgePtr> edges;
    nodes.reserve(total / 3 + 1);
    edges.reserve(total - total / 3);
    for (auto& part : parts) {
        for (Version& v : part) {
            if (v.node) nodes.push_back(std::move(v.node));
            if (v.edge) edges.push_back(std::move(v.edge));
        }
        part = {};
    }
    // Each trie (elements, adjacency, each index) is built once, on two threads (ADR 014).
    return graph::GraphImage::build(std::move(config), std::move(nodes), std::move(edges), 2);
}

}  // namespace skydive::store
