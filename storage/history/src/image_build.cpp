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

model::Result<graph::GraphImage> imageFromDisk(const HistoryReader& reader,
                                               std::shared_ptr<const graph::IndexConfig> config,
                                               Time t, PhaseClock* phase) {
    auto refs = reader.pointRefs(t);
    if (!refs) return refs.error();
    if (phase) phase->lap("replay");
    auto versions = reader.fetch(*refs);
    if (!versions) return versions.error();
    if (phase) phase->lap("fetch_decode");
    std::vector<std::vector<Version>> parts;
    parts.push_back(std::move(*versions));
    graph::GraphImage img = buildImage(std::move(config), parts);
    if (phase) phase->lap("image_build");
    return img;
}

}  // namespace skydive::store
