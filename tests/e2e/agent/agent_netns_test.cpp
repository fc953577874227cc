// The netns probe: named namespaces appear and vanish, veth peers across namespaces.
#include <skydive/agent/ids.h>
#include <skydive/agent/netns_probe.h>
#include <skydive/agent/tid.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <skydive/model/json.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::List;
using model::Value;

struct NetnsE2E : AgentFixture {};

TEST_F(NetnsE2E, VethAcrossNamespaces) {
    std::string s = uniqueSuffix();
    std::string n1 = "sdn1-" + s, n2 = "sdn2-" + s, va = "sva" + s, vb = "svb" + s;
    cleanup.add("ip netns del " + n1);
    cleanup.add("ip netns del " + n2);
    ASSERT_TRUE(sh("ip netns add " + n1));
    ASSERT_TRUE(sh("ip netns add " + n2));
    ASSERT_TRUE(
        sh("ip link add " + va + " netns " + n1 + " type veth peer name " + vb + " netns " + n2));
    ASSERT_TRUE(sh("ip -n " + n1 + " addr add 192.0.2.1/24 dev " + va));
    ASSERT_TRUE(sh("ip -n " + n1 + " link set " + va + " up"));

    auto ns1 = waitNode(n1, "netns");
    ASSERT_TRUE(ns1.has_value());
    EXPECT_EQ(*field(*ns1, "Path"), Value("/var/run/netns/" + n1));
    EXPECT_NE(field(*ns1, "Inode"), nullptr);
    EXPECT_NE(field(*ns1, "Device"), nullptr);
    EXPECT_EQ(*field(*ns1, "TID"), Value(netnsTid(hostTid("e2e-host"), "/var/run/netns/" + n1)));
    EXPECT_TRUE(hasEdge(g(), agent->hostNodeId(), ns1->id.str(), "ownership"));

    auto a = waitNode(va, "veth");
    auto b = waitNode(vb, "veth");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(g().owner(a->id.view()), ns1->id.str());
    EXPECT_NE(field(*a, "LinkNetNsID"), nullptr);
    // TID of an interface in a netns derives from the netns TID.
    ASSERT_TRUE(waitFor([&] {
        auto n = nodeNamed(g(), va);
        return n && field(*n, "IPV4") && field(*n, "PeerIfIndex") &&
               field(*n, "LinkFlags")->asList().at(0) == Value("UP");
    })) << model::toJson(nodeNamed(g(), va).value_or(model::Node{}));
    a = nodeNamed(g(), va);
    EXPECT_EQ(*field(*a, "IPV4"), Value(List{"192.0.2.1/24"}));
    EXPECT_EQ(*field(*a, "TID"),
              Value(childTid(field(*ns1, "TID")->asString(), a->metadata).value_or("")));
    std::string aid = a->id.str(), bid = b->id.str();
    EXPECT_TRUE(waitFor(
        [&] { return hasEdge(g(), aid, bid, "layer2") || hasEdge(g(), bid, aid, "layer2"); }));

    // Deleting a namespace removes its node and interfaces, and the peer dies with it.
    ASSERT_TRUE(sh("ip netns del " + n1));
    EXPECT_TRUE(waitFor([&] { return !g().node(ns1->id.view()) && !g().node(aid); }));
    EXPECT_TRUE(waitFor([&] { return !g().node(bid); }));
    EXPECT_TRUE(nodeNamed(g(), n2, "netns").has_value());
}

