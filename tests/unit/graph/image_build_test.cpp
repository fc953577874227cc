#include <skydive/graph/graph_image.h>

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace skydive::graph {
namespace {

NodePtr node(const std::string& id, int v) {
    auto n = std::make_shared<Node>();
    n->id = id;
    auto& md = n->metadata.mutableObject();
    md.set("Type", v % 3 == 0 ? "a" : "b");
    md.set("Name", "name" + std::to_string(v % 50));
    md.set("V", v);
    return n;
}

EdgePtr edge(const std::string& id, const std::string& parent, const std::string& child) {
    auto e = std::make_shared<Edge>();
    e->id = id;
    e->parent = parent;
    e->child = child;
    return e;
}

// Everything a reader can see of an image, as sorted strings.
std::multiset<std::string> dump(const GraphImage& img, int nodes) {
    std::multiset<std::string> out;
    img.forEachNode([&](const Node& n) {
        out.insert("N " + n.id.str() + " " + std::to_string(n.metadata.path("V")->asInt()));
        return true;
    });
    img.forEachEdge([&](const Edge& e) {
        out.insert("E " + e.id.str() + " " + e.parent.str() + ">" + e.child.str());
        return true;
    });
    for (int i = 0; i < nodes; ++i) {
        std::string id = "n" + std::to_string(i);
        img.outEdgeIds(id,
                       [&](const model::Str& e) { return out.insert("O " + id + e.str()), true; });
        img.inEdgeIds(id,
                      [&](const model::Str& e) { return out.insert("I " + id + e.str()), true; });
    }
    for (std::string key : {"Type", "Name"})
        for (int v = 0; v < 50; ++v)
            for (std::string term :
                 {std::string(v % 3 == 0 ? "a" : "b"), "name" + std::to_string(v)})
                img.nodesByValue(key, model::Value(term), [&](const Node& n) {
                    return out.insert("X " + key + term + n.id.str()), true;
                });
    return out;
}

// The bulk build gives the image that one put per element gives, including repeated IDs (the
// last one wins) and later updates/removals on the built image.
TEST(GraphImageBuild, SameAsPutOneByOne) {
    for (unsigned seed : {1u, 2u}) {
        for (bool repeats : {false, true}) {
            std::mt19937 rng(seed);
            const int kNodes = 5000;
            std::vector<NodePtr> nodes;
            std::vector<EdgePtr> edges;
            for (int i = 0; i < kNodes; ++i) nodes.push_back(node("n" + std::to_string(i), i));
            for (int i = 0; i < 2 * kNodes; ++i)
                edges.push_back(edge("e" + std::to_string(i), "n" + std::to_string(i % kNodes),
                                     "n" + std::to_string(rng() % kNodes)));
            if (repeats) {
                nodes.push_back(node("n7", 1234));
                edges.push_back(edge("e3", "n9", "n10"));
            }
            GraphImage one(nullptr);
            for (const auto& n : nodes) one.putNode(n);
            for (const auto& e : edges) one.putEdge(e);
            GraphImage bulk = GraphImage::build(nullptr, nodes, edges);
            EXPECT_EQ(bulk.nodeCount(), one.nodeCount());
            EXPECT_EQ(bulk.edgeCount(), one.edgeCount());
            EXPECT_EQ(dump(bulk, kNodes), dump(one, kNodes));
            GraphImage copy = bulk;  // persistence: later changes do not reach the copy
            for (GraphImage* img : {&one, &bulk}) {
                for (int i = 0; i < 300; ++i) {
                    img->removeNode("n" + std::to_string(i * 7));
                    img->removeEdge("e" + std::to_string(i * 11));
                    img->putNode(node("n" + std::to_string(i * 13), i));
                    img->putEdge(edge("e" + std::to_string(i * 5), "n1", "n2"));
                }
            }
            EXPECT_EQ(dump(bulk, kNodes), dump(one, kNodes));
            EXPECT_EQ(copy.nodeCount(), static_cast<std::size_t>(kNodes));
        }
    }
}

TEST(GraphImageBuild, Empty) {
    GraphImage img = GraphImage::build(nullptr, {}, {});
    EXPECT_EQ(img.nodeCount(), 0u);
    EXPECT_EQ(img.edgeCount(), 0u);
    img.putNode(node("a", 1));
    EXPECT_NE(img.node("a"), nullptr);
}

}  // namespace
}  // namespace skydive::graph
