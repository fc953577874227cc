#include <skydive/graph/live_graph.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

namespace skydive::graph {
namespace {

using model::ErrorCode;
using model::ManualClock;
using model::Value;

Node makeNode(std::string id, Value md = Value::object()) {
    Node n;
    n.id = id;
    n.metadata = std::move(md);
    n.host = "h1";
    return n;
}

Edge makeEdge(std::string id, std::string parent, std::string child) {
    Edge e;
    e.id = id;
    e.parent = parent;
    e.child = child;
    e.metadata = *model::parseJson(R"({"RelationType":"ownership"})");
    return e;
}

Value md(std::string_view json) {
    return *model::parseJson(json);
}

std::optional<Node> getNode(const GraphView& v, std::string_view id) {
    std::optional<Node> out;
    v.findNode(id, [&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return out = n, true;
    });
    return out;
}

std::vector<std::string> idsByValue(const GraphView& v, std::string_view key, const Value& val) {
    std::vector<std::string> ids;
    v.nodesByValue(key, val, [&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return ids.push_back(n.id.str()), true;
    });
    std::sort(ids.begin(), ids.end());
    return ids;
}

class LiveGraphTest : public ::testing::Test {
protected:
    ManualClock clock{1000};
    LiveGraph g{clock};
};

TEST_F(LiveGraphTest, AddStampsCreationTimeAndRevisionOne) {
    ASSERT_TRUE(g.addNode(makeNode("n1", md(R"({"Name":"eth0"})"))));
    auto n = getNode(*g.snapshot(), "n1");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->created_at, 1000);
    EXPECT_EQ(n->updated_at, 1000);
    EXPECT_EQ(n->revision, 1);
    EXPECT_EQ(g.addNode(makeNode("n1")).error().code, ErrorCode::Conflict);
}

TEST_F(LiveGraphTest, PartialUpdatesBumpRevisionUnlessEqual) {
    ASSERT_TRUE(g.addNode(makeNode("n1", md(R"({"MTU":1500})"))));
    clock.set(2000);
    ASSERT_TRUE(g.setNodeMetadata("n1", "MTU", 1500));  // equal: no revision
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->revision, 1);
    ASSERT_TRUE(g.setNodeMetadata("n1", "Stats.Rx", 5));
    auto n = getNode(*g.snapshot(), "n1");
    EXPECT_EQ(n->revision, 2);
    EXPECT_EQ(n->updated_at, 2000);
    EXPECT_EQ(n->created_at, 1000);
    EXPECT_EQ(n->metadata.path("Stats.Rx"), Value(5));
    clock.set(3000);
    ASSERT_TRUE(g.deleteNodeMetadata("n1", "Nope"));  // nothing removed: no revision
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->revision, 2);
    ASSERT_TRUE(g.deleteNodeMetadata("n1", "Stats.Rx"));
    n = getNode(*g.snapshot(), "n1");
    EXPECT_EQ(n->revision, 3);
    EXPECT_FALSE(n->metadata.path("Stats.Rx"));
    EXPECT_EQ(g.setNodeMetadata("missing", "A", 1).error().code, ErrorCode::NotFound);
    EXPECT_EQ(g.setNodeMetadata("n1", "MTU.x", 1).error().code, ErrorCode::InvalidArgument);
}

