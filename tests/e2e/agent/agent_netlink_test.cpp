// The netlink probe on the agent's own namespace: real veth pairs, bridges, macvlan, vxlan, tun.
#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::List;
using model::Value;

struct NetlinkE2E : AgentFixture {};

TEST_F(NetlinkE2E, HostNodeHasTidAndHostname) {
    auto host = g().node(agent->hostNodeId());
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(*field(*host, "Type"), Value("host"));
    EXPECT_EQ(*field(*host, "Name"), Value("e2e-host"));
    EXPECT_EQ(*field(*host, "TID"), Value(hostTid("e2e-host")));
    EXPECT_NE(field(*host, "Hostname"), nullptr);
    // The host's own loopback: parallel tests' namespaces each have an "lo" of their own.
    std::optional<model::Node> lo;
    for (auto& n : g().nodesWhere("Name", Value("lo")))
        if (g().owner(n.id.view()) == agent->hostNodeId()) lo = n;
    ASSERT_TRUE(lo.has_value());
    EXPECT_EQ(*field(*lo, "EncapType"), Value("loopback"));
    EXPECT_TRUE(hasEdge(g(), agent->hostNodeId(), lo->id.str(), "ownership"));
}

TEST_F(NetlinkE2E, VethPairOnBridgeLifecycle) {
    std::string s = uniqueSuffix();
    std::string br = "sbr" + s, va = "sva" + s, vb = "svb" + s;
    cleanup.add("ip link del " + br);
    cleanup.add("ip link del " + va);
    ASSERT_TRUE(sh("ip link add " + br + " type bridge"));
    ASSERT_TRUE(sh("ip link add " + va + " type veth peer name " + vb));
    ASSERT_TRUE(sh("ip link set " + va + " master " + br + " up"));
    ASSERT_TRUE(sh("ip addr add 192.0.2.77/24 dev " + vb));

    auto a = waitNode(va, "veth");
    auto b = waitNode(vb, "veth");
    auto bridge = waitNode(br, "bridge");
    ASSERT_TRUE(a && b && bridge);
    ASSERT_TRUE(waitFor([&] {
        a = nodeNamed(g(), va);
        b = nodeNamed(g(), vb);
        return a && b && field(*b, "IPV4") != nullptr && field(*a, "MasterIndex") != nullptr;
    }));
    EXPECT_EQ(*field(*a, "Driver"), Value("veth"));
    EXPECT_EQ(*field(*a, "MTU"), Value(1500));
    EXPECT_EQ(*field(*a, "PeerIfIndex"), *field(*b, "IfIndex"));
    EXPECT_EQ(*field(*b, "PeerIfIndex"), *field(*a, "IfIndex"));
    EXPECT_EQ(*field(*a, "MasterIndex"), *field(*bridge, "IfIndex"));
    EXPECT_EQ(field(*a, "MAC")->asString().size(), 17u);
    EXPECT_EQ(*field(*b, "IPV4"), Value(List{"192.0.2.77/24"}));
    EXPECT_EQ(*field(*bridge, "Driver"), Value("bridge"));
    // TID = UUIDv5(hostTID + Name + Type) under the host (spec §1.2).
    EXPECT_EQ(*field(*a, "TID"), Value(childTid(hostTid("e2e-host"), a->metadata).value_or("")));

    std::string aid = a->id.str(), bid = b->id.str();
    EXPECT_TRUE(hasEdge(g(), agent->hostNodeId(), aid, "ownership"));
    EXPECT_TRUE(hasEdge(g(), bridge->id.str(), aid, "layer2"));
    bool a_higher = field(*a, "IfIndex")->asInt() > field(*b, "IfIndex")->asInt();
    EXPECT_TRUE(a_higher ? hasEdge(g(), aid, bid, "layer2") : hasEdge(g(), bid, aid, "layer2"));

    // An MTU change is a new revision of the same node.
    auto rev = nodeNamed(g(), va)->revision;
    ASSERT_TRUE(sh("ip link set " + va + " mtu 1400"));
    ASSERT_TRUE(waitFor([&] {
        auto n = g().node(aid);
        return n && *field(*n, "MTU") == Value(1400);
    }));
    EXPECT_GT(g().node(aid)->revision, rev);

    // Deletion removes both ends and their edges.
    ASSERT_TRUE(sh("ip link del " + va));
    EXPECT_TRUE(waitFor([&] { return !g().node(aid) && !g().node(bid); }));
    EXPECT_TRUE(g().outEdges(bridge->id.str()).empty());
}

TEST_F(NetlinkE2E, MacvlanVxlanTun) {
    std::string s = uniqueSuffix();
    std::string va = "sva" + s, vb = "svb" + s, mv = "smv" + s, vx = "svx" + s, tp = "stp" + s;
    cleanup.add("ip link del " + va);
    cleanup.add("ip link del " + vx);
    cleanup.add("ip link del " + tp);
    ASSERT_TRUE(sh("ip link add " + va + " type veth peer name " + vb));
    ASSERT_TRUE(sh("ip link add " + mv + " link " + va + " type macvlan mode bridge"));
    ASSERT_TRUE(sh("ip link add " + vx + " type vxlan id 4242 dstport 4789 dev " + va));
    ASSERT_TRUE(sh("ip tuntap add " + tp + " mode tun"));

    auto a = waitNode(va, "veth");
    auto m = waitNode(mv, "macvlan");
    auto x = waitNode(vx, "vxlan");
    auto t = waitNode(tp, "tun");
    ASSERT_TRUE(a && m && x && t);
    EXPECT_EQ(*field(*m, "ParentIndex"), *field(*a, "IfIndex"));
    EXPECT_EQ(*field(*x, "VNI"), Value(4242));
    EXPECT_EQ(*field(*t, "EncapType"), Value("none"));
    EXPECT_EQ(*field(*t, "State"), Value("DOWN"));
    ASSERT_TRUE(sh("ip link del " + tp));
    EXPECT_TRUE(waitFor([&] { return !nodeNamed(g(), tp); }));
}

}  // namespace
}  // namespace skydive::agent::e2e
