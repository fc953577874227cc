#include <skydive/graph/graph_image.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace skydive::graph {
namespace {

using model::Str;
using model::Value;

NodeRec randomNode(std::mt19937& rng, const std::string& id) {
    Node n;
    n.id = id;
    auto& md = n.metadata.mutableObject();
    md.set("Type", std::string(1, static_cast<char>('a' + rng() % 4)));
    if (rng() % 3 != 0) md.set("Name", "name" + std::to_string(rng() % 50));
    if (rng() % 2 == 0) md.set("MAC", id);  // unique: a single-ID posting
    if (rng() % 4 == 0) {  // a list value: indexed as a whole and per item (repeats included)
        model::List ips{Value("10.0.0." + std::to_string(rng() % 5)),
                        Value("10.0.0." + std::to_string(rng() % 5))};
        md.set("IPV4", Value(std::move(ips)));
    } else if (rng() % 3 == 0) {  // the same terms as a scalar (read in place while loading)
        md.set("IPV4", "10.0.0." + std::to_string(rng() % 5));
    }
    // Indexed values of other types: integers (read in place), doubles and booleans (not).
    switch (rng() % 6) {
        case 0: md.set("TID", static_cast<std::int64_t>(rng() % 7)); break;
        case 1: md.set("TID", 0.5 * static_cast<double>(rng() % 3)); break;
        case 2: md.set("TID", rng() % 2 == 0); break;
        case 3: md.set("TID", "t" + std::to_string(rng() % 7)); break;
        default: break;
    }
    md.set("V", static_cast<std::int64_t>(rng() % 1000));
    return NodeRec::encode(n);
}

EdgePtr randomEdge(std::mt19937& rng, const std::string& id, int node_ids) {
    auto e = std::make_shared<Edge>();
    e->id = id;
    // Some endpoints name absent nodes (historical images allow it).
    e->parent = "n" + std::to_string(rng() % (node_ids + 10));
    e->child = "n" + std::to_string(rng() % (node_ids + 10));
    return e;
}

std::set<std::string> ids(const std::function<void(const std::function<bool(const Str&)>&)>& f) {
    std::set<std::string> out;
    f([&](const Str& id) { return out.insert(id.str()), true; });
    return out;
}

// Every lookup, count, adjacency set and index posting of `a` and `b` agree.
void expectSame(const GraphImage& a, const GraphImage& b, int node_ids, int edge_ids) {
    ASSERT_EQ(a.nodeCount(), b.nodeCount());
    ASSERT_EQ(a.edgeCount(), b.edgeCount());
    std::map<std::string, std::set<std::string>> terms;  // "key\tvalue" -> node IDs, from b
    for (int i = 0; i < node_ids + 10; ++i) {
        std::string id = "n" + std::to_string(i);
        const model::NodeRef x = a.node(id);
        const model::NodeRef y = b.node(id);
        ASSERT_EQ(!x, !y) << id;
        if (x) {
            EXPECT_EQ(x.block(), y.block()) << id;
        }
        auto out = [&](const GraphImage& g) {
            return ids([&](const auto& fn) { g.outEdgeIds(id, fn); });
        };
        auto in = [&](const GraphImage& g) {
            return ids([&](const auto& fn) { g.inEdgeIds(id, fn); });
        };
        EXPECT_EQ(out(a), out(b)) << id;
        EXPECT_EQ(in(a), in(b)) << id;
    }
    for (int i = 0; i < edge_ids; ++i) {
        std::string id = "e" + std::to_string(i);
        const EdgePtr* x = a.edge(id);
        const EdgePtr* y = b.edge(id);
        ASSERT_EQ(x == nullptr, y == nullptr) << id;
        if (x != nullptr) {
            EXPECT_EQ(x->get(), y->get()) << id;
        }
    }
    std::size_t seen = 0;
    a.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return ++seen, static_cast<bool>(b.node(n.id.view()));
    });
    EXPECT_EQ(seen, a.nodeCount());
    for (const std::string& key : b.config().keys) {
        std::unordered_map<std::size_t, std::vector<Value>> by_hash;  // distinct terms
        std::vector<Value> values{Value("absent")};
        b.forEachNode([&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            if (auto v = model::fieldOf(n, key))
                forEachIndexTerm(*v, [&](const Value& t) {
                    auto& bucket = by_hash[t.hash()];
                    if (std::find(bucket.begin(), bucket.end(), t) != bucket.end()) return;
                    bucket.push_back(t);
                    values.push_back(t);
                });
            return true;
        });
        for (const Value& v : values) {
            auto by = [&](const GraphImage& g) {
                std::set<std::string> out;
                g.nodesByValue(key, v, [&](model::NodeHandle n_h) {
                    const model::Node n = n_h.toNode();
                    return out.insert(n.id.str()), true;
                });
                return out;
            };
            EXPECT_EQ(by(a), by(b)) << key << "=" << model::toJson(v);
        }
    }
}