TEST_F(LiveGraphTest, IncomingRevisionMustBeHigher) {
    auto n = makeNode("n1", md(R"({"V":1})"));
    n.revision = 5;
    ASSERT_TRUE(g.replaceNode(n));  // missing: added as is
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->revision, 5);
    n.metadata = md(R"({"V":2})");
    n.revision = 5;  // equal: ignored
    ASSERT_TRUE(g.replaceNode(n));
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->metadata.path("V"), Value(1));
    n.revision = 4;  // lower: ignored
    ASSERT_TRUE(g.replaceNode(n));
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->metadata.path("V"), Value(1));
    n.revision = 7;
    n.updated_at = 4242;
    ASSERT_TRUE(g.replaceNode(n));
    auto cur = getNode(*g.snapshot(), "n1");
    EXPECT_EQ(cur->revision, 7);
    EXPECT_EQ(cur->updated_at, 4242);
    EXPECT_EQ(cur->metadata.path("V"), Value(2));
    // Local full replace (no revision): +1, and a no-op when equal.
    n.revision = 0;
    ASSERT_TRUE(g.replaceNode(n));
    EXPECT_EQ(getNode(*g.snapshot(), "n1")->revision, 7);
    n.metadata = md(R"({"V":3})");
    clock.set(5000);
    ASSERT_TRUE(g.replaceNode(n));
    cur = getNode(*g.snapshot(), "n1");
    EXPECT_EQ(cur->revision, 8);
    EXPECT_EQ(cur->updated_at, 5000);
}

