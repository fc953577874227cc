// Index postings (ADR 002): one 8-byte word per term; elements keyed by their own ID. Checked
// against a reference for short, medium and long IDs, through copies and with concurrent
// readers.
#include <skydive/graph/graph_image.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

namespace skydive::graph {
namespace {

using model::Value;
using Ref = std::map<std::string, std::string>;  // id -> Name

// IDs of <= 7 bytes, 8..15 bytes (inline in a Str) and long ones (in a shared heap block).
std::string idOf(unsigned k) {
    switch (k % 3) {
        case 0: return "n" + std::to_string(k);
        case 1: return "node-" + std::to_string(100000 + k);
        case 2: return "6f1a2b3c-4d5e-4f60-8a9b-" + std::to_string(100000000000 + k);
    }
    return {};
}

NodeRec named(const std::string& id, const std::string& name) {
    Node n;
    n.id = id;
    n.metadata.mutableObject().set("Name", name);
    return NodeRec::encode(n);
}

std::set<std::string> byName(const GraphImage& img, const std::string& name) {
    std::set<std::string> out;
    img.nodesByValue("Name", Value(name), [&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        EXPECT_EQ(n.metadata.path("Name")->asString(), name);
        return out.insert(n.id.str()), true;
    });
    EXPECT_EQ(img.countByValue("Name", Value(name)), out.size());
    return out;
}

void expectMatches(const GraphImage& img, const Ref& ref) {
    std::map<std::string, std::set<std::string>> want;
    for (const auto& [id, name] : ref) want[name].insert(id);
    for (int v = 0; v < 12; ++v) {
        std::string name = "name" + std::to_string(v);
        EXPECT_EQ(byName(img, name), want[name]) << name;
    }
    EXPECT_EQ(img.nodeCount(), ref.size());
}

// Few IDs per name: postings go empty -> one ID -> a set -> one ID -> empty again.
TEST(Postings, MatchReferenceThroughCopies) {
    for (unsigned seed : {7u, 8u}) {
        std::mt19937 rng(seed);
        GraphImage img(nullptr);
        Ref ref;
        std::vector<std::pair<GraphImage, Ref>> copies;
        for (int i = 0; i < 6000; ++i) {
            std::string id = idOf(rng() % 40);
            if (rng() % 3 == 0) {
                EXPECT_EQ(img.removeNode(id), ref.erase(id) == 1);
            } else {
                std::string name = "name" + std::to_string(rng() % 12);
                img.putNode(named(id, name));
                ref[id] = name;
                const model::NodeRef stored = img.node(id);
                ASSERT_TRUE(stored);
                EXPECT_EQ(stored.field("Name").asString(), name);
            }
            if (i % 500 == 0) copies.emplace_back(img, ref);
        }
        expectMatches(img, ref);
        for (const auto& [copy, want] : copies) expectMatches(copy, want);
    }
}

// Copies are read on other threads while the writer keeps changing the original.
TEST(Postings, ConcurrentReadersOfCopies) {
    GraphImage img(nullptr);
    Ref ref;
    for (unsigned k = 0; k < 300; ++k) {
        std::string name = "name" + std::to_string(k % 12);
        img.putNode(named(idOf(k), name));
        ref[idOf(k)] = name;
    }
    const GraphImage frozen = img;
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t)
        readers.emplace_back([&] {
            for (int r = 0; r < 20; ++r) expectMatches(frozen, ref);
        });
    std::mt19937 rng(3);
    for (int i = 0; i < 20000; ++i) {
        std::string id = idOf(rng() % 300);
        if (rng() % 2 == 0)
            img.removeNode(id);
        else
            img.putNode(named(id, "name" + std::to_string(rng() % 12)));
    }
    for (auto& th : readers) th.join();
    expectMatches(frozen, ref);
}

}  // namespace
}  // namespace skydive::graph
