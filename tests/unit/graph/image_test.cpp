#include <skydive/graph/graph_image.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace skydive::graph {
namespace {

NodeRec node(const std::string& id, int v) {
    Node n;
    n.id = id;
    n.metadata.mutableObject().set("Type", v % 3 == 0 ? "a" : "b");
    n.metadata.mutableObject().set("V", v);
    return NodeRec::encode(n);
}

std::map<std::string, int> contents(const GraphImage& img) {
    std::map<std::string, int> out;
    img.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        out[n.id.str()] = static_cast<int>(n.metadata.path("V")->asInt());
        return true;
    });
    return out;
}

// Random inserts/replaces/erases against std::map, with copies taken along the way that must
// keep the content they had (persistence of the trie, including hash-collision depths).
TEST(GraphImage, MatchesReferenceAndCopiesArePersistent) {
    for (unsigned seed : {1u, 2u, 3u}) {
        std::mt19937 rng(seed);
        GraphImage img(nullptr);
        std::map<std::string, int> ref;
        std::vector<std::pair<GraphImage, std::map<std::string, int>>> copies;
        for (int i = 0; i < 20000; ++i) {
            std::string id = "n" + std::to_string(rng() % 3000);
            if (rng() % 4 == 0) {
                EXPECT_EQ(img.removeNode(id), ref.erase(id) == 1);
            } else {
                int v = static_cast<int>(rng() % 1000);
                img.putNode(node(id, v));
                ref[id] = v;
            }
            if (i % 4000 == 0) copies.emplace_back(img, ref);
        }
        EXPECT_EQ(img.nodeCount(), ref.size());
        EXPECT_EQ(contents(img), ref);
        for (const auto& [copy, want] : copies) EXPECT_EQ(contents(copy), want);
        std::size_t type_a = 0;
        img.nodesByValue("Type", "a", [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            EXPECT_EQ(n.metadata.path("V")->asInt() % 3, 0);
            return ++type_a, true;
        });
        std::size_t want_a = 0;
        for (const auto& [id, v] : ref) want_a += v % 3 == 0;
        EXPECT_EQ(type_a, want_a);
    }
}

TEST(GraphImage, AdjacencyFollowsEdgeMoves) {
    GraphImage img(nullptr);
    auto e = std::make_shared<Edge>();
    e->id = "e";
    e->parent = "a";
    e->child = "b";
    img.putEdge(e);
    auto moved = std::make_shared<Edge>(*e);
    moved->child = "c";
    img.putEdge(moved);
    int in_b = 0, in_c = 0;
    img.inEdgeIds("b", [&](const model::Str&) { return ++in_b, true; });
    img.inEdgeIds("c", [&](const model::Str&) { return ++in_c, true; });
    EXPECT_EQ(in_b, 0);
    EXPECT_EQ(in_c, 1);
    EXPECT_TRUE(img.removeEdge("e"));
    int out_a = 0;
    img.outEdgeIds("a", [&](const model::Str&) { return ++out_a, true; });
    EXPECT_EQ(out_a, 0);
}

}  // namespace
}  // namespace skydive::graph

namespace skydive::graph {
namespace {

// A probe only reads the trie (its steps prefetch), but it holds a pointer to a trie node
// between calls: it must end on its own and never read a node of a trie changed since it
// started, which may be freed by then (ASan reports the read when the epoch check is removed;
// the release build sees the probe go on).
TEST(GraphImage, NodeProbesEndAndNeverReadATrieChangedSinceTheyStarted) {
    GraphImage img(nullptr);
    for (int i = 0; i < 5000; ++i) img.putNode(node("n" + std::to_string(i), i));
    const auto steps = [&](GraphImage::NodeProbe p) {
        int n = 0;
        while (img.stepNodeProbe(p)) ++n;
        EXPECT_EQ(p.node, nullptr);
        return n;
    };
    // Every probe ends within the trie's depth (twelve 5-bit levels and the collision list),
    // present ID or not; with 5000 nodes, every root slot is a child: at least one step.
    for (int i = 0; i < 5000; i += 7) {
        const int n = steps(img.probeNode("n" + std::to_string(i)));
        EXPECT_GE(n, 1);
        EXPECT_LE(n, 13);
    }
    EXPECT_LE(steps(img.probeNode("absent")), 13);

    // A replacement in place (nothing shared) moves no trie node: an open probe goes on.
    GraphImage::NodeProbe p = img.probeNode("n1");
    img.replace(img.updateNode("n2"), node("n2", 7));
    EXPECT_TRUE(img.stepNodeProbe(p));

    // Each change of the trie's layout ends the probes started before it.
    const auto endsAfter = [&](const char* what, const auto& change) {
        GraphImage::NodeProbe q = img.probeNode("n1");
        change();
        EXPECT_FALSE(img.stepNodeProbe(q)) << what;
        EXPECT_EQ(q.node, nullptr) << what;
    };
    endsAfter("insert", [&] { img.putNode(node("new", 1)); });
    endsAfter("removal", [&] { img.removeNode("new"); });
    endsAfter("copy of a shared path", [&] {
        GraphImage reader = img;  // shares every trie node
        img.replace(img.updateNode("n3"), node("n3", 9));
        // `reader` goes: the trie nodes the probe points at are freed.
    });
    endsAfter("assignment", [&] {
        GraphImage other(nullptr);
        other.putNode(node("n1", 1));
        img = other;
    });
    EXPECT_EQ(img.nodeCount(), 1u);
}

}  // namespace
}  // namespace skydive::graph