TEST_F(LiveGraphTest, BadInputIsRejectedAndChangesNothing) {
    ASSERT_TRUE(g.addNode(makeNode("n1")));
    EXPECT_EQ(g.addNode(makeNode("")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(g.addEdge(makeEdge("e1", "n1", "ghost")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(g.addEdge(makeEdge("e1", "", "n1")).error().code, ErrorCode::InvalidArgument);
    std::string deep;
    for (int i = 0; i < 33; ++i) deep += R"({"a":)";
    deep += "1" + std::string(33, '}');
    EXPECT_EQ(g.addNode(makeNode("n2", md(deep))).error().code, ErrorCode::InvalidArgument);
    std::string ok_depth;
    for (int i = 0; i < 32; ++i) ok_depth += R"({"a":)";
    ok_depth += "1" + std::string(32, '}');
    EXPECT_TRUE(g.addNode(makeNode("n3", md(ok_depth))));
    Value big = Value::object();
    big.mutableObject().set("Blob", std::string(1u << 20, 'x'));
    EXPECT_EQ(g.addNode(makeNode("n4", big)).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(g.setNodeMetadata("n1", "Blob", std::string(1u << 20, 'x')).error().code,
              ErrorCode::InvalidArgument);
    auto v = g.snapshot();
    EXPECT_EQ(v->nodeCount(), 2u);
    EXPECT_EQ(v->edgeCount(), 0u);
    EXPECT_EQ(getNode(*v, "n1")->revision, 1);
}

TEST_F(LiveGraphTest, ApplyIsAtomic) {
    model::GraphDelta d;
    d.changes.push_back({model::ChangeKind::NodeAdded, makeNode("a")});
    d.changes.push_back({model::ChangeKind::NodeAdded, makeNode("b")});
    d.changes.push_back({model::ChangeKind::EdgeAdded, makeEdge("ab", "a", "b")});
    d.changes.push_back({model::ChangeKind::EdgeAdded, makeEdge("ax", "a", "x")});
    EXPECT_EQ(g.apply(d).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(g.snapshot()->nodeCount(), 0u);
    d.changes.pop_back();
    ASSERT_TRUE(g.apply(d));
    EXPECT_EQ(g.snapshot()->nodeCount(), 2u);
    EXPECT_EQ(g.snapshot()->edgeCount(), 1u);
}

TEST_F(LiveGraphTest, DeleteNodeCascadesToEdgesWithSameTime) {
    for (auto id : {"a", "b", "c"}) ASSERT_TRUE(g.addNode(makeNode(id)));
    ASSERT_TRUE(g.addEdge(makeEdge("ab", "a", "b")));
    ASSERT_TRUE(g.addEdge(makeEdge("ca", "c", "a")));
    ASSERT_TRUE(g.addEdge(makeEdge("aa", "a", "a")));
    ASSERT_TRUE(g.addEdge(makeEdge("bc", "b", "c")));
    std::vector<model::Change> seen;
    std::mutex mu;
    auto sub = g.subscribe([&](const model::Change& c) {
        std::lock_guard l(mu);
        seen.push_back(c);
    });
    ASSERT_TRUE(g.deleteNode("a", 7777));
    ASSERT_TRUE(sub->drain());
    std::lock_guard l(mu);
    ASSERT_EQ(seen.size(), 4u);  // three edges (self-loop once), then the node
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(seen[i].kind, model::ChangeKind::EdgeDeleted);
        EXPECT_EQ(seen[i].base().deleted_at, 7777);
    }
    EXPECT_EQ(seen[3].kind, model::ChangeKind::NodeDeleted);
    EXPECT_EQ(seen[3].base().deleted_at, 7777);
    auto v = g.snapshot();
    EXPECT_EQ(v->nodeCount(), 2u);
    EXPECT_EQ(v->edgeCount(), 1u);
    int out = 0;
    v->outEdges("b", [&](const Edge&) { return ++out, true; });
    EXPECT_EQ(out, 1);
    EXPECT_EQ(g.deleteNode("a").error().code, ErrorCode::NotFound);
}

TEST_F(LiveGraphTest, IndexLookupsIncludingListsAndUpdates) {
    ASSERT_TRUE(
        g.addNode(makeNode("n1", md(R"({"Type":"veth","IPV4":["10.0.0.1/24","10.0.0.2/24"]})"))));
    ASSERT_TRUE(g.addNode(makeNode("n2", md(R"({"Type":"veth","MTU":1500})"))));
    ASSERT_TRUE(g.addNode(makeNode("n3", md(R"({"Type":1,"MTU":"1500"})"))));
    auto v = g.snapshot();
    EXPECT_TRUE(v->hasIndex("Type"));
    EXPECT_FALSE(v->hasIndex("MTU"));
    EXPECT_EQ(idsByValue(*v, "Type", "veth"), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(idsByValue(*v, "Type", 1), (std::vector<std::string>{"n3"}));
    EXPECT_EQ(idsByValue(*v, "IPV4", "10.0.0.2/24"), (std::vector<std::string>{"n1"}));
    EXPECT_EQ(idsByValue(*v, "@Host", "h1").size(), 3u);
    EXPECT_EQ(idsByValue(*v, "MTU", 1500), (std::vector<std::string>{"n2"}));  // scan, typed
    ASSERT_TRUE(g.setNodeMetadata("n2", "Type", "bridge"));
    ASSERT_TRUE(g.deleteNodeMetadata("n1", "IPV4"));
    auto v2 = g.snapshot();
    EXPECT_EQ(idsByValue(*v2, "Type", "veth"), (std::vector<std::string>{"n1"}));
    EXPECT_EQ(idsByValue(*v2, "Type", "bridge"), (std::vector<std::string>{"n2"}));
    EXPECT_TRUE(idsByValue(*v2, "IPV4", "10.0.0.2/24").empty());
    // The older snapshot still answers with its own content.
    EXPECT_EQ(idsByValue(*v, "Type", "veth"), (std::vector<std::string>{"n1", "n2"}));
    ASSERT_TRUE(g.deleteNode("n1"));
    EXPECT_TRUE(idsByValue(*g.snapshot(), "Type", "veth").empty());
}

// Updates that keep a node's key list compare the indexed keys by their position in it, found
// once per key list and index configuration (per thread). Two graphs indexing different keys,
// updated in turn on one thread with nodes of one key list, must each re-index their own keys.
TEST(LiveGraphIndexes, GraphsWithOtherIndexedKeysReindexTheirOwnKeys) {
    ManualClock clock(1000);
    LiveGraph by_name(clock, LiveGraphOptions{{"Name", "Type"}});
    LiveGraph by_type(clock, LiveGraphOptions{{"Type"}});
    auto node = [](const char* type, const char* name) {
        Value m = Value::object();
        m.mutableObject().set("MTU", 1500);
        m.mutableObject().set("Name", name);
        m.mutableObject().set("Type", type);
        return makeNode("n1", std::move(m));
    };
    for (LiveGraph* g : {&by_name, &by_type}) ASSERT_TRUE(g->addNode(node("veth", "a")));
    // Some updates change the Type alone: a position found for another graph's keys would
    // compare the Name instead and miss them.
    const char* types[] = {"bridge", "veth", "tun"};
    const char* names[] = {"a", "b", "b"};
    for (int i = 0; i < 3; ++i) {
        clock.advance(1);
        for (LiveGraph* g : {&by_name, &by_type}) {
            ASSERT_TRUE(g->replaceNode(node(types[i], names[i])));
            auto v = g->snapshot();
            EXPECT_EQ(idsByValue(*v, "Type", types[i]), (std::vector<std::string>{"n1"}));
            EXPECT_TRUE(idsByValue(*v, "Type", types[(i + 2) % 3]).empty());
        }
        auto v = by_name.snapshot();
        EXPECT_EQ(idsByValue(*v, "Name", names[i]), (std::vector<std::string>{"n1"}));
        if (i > 0 && std::string_view(names[i]) != names[i - 1])
            EXPECT_TRUE(idsByValue(*v, "Name", names[i - 1]).empty());
    }
}

TEST_F(LiveGraphTest, GraphSourceHasNoHistory) {
    EXPECT_EQ(g.at(5).error().code, ErrorCode::Unsupported);
    EXPECT_EQ(g.slice(1, 5).error().message, "Backend does not support history");
    EXPECT_EQ(g.live()->kind(), ViewKind::Live);
}

// Readers on snapshots see a consistent graph while the writer keeps going: in every snapshot
// each node i has exactly its edge i -> i-1 (added in the same delta), and counts are stable.
TEST_F(LiveGraphTest, SnapshotIsolationUnderConcurrentWriter) {
    ASSERT_TRUE(g.addNode(makeNode("n0")));
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 1; i <= 3000; ++i) {
            model::GraphDelta d;
            d.changes.push_back({model::ChangeKind::NodeAdded, makeNode("n" + std::to_string(i))});
            d.changes.push_back({model::ChangeKind::EdgeAdded,
                                 makeEdge("e" + std::to_string(i), "n" + std::to_string(i),
                                          "n" + std::to_string(i - 1))});
            ASSERT_TRUE(g.apply(d));
            if (i % 3 == 0) {
                ASSERT_TRUE(g.setNodeMetadata("n0", "Counter", i));
            }
        }
        done = true;
    });
    int checks = 0;
    while (!done || checks < 5) {
        auto v = g.snapshot();
        std::size_t nodes = v->nodeCount();
        std::size_t edges = v->edgeCount();
        ASSERT_EQ(edges + 1, nodes);
        std::size_t seen_nodes = 0, seen_edges = 0;
        v->forEachNode([&](model::NodeHandle) { return ++seen_nodes, true; });
        v->forEachEdge([&](const Edge& e) {
            ++seen_edges;
            bool has_parent = false;
            v->findNode(e.parent.view(), [&](model::NodeHandle) { return has_parent = true; });
            EXPECT_TRUE(has_parent);
            return true;
        });
        EXPECT_EQ(seen_nodes, nodes);
        EXPECT_EQ(seen_edges, edges);
        auto counter = getNode(*v, "n0")->metadata.path("Counter");
        if (counter) {  // set right after the delta that adds node 3k: k or k-1 steps
            auto want = static_cast<std::int64_t>((nodes - 1) / 3 * 3);
            EXPECT_TRUE(counter->asInt() == want || counter->asInt() == want - 3);
        }
        ++checks;
    }
    writer.join();
    EXPECT_EQ(g.snapshot()->nodeCount(), 3001u);
}

}  // namespace
}  // namespace skydive::graph
