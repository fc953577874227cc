#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>
#include <skydive/agent/topology_graph.h>

#include <gtest/gtest.h>

namespace skydive::agent {
namespace {

using model::ChangeKind;
using model::Object;
using model::Value;

struct Fixture : ::testing::Test {
    model::ManualClock clock{1000};
    TopologyGraph g{"node1", clock};
    std::vector<model::Change> changes;
    void SetUp() override {
        g.subscribe([this](const model::Change& c) { changes.push_back(c); });
    }
    std::string tidOf(const std::string& id) {
        auto n = g.node(id);
        if (!n) return "<missing>";
        auto* t = n->metadata.asObject().find("TID");
        return t == nullptr ? "" : std::string(t->asString());
    }
};

TEST_F(Fixture, TidMapperFollowsOwnership) {
    ASSERT_TRUE(g.addNode("h", Value(Object{{"Name", "node1"}, {"Type", "host"}})));
    EXPECT_EQ(tidOf("h"), "2f6f9b99-82ef-5507-b6b6-cbab28bda9cb");
    ASSERT_TRUE(g.addNode("e", Value(Object{{"Name", "eth0"}, {"Type", "device"}})));
    EXPECT_EQ(tidOf("e"), "");  // no owner yet
    g.link("h", "e", "ownership");
    EXPECT_EQ(tidOf("e"), "3d0c36e3-d9e2-5f31-b1f9-22528dc1d13c");
    EXPECT_EQ(g.node("e")->revision, 2);
    ASSERT_TRUE(g.addNode(
        "ns", Value(Object{{"Name", "ns1"}, {"Path", "/var/run/netns/ns1"}, {"Type", "netns"}})));
    EXPECT_EQ(tidOf("ns"), "4baa4b54-22e8-5a3d-9b37-c3b0e1f47f6c");
    ASSERT_TRUE(g.addNode("v", Value(Object{{"Name", "veth0"}, {"Type", "veth"}})));
    g.link("ns", "v", "ownership");
    EXPECT_EQ(tidOf("v"), childTid("4baa4b54-22e8-5a3d-9b37-c3b0e1f47f6c",
                                   Value(Object{{"Name", "veth0"}, {"Type", "veth"}})));
    // A layer2 edge does not touch TIDs; removing the owner edge removes the TID.
    g.link("e", "v", "layer2");
    EXPECT_EQ(g.node("v")->revision, 2);
    ASSERT_TRUE(g.deleteEdge(linkId("ns", "v", "ownership")));
    EXPECT_EQ(tidOf("v"), "");
}

TEST_F(Fixture, RevisionsAndNoOps) {
    ASSERT_TRUE(g.addNode("n", Value(Object{{"MTU", 1500}, {"Name", "a"}, {"Type", "veth"}})));
    EXPECT_FALSE(g.addNode("n", Value(Object{})));
    clock.advance(5);
    EXPECT_FALSE(g.setNodeMetadata("n", g.node("n")->metadata));  // equal: no revision
    EXPECT_TRUE(
        g.setNodeMetadata("n", Value(Object{{"MTU", 9000}, {"Name", "a"}, {"Type", "veth"}})));
    auto n = g.node("n");
    EXPECT_EQ(n->revision, 2);
    EXPECT_EQ(n->created_at, 1000);
    EXPECT_EQ(n->updated_at, 1005);
    EXPECT_EQ(n->host, "node1");
    EXPECT_EQ(n->origin, "agent.node1");
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[1].kind, ChangeKind::NodeUpdated);
}

TEST_F(Fixture, DeleteNodeDeletesEdgesFirst) {
    ASSERT_TRUE(g.addNode("a", Value(Object{{"Name", "a"}})));
    ASSERT_TRUE(g.addNode("b", Value(Object{{"Name", "b"}})));
    std::string eid = g.link("a", "b", "layer2");
    EXPECT_EQ(g.link("a", "b", "layer2"), eid);  // idempotent
    EXPECT_FALSE(g.addEdge("x", "a", "missing", Value(Object{})));
    EXPECT_EQ(g.edgeCount(), 1u);
    changes.clear();
    clock.advance(10);
    ASSERT_TRUE(g.deleteNode("a"));
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].kind, ChangeKind::EdgeDeleted);
    EXPECT_EQ(changes[1].kind, ChangeKind::NodeDeleted);
    EXPECT_EQ(changes[0].base().deleted_at, changes[1].base().deleted_at);
    EXPECT_EQ(g.edgeCount(), 0u);
    EXPECT_TRUE(g.outEdges("a").empty());
    EXPECT_TRUE(g.inEdges("b").empty());
    EXPECT_FALSE(g.deleteNode("a"));
}

TEST_F(Fixture, SubscribeWithSnapshotIsAtomic) {
    ASSERT_TRUE(g.addNode("a", Value(Object{{"Name", "a"}})));
    model::Graph snap;
    std::vector<model::Change> seen;
    auto token = g.subscribe([&](const model::Change& c) { seen.push_back(c); }, &snap);
    EXPECT_EQ(snap.nodes.size(), 1u);
    ASSERT_TRUE(g.addNode("b", Value(Object{{"Name", "b"}})));
    g.unsubscribe(token);
    ASSERT_TRUE(g.addNode("c", Value(Object{{"Name", "c"}})));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].base().id, "b");
}

}  // namespace
}  // namespace skydive::agent