// Two veth pairs whose ends carry the same indices (fresh namespaces number their first veth
// alike, containers do): each end is linked to the peer in the namespace its LinkNetNsID names,
// never to the look-alike end of the other pair.
TEST_F(NetnsE2E, VethPairsWithEqualIndicesAreNotCrossed) {
    std::string s = uniqueSuffix();
    std::vector<std::string> ns, ends;
    for (int i = 1; i <= 4; ++i) {
        ns.push_back("sdq" + std::to_string(i) + "-" + s);
        ends.push_back("sq" + std::to_string(i) + s);
        cleanup.add("ip netns del " + ns.back());
        ASSERT_TRUE(sh("ip netns add " + ns.back()));
    }
    // Pairs (1,2) and (3,4), both numbered 7 -> 8; the second pair's ends come up first so that
    // either pair may be published before the other.
    for (int p : {2, 0}) {
        ASSERT_TRUE(sh("ip link add " + ends[p] + " index 7 netns " + ns[p] +
                       " type veth peer name " + ends[p + 1] + " index 8 netns " + ns[p + 1]));
    }
    std::vector<std::string> ids;
    for (const auto& e : ends) {
        auto n = waitNode(e, "veth");
        ASSERT_TRUE(n.has_value()) << e;
        ids.push_back(n->id.str());
    }
    auto veth_peers = [&](const std::string& id) {
        auto layer2 = [](const model::Edge& e) {
            const Value* r = e.metadata.asObject().find("RelationType");
            return r != nullptr && *r == Value("layer2");
        };
        std::vector<std::string> peers;
        for (const auto& e : g().outEdges(id))
            if (layer2(e)) peers.push_back(e.child.str());
        for (const auto& e : g().inEdges(id))
            if (layer2(e)) peers.push_back(e.parent.str());
        return peers;
    };
    for (int p : {0, 2}) {
        EXPECT_TRUE(waitFor([&] {
            return veth_peers(ids[p]) == std::vector<std::string>{ids[p + 1]} &&
                   veth_peers(ids[p + 1]) == std::vector<std::string>{ids[p]};
        })) << ends[p]
            << " <-> " << ends[p + 1];
    }
    // Settled: no crossed edge appears later either (both ends of each pair were published).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int p : {0, 2}) {
        EXPECT_EQ(veth_peers(ids[p]), std::vector<std::string>{ids[p + 1]});
        EXPECT_EQ(veth_peers(ids[p + 1]), std::vector<std::string>{ids[p]});
    }
}

// One end in the agent's own namespace (the host node's), the other in a named namespace: each
// end's LinkNetNsID resolves to the other side's root, the host's included.
TEST_F(NetnsE2E, VethBetweenHostAndNamespace) {
    std::string s = uniqueSuffix();
    std::string n1 = "sdh1-" + s, hv = "shv" + s, nv = "snv" + s;
    cleanup.add("ip link del " + hv);
    cleanup.add("ip netns del " + n1);
    ASSERT_TRUE(sh("ip netns add " + n1));
    ASSERT_TRUE(sh("ip link add " + hv + " type veth peer name " + nv + " netns " + n1));
    auto h = waitNode(hv, "veth");
    auto n = waitNode(nv, "veth");
    auto ns = waitNode(n1, "netns");
    ASSERT_TRUE(h && n && ns);
    EXPECT_EQ(g().owner(h->id.view()), agent->hostNodeId());
    EXPECT_EQ(g().owner(n->id.view()), ns->id.str());
    std::string hid = h->id.str(), nid = n->id.str();
    EXPECT_TRUE(waitFor(
        [&] { return hasEdge(g(), hid, nid, "layer2") || hasEdge(g(), nid, hid, "layer2"); }));
    EXPECT_TRUE(waitFor([&] {
        auto a = g().node(hid), b = g().node(nid);
        return a && b && field(*a, "LinkNetNsID") && field(*b, "LinkNetNsID");
    }));
}

// Interface counters become Metric / LastUpdateMetric at the configured interval (spec §3.6).
TEST(NetnsMetricsE2E, TrafficShowsInMetrics) {
    ASSERT_EQ(::geteuid(), 0u);
    AgentOptions o;
    o.host_id = "e2e-metrics";
    o.metrics_update = std::chrono::milliseconds(200);
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    Cleanup cleanup;
    std::string s = uniqueSuffix();
    std::string n1 = "sdm1-" + s, n2 = "sdm2-" + s, va = "sva" + s, vb = "svb" + s;
    cleanup.add("ip netns del " + n1);
    cleanup.add("ip netns del " + n2);
    ASSERT_TRUE(sh("ip netns add " + n1) && sh("ip netns add " + n2));
    ASSERT_TRUE(
        sh("ip link add " + va + " netns " + n1 + " type veth peer name " + vb + " netns " + n2));
    ASSERT_TRUE(sh("ip -n " + n1 + " addr add 192.0.2.1/24 dev " + va) &&
                sh("ip -n " + n2 + " addr add 192.0.2.2/24 dev " + vb) &&
                sh("ip -n " + n1 + " link set " + va + " up") &&
                sh("ip -n " + n2 + " link set " + vb + " up"));
    ASSERT_TRUE(waitFor([&] { return nodeNamed((*agent)->topology(), va).has_value(); }));
    ASSERT_TRUE(sh("ip netns exec " + n1 + " ping -c 3 -i 0.2 -W 1 192.0.2.2"));
    EXPECT_TRUE(waitFor(
        [&] {
            auto n = nodeNamed((*agent)->topology(), va);
            if (!n) return false;
            auto rx = n->metadata.path("Metric.RxPackets");
            auto delta = n->metadata.path("LastUpdateMetric.TxPackets");
            return rx && rx->asInt() >= 3 && delta && delta->asInt() > 0;
        },
        std::chrono::seconds(3)));
    (*agent)->stop();
}