TEST(GraphImageBuild, EqualsOneByOneImageThenAfterMutations) {
    for (unsigned seed : {1u, 2u, 3u, 4u}) {
        std::mt19937 rng(seed);
        int node_ids = seed == 4 ? 20000 : 2000;
        int edge_ids = node_ids * 2;
        std::vector<NodeRec> nodes;
        std::vector<EdgePtr> edges;
        for (int i = 0; i < node_ids; ++i)
            if (rng() % 5 != 0) nodes.push_back(randomNode(rng, "n" + std::to_string(i)));
        for (int i = 0; i < edge_ids; ++i)
            if (rng() % 5 != 0) edges.push_back(randomEdge(rng, "e" + std::to_string(i), node_ids));
        GraphImage slow(nullptr);
        for (const NodeRec& n : nodes) slow.putNode(n);
        for (const EdgePtr& e : edges) slow.putEdge(e);
        GraphImage bulk = GraphImage::build(slow.configPtr(), nodes, edges, seed % 3);
        expectSame(bulk, slow, node_ids, edge_ids);
        GraphImage before = bulk;  // a copy taken before mutating must keep its content
        for (int i = 0; i < node_ids * 3; ++i) {
            std::string n = "n" + std::to_string(rng() % (node_ids + 10));
            std::string e = "e" + std::to_string(rng() % edge_ids);
            switch (rng() % 4) {
                case 0: {
                    NodeRec p = randomNode(rng, n);
                    bulk.putNode(p);
                    slow.putNode(p);
                    break;
                }
                case 1: EXPECT_EQ(bulk.removeNode(n), slow.removeNode(n)); break;
                case 2: {
                    EdgePtr p = randomEdge(rng, e, node_ids);
                    bulk.putEdge(p);
                    slow.putEdge(p);
                    break;
                }
                case 3: EXPECT_EQ(bulk.removeEdge(e), slow.removeEdge(e)); break;
            }
        }
        expectSame(bulk, slow, node_ids, edge_ids);
        GraphImage again = GraphImage::build(slow.configPtr(), nodes, edges, 2);
        expectSame(before, again, node_ids, edge_ids);
    }
}

// Repeated IDs: the later element wins and re-indexes, as putNode/putEdge in order would do.
TEST(GraphImageBuild, RepeatedIdsMatchInsertOrder) {
    std::mt19937 rng(7);
    std::vector<NodeRec> nodes;
    std::vector<EdgePtr> edges;
    for (int i = 0; i < 3000; ++i) nodes.push_back(randomNode(rng, "n" + std::to_string(i % 1000)));
    for (int i = 0; i < 3000; ++i)
        edges.push_back(randomEdge(rng, "e" + std::to_string(i % 700), 1000));
    GraphImage slow(nullptr);
    for (const NodeRec& n : nodes) slow.putNode(n);
    for (const EdgePtr& e : edges) slow.putEdge(e);
    GraphImage bulk = GraphImage::build(slow.configPtr(), nodes, edges);
    EXPECT_EQ(bulk.nodeCount(), 1000u);
    EXPECT_EQ(bulk.edgeCount(), 700u);
    expectSame(bulk, slow, 1000, 700);
    // The loader as the only owner of the records (as a store's load is): the replaced versions
    // are dropped while the index tasks still read their terms. The same image, except that
    // its records are copies: compared by content.
    std::vector<NodeRec> own;
    for (const NodeRec& n : nodes) own.push_back(NodeRec::encode(n.toNode()));
    GraphImage sole = GraphImage::build(slow.configPtr(), std::move(own), edges, 2);
    ASSERT_EQ(sole.nodeCount(), 1000u);
    for (int i = 0; i < 1000; ++i) {
        const std::string id = "n" + std::to_string(i);
        EXPECT_EQ(sole.node(id).toNode(), bulk.node(id).toNode()) << id;
    }
    for (const std::string& key : bulk.config().keys)
        for (const char* term : {"a", "b", "c", "d", "10.0.0.1", "10.0.0.3", "t2", "name7"}) {
            EXPECT_EQ(sole.countByValue(key, Value(term)), bulk.countByValue(key, Value(term)))
                << key << "=" << term;
        }
    for (std::int64_t tid = 0; tid < 7; ++tid)
        EXPECT_EQ(sole.countByValue("TID", Value(tid)), bulk.countByValue("TID", Value(tid)));
}

TEST(GraphImageBuild, EmptyInput) {
    GraphImage bulk = GraphImage::build(nullptr, {}, {});
    EXPECT_EQ(bulk.nodeCount(), 0u);
    EXPECT_EQ(bulk.edgeCount(), 0u);
    Node n;
    n.id = "x";
    n.metadata.mutableObject().set("Type", "host");
    bulk.putNode(NodeRec::encode(n));
    std::size_t hosts = 0;
    bulk.nodesByValue("Type", Value("host"), [&](model::NodeHandle) { return ++hosts, true; });
    EXPECT_EQ(hosts, 1u);
}

}  // namespace
}  // namespace skydive::graph