// A file that is not a namespace (or vanished before it could be entered) is logged and
// skipped; the probe keeps watching.
TEST(NetnsProbeE2E, BogusEntryIsSkipped) {
    ASSERT_EQ(::geteuid(), 0u);
    auto dir = std::filesystem::temp_directory_path() / ("skydive-netns-" + uniqueSuffix());
    std::filesystem::create_directories(dir);
    Cleanup cleanup;
    cleanup.add("rm -rf " + dir.string());
    std::ofstream(dir / "early-bogus") << "x";
    TopologyGraph graph("h", model::SystemClock::instance());
    ASSERT_TRUE(graph.addNode("host", Value(model::Object{{"Name", "h"}, {"Type", "host"}})));
    NetnsProbe probe(graph, "host", dir.string());
    ASSERT_TRUE(probe.start().ok());
    std::ofstream(dir / "late-bogus") << "x";
    // A real namespace bind-mounted into our private run dir is still picked up.
    std::string ns = "sdn3-" + uniqueSuffix();
    cleanup.add("ip netns del " + ns);
    ASSERT_TRUE(sh("ip netns add " + ns));
    std::ofstream(dir / ns).close();
    ASSERT_TRUE(sh("mount --bind /var/run/netns/" + ns + " " + (dir / ns).string()));
    cleanup.add("umount " + (dir / ns).string());
    EXPECT_TRUE(waitFor([&] { return nodeNamed(graph, ns, "netns").has_value(); }));
    EXPECT_FALSE(nodeNamed(graph, "early-bogus").has_value());
    EXPECT_FALSE(nodeNamed(graph, "late-bogus").has_value());
    EXPECT_TRUE(waitFor([&] { return nodeNamed(graph, "lo").has_value(); }));
    probe.stop();
    EXPECT_EQ(graph.nodeCount(), 1u);  // only the host is left
}

// Namespaces that vanish while the probe is entering or dumping them (created and deleted in a
// tight loop) are skipped or removed; no ghost is left and a later namespace is still seen.
TEST(NetnsProbeE2E, NamespacesVanishingMidScanLeaveNoGhost) {
    ASSERT_EQ(::geteuid(), 0u);
    AgentOptions o;
    o.host_id = "e2e-vanish";
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    Cleanup cleanup;
    std::string s = uniqueSuffix();
    std::vector<std::string> gone;
    for (int i = 0; i < 20; ++i) {
        std::string ns = "sdv" + std::to_string(i) + "-" + s;
        cleanup.add("ip netns del " + ns);
        gone.push_back(ns);
        ASSERT_TRUE(sh("ip netns add " + ns));
        ASSERT_TRUE(sh("ip -n " + ns + " link add vx" + std::to_string(i) + s +
                       " type veth peer name vy" + std::to_string(i) + s));
        ASSERT_TRUE(sh("ip netns del " + ns));
    }
    std::string keep = "sdk-" + s;
    cleanup.add("ip netns del " + keep);
    ASSERT_TRUE(sh("ip netns add " + keep));
    EXPECT_TRUE(waitFor([&] { return nodeNamed((*agent)->topology(), keep, "netns").has_value(); },
                        std::chrono::seconds(5)));
    EXPECT_TRUE(waitFor(
        [&] {
            for (const auto& ns : gone) {
                if (nodeNamed((*agent)->topology(), ns, "netns")) return false;
            }
            for (int i = 0; i < 20; ++i) {
                if (nodeNamed((*agent)->topology(), "vx" + std::to_string(i) + s)) return false;
            }
            return true;
        },
        std::chrono::seconds(5)));
    // Still live: a change in the kept namespace shows up.
    ASSERT_TRUE(sh("ip -n " + keep + " link add vk" + s + " type veth peer name vl" + s));
    EXPECT_TRUE(waitFor([&] { return nodeNamed((*agent)->topology(), "vk" + s).has_value(); }));
    (*agent)->stop();
}

}  // namespace
}  // namespace skydive::agent::e2e
