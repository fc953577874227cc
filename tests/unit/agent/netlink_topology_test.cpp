#include <skydive/agent/ids.h>
#include <skydive/agent/netlink_topology.h>

#include <linux/if.h>

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "netlink_builder.h"

namespace skydive::agent {
namespace {

using model::List;
using model::Object;
using model::Value;
using testing::link;
using testing::NlMsg;

struct NetlinkTopologyTest : ::testing::Test {
    model::ManualClock clock{1000};
    TopologyGraph graph{"node1", clock};
    std::string host = randomId();
    NetlinkTopology topo{graph, host, ethtool()};

    static NetlinkTopology::Ethtool ethtool() {
        NetlinkTopology::Ethtool e;
        e.driver = [](const std::string& name) {
            return name.rfind("veth", 0) == 0 ? std::string("veth") : "";
        };
        e.peer_index = [](const std::string& name) { return name == "veth-b" ? 4 : 0; };
        return e;
    }

    void SetUp() override {
        ASSERT_TRUE(graph.addNode(host, Value(Object{{"Name", "node1"}, {"Type", "host"}})));
    }
    void feed(const std::vector<std::uint8_t>& bytes) {
        ParseReport rep;
        for (const auto& ev : parseNetlink(bytes, &rep)) topo.apply(ev);
        ASSERT_EQ(rep.malformed, 0u);
    }
    Object md(std::int32_t index) {
        auto id = topo.nodeId(index);
        EXPECT_TRUE(id.has_value());
        return graph.node(*id)->metadata.asObject();
    }
    bool hasEdge(std::int32_t parent, std::int32_t child, std::string_view rel) {
        auto p = topo.nodeId(parent);
        auto c = topo.nodeId(child);
        return p && c && graph.edge(linkId(*p, *c, rel)).has_value();
    }
};

TEST_F(NetlinkTopologyTest, VethPairBridgeAndAddresses) {
    auto br = link(RTM_NEWLINK, 3, "br0", IFF_UP | IFF_BROADCAST | IFF_MULTICAST);
    br.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bridge").end();
    auto va = link(RTM_NEWLINK, 4, "veth-a", IFF_UP | IFF_BROADCAST);
    va.bytes(IFLA_ADDRESS, {2, 0, 0, 0, 0, 4}).u32(IFLA_LINK, 5).u32(IFLA_MASTER, 3);
    va.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
    auto vb = link(RTM_NEWLINK, 5, "veth-b", IFF_UP);
    // As the kernel announces the first end of a new pair: no IFLA_LINK yet (ethtool knows).
    vb.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
    NlMsg addr(RTM_NEWADDR);
    auto* ifa = addr.header<ifaddrmsg>();
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index = 5;
    addr.bytes(IFA_LOCAL, {192, 0, 2, 1});
    // The member arrives before its bridge and the address before nothing: order must not matter.
    feed(va.data());
    feed(addr.data());
    feed(vb.data());
    feed(br.data());

    Object a = md(4);
    EXPECT_EQ(*a.find("Name"), Value("veth-a"));
    EXPECT_EQ(*a.find("Type"), Value("veth"));
    EXPECT_EQ(*a.find("Driver"), Value("veth"));
    EXPECT_EQ(*a.find("MAC"), Value("02:00:00:00:00:04"));
    EXPECT_EQ(*a.find("MTU"), Value(1500));
    EXPECT_EQ(*a.find("State"), Value("UP"));
    EXPECT_EQ(*a.find("IfIndex"), Value(4));
    EXPECT_EQ(*a.find("PeerIfIndex"), Value(5));
    EXPECT_EQ(*a.find("MasterIndex"), Value(3));
    EXPECT_EQ(*a.find("EncapType"), Value("ether"));
    EXPECT_EQ(*a.find("LinkFlags"), Value(List{"UP", "BROADCAST"}));
    EXPECT_TRUE(a.find("TID") != nullptr);
    EXPECT_EQ(*md(5).find("IPV4"), Value(List{"192.0.2.1/24"}));
    EXPECT_EQ(*md(3).find("Driver"), Value("bridge"));

    EXPECT_TRUE(hasEdge(3, 4, "layer2"));  // bridge → port
    EXPECT_TRUE(hasEdge(5, 4, "layer2"));  // veth: parent is the higher ifindex
    EXPECT_FALSE(hasEdge(4, 5, "layer2"));
    auto veth_edge = graph.edge(linkId(*topo.nodeId(5), *topo.nodeId(4), "layer2"));
    EXPECT_EQ(*veth_edge->metadata.asObject().find("Type"), Value("veth"));
    EXPECT_TRUE(graph.edge(linkId(host, *topo.nodeId(4), "ownership")).has_value());

    // MTU change → a new revision of the same node.
    auto id = *topo.nodeId(4);
    auto before = graph.node(id)->revision;
    auto va9000 = link(RTM_NEWLINK, 4, "veth-a", IFF_UP | IFF_BROADCAST, 6, 9000);
    va9000.bytes(IFLA_ADDRESS, {2, 0, 0, 0, 0, 4}).u32(IFLA_LINK, 5).u32(IFLA_MASTER, 3);
    va9000.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
    feed(va9000.data());
    EXPECT_EQ(graph.node(id)->revision, before + 1);
    EXPECT_EQ(*md(4).find("MTU"), Value(9000));
    feed(va9000.data());  // same state again: no revision
    EXPECT_EQ(graph.node(id)->revision, before + 1);

    // Leaving the bridge removes the bridge edge; deleting removes node and edges.
    auto nomaster = link(RTM_NEWLINK, 4, "veth-a", IFF_UP, 6, 9000);
    nomaster.u32(IFLA_LINK, 5).begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
    feed(nomaster.data());
    EXPECT_FALSE(hasEdge(3, 4, "layer2"));
    feed(link(RTM_DELLINK, 4, "veth-a", 0).data());
    EXPECT_FALSE(topo.nodeId(4).has_value());
    EXPECT_FALSE(graph.node(id).has_value());
    EXPECT_TRUE(graph.outEdges(*topo.nodeId(5)).empty());
}

TEST_F(NetlinkTopologyTest, VlanAndBondMetadataAndEdges) {
    auto eth = link(RTM_NEWLINK, 2, "eth0", IFF_UP);
    auto vlan = link(RTM_NEWLINK, 10, "eth0.100", IFF_UP);
    vlan.u32(IFLA_LINK, 2).begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "vlan");
    vlan.begin(IFLA_INFO_DATA).u16(1, 100).end().end();
    auto bond = link(RTM_NEWLINK, 11, "bond0", IFF_UP | IFF_MASTER);
    bond.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bond");
    bond.begin(IFLA_INFO_DATA).u8(1, 1).end().end();
    auto slave = link(RTM_NEWLINK, 12, "eth1", IFF_UP);
    slave.u32(IFLA_MASTER, 11).begin(IFLA_LINKINFO).str(IFLA_INFO_SLAVE_KIND, "bond");
    slave.begin(IFLA_INFO_SLAVE_DATA).u8(1, 0).u8(2, 0).bytes(4, {2, 0, 0, 0, 0, 12}).end().end();
    for (auto* m : {&vlan, &eth, &bond, &slave}) feed(m->data());

    Object v = md(10);
    EXPECT_EQ(*v.find("Type"), Value("vlan"));
    EXPECT_EQ(*v.find("Vlan"), Value(100));
    EXPECT_EQ(*v.find("ParentIndex"), Value(2));
    auto vlan_edge = graph.edge(linkId(*topo.nodeId(2), *topo.nodeId(10), "layer2"));
    ASSERT_TRUE(vlan_edge.has_value());
    EXPECT_EQ(*vlan_edge->metadata.asObject().find("Type"), Value("vlan"));
    EXPECT_EQ(*md(11).find("BondMode"), Value("active-backup"));
    EXPECT_EQ(*md(12).find("Type"), Value("device"));
    Object slave_node = md(12);
    auto slave_md = slave_node.find("BondSlave")->asObject();
    EXPECT_EQ(*slave_md.find("State"), Value("ACTIVE"));
    EXPECT_EQ(*slave_md.find("MiiStatus"), Value("UP"));
    EXPECT_EQ(*slave_md.find("PermMAC"), Value("02:00:00:00:00:0c"));
    EXPECT_TRUE(hasEdge(11, 12, "layer2"));
}

TEST_F(NetlinkTopologyTest, RoutesAndClear) {
    feed(link(RTM_NEWLINK, 2, "eth0", IFF_UP).data());
    NlMsg r(RTM_NEWROUTE);
    auto* rtm = r.header<rtmsg>();
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 24;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_KERNEL;
    r.u32(RTA_TABLE, RT_TABLE_MAIN).bytes(RTA_DST, {192, 0, 2, 0}).u32(RTA_OIF, 2);
    r.bytes(RTA_PREFSRC, {192, 0, 2, 1});
    feed(r.data());
    Object eth = md(2);
    auto tables = eth.find("RoutingTables");
    ASSERT_NE(tables, nullptr);
    const auto& t0 = tables->asList().at(0).asObject();
    EXPECT_EQ(*t0.find("ID"), Value(254));
    EXPECT_EQ(*t0.find("Src"), Value("192.0.2.1"));
    const auto& route = t0.find("Routes")->asList().at(0).asObject();
    EXPECT_EQ(*route.find("Prefix"), Value("192.0.2.0/24"));
    EXPECT_EQ(*route.find("Protocol"), Value(RTPROT_KERNEL));
    NlMsg d(RTM_DELROUTE);
    *d.header<rtmsg>() = *rtm;
    d.u32(RTA_TABLE, RT_TABLE_MAIN).bytes(RTA_DST, {192, 0, 2, 0}).u32(RTA_OIF, 2);
    feed(d.data());
    EXPECT_EQ(md(2).find("RoutingTables"), nullptr);

    std::size_t before = graph.nodeCount();
    topo.clear();
    EXPECT_EQ(graph.nodeCount(), before - 1);
}

TEST_F(NetlinkTopologyTest, InterfaceMetricsFromStats64) {
    auto withStats = [](std::uint64_t rx_packets, std::uint64_t rx_bytes) {
        auto m = link(RTM_NEWLINK, 2, "eth0", IFF_UP);
        std::vector<std::uint8_t> st(sizeof(std::uint64_t) * LinkInfo::kStatsCount, 0);
        std::memcpy(st.data(), &rx_packets, 8);     // rx_packets
        std::memcpy(st.data() + 16, &rx_bytes, 8);  // rx_bytes
        m.bytes(IFLA_STATS64, st);
        return m.data();
    };
    feed(withStats(10, 1000));
    topo.updateMetrics(1000);
    Object m1 = md(2);
    const Object& metric = m1.find("Metric")->asObject();
    EXPECT_EQ(*metric.find("RxPackets"), Value(10));
    EXPECT_EQ(*metric.find("RxBytes"), Value(1000));
    EXPECT_EQ(*metric.find("Last"), Value(1000));
    EXPECT_EQ(metric.find("TxBytes"), nullptr);  // zero counters are omitted
    EXPECT_EQ(m1.find("LastUpdateMetric"), nullptr);
    auto rev = graph.node(*topo.nodeId(2))->revision;
    topo.updateMetrics(1500);  // nothing moved: no new revision
    EXPECT_EQ(graph.node(*topo.nodeId(2))->revision, rev);
    // An event without stats keeps the last counters.
    feed(link(RTM_NEWLINK, 2, "eth0", IFF_UP).data());
    feed(withStats(15, 1600));
    topo.updateMetrics(2000);
    Object m2 = md(2);
    const Object& delta = m2.find("LastUpdateMetric")->asObject();
    EXPECT_EQ(*delta.find("RxPackets"), Value(5));
    EXPECT_EQ(*delta.find("RxBytes"), Value(600));
    EXPECT_EQ(*delta.find("Start"), Value(1000));
    EXPECT_EQ(*delta.find("Last"), Value(2000));
    EXPECT_EQ(*m2.find("Metric")->asObject().find("RxPackets"), Value(15));
}

}  // namespace
}  // namespace skydive::agent

namespace skydive::agent {
namespace {

// Four namespaces, two veth pairs (1,2) and (3,4) with the same indices 7 <-> 8. The end created
// first is announced before its pair exists (no IFLA_LINK, no IFLA_LINK_NETNSID): ethtool gives
// its peer index, the kernel its namespace ID when asked again. Each end links only to the peer
// owned by the namespace its ID names.
struct VethAcrossNamespacesTest : ::testing::Test {
    model::ManualClock clock{1000};
    TopologyGraph graph{"node1", clock};
    std::string host = randomId();
    std::vector<std::string> roots;  // netns nodes 1..4 (index 0..3)
    std::vector<std::unique_ptr<NetlinkTopology>> spaces;

    void SetUp() override {
        ASSERT_TRUE(graph.addNode(host, Value(Object{{"Name", "node1"}, {"Type", "host"}})));
        for (int i = 0; i < 4; ++i) {
            roots.push_back(randomId());
            ASSERT_TRUE(graph.addNode(roots.back(), Value(Object{{"Type", "netns"}})));
        }
    }
    // Namespace i calls namespace j "10 + j" (IDs are per namespace; these are all distinct so
    // that a mix-up shows). `resolve` off: no PeerNamespace at all.
    void makeSpaces(bool resolve, std::vector<int> unknown = {}) {
        for (int i = 0; i < 4; ++i) {
            NetlinkTopology::Ethtool e;
            e.driver = [](const std::string&) { return std::string("veth"); };
            e.peer_index = [](const std::string&) { return 7; };  // only the index-8 ends ask
            NetlinkTopology::PeerNamespace p;
            if (resolve) {
                const int peer = i ^ 1;
                p.link_netnsid = [peer](std::int32_t) { return 10 + peer; };
                p.root = [this, unknown](std::int32_t nsid) -> std::optional<std::string> {
                    if (nsid < 10 || nsid > 13) return std::nullopt;
                    for (int u : unknown)
                        if (nsid == 10 + u) return std::nullopt;
                    return roots[static_cast<std::size_t>(nsid - 10)];
                };
            }
            spaces.push_back(std::make_unique<NetlinkTopology>(graph, roots[i], e, p));
        }
    }
    // End of namespace i: index 7 knows its peer (8 in namespace i^1); index 8 came first.
    void announce(int i) {
        const bool second = i % 2 == 0;
        auto m = link(RTM_NEWLINK, second ? 7 : 8, "v" + std::to_string(i), IFF_UP);
        if (second) m.u32(IFLA_LINK, 8).u32(IFLA_LINK_NETNSID, 10 + (i ^ 1));
        m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
        for (const auto& ev : parseNetlink(m.data())) spaces[i]->apply(ev);
    }
    std::string node(int i) { return *spaces[i]->nodeId(i % 2 == 0 ? 7 : 8); }
    std::size_t veths(int i) {
        std::size_t n = 0;
        for (const auto& e : graph.outEdges(node(i)))
            n += e.metadata.asObject().find("Type") != nullptr;
        for (const auto& e : graph.inEdges(node(i)))
            n += e.metadata.asObject().find("Type") != nullptr;
        return n;
    }
    bool linked(int a, int b) {
        return graph.edge(linkId(node(a), node(b), "layer2")).has_value() ||
               graph.edge(linkId(node(b), node(a), "layer2")).has_value();
    }
};

TEST_F(VethAcrossNamespacesTest, EachEndFindsThePeerInTheNamespaceItsIdNames) {
    makeSpaces(true);
    for (int i : {3, 2, 1, 0}) announce(i);  // pair (3,4) complete before pair (1,2) appears
    EXPECT_TRUE(linked(0, 1));
    EXPECT_TRUE(linked(2, 3));
    EXPECT_FALSE(linked(0, 3));
    EXPECT_FALSE(linked(2, 1));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(veths(i), 1u) << i;
    // The first-announced end got its namespace ID from the kernel, not from the event.
    EXPECT_EQ(*graph.node(node(1))->metadata.asObject().find("LinkNetNsID"), Value(10));
}

// A namespace ID that names no known namespace yet (its netns node is not in the graph): no
// guess among look-alikes; the other end, whose namespace is known, links when it comes.
TEST_F(VethAcrossNamespacesTest, AnUnresolvedIdLinksNothing) {
    makeSpaces(true, {1});  // namespace 2 (index 1) is not known to anyone yet
    for (int i : {3, 0}) announce(i);
    EXPECT_FALSE(linked(0, 3));
    EXPECT_EQ(veths(0), 0u);
    announce(2);
    EXPECT_TRUE(linked(2, 3));
    announce(1);  // namespace 1 is known: its end finds 0
    EXPECT_TRUE(linked(0, 1));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(veths(i), 1u) << i;
}

// Without namespace IDs (older kernels, unknown namespaces) only a unique candidate is taken,
// and an end that already has its peer is no candidate.
TEST_F(VethAcrossNamespacesTest, WithoutNamespaceIdsAPairedEndIsNotTakenAgain) {
    makeSpaces(false);
    for (int i : {3, 2}) announce(i);
    EXPECT_TRUE(linked(2, 3));
    for (int i : {1, 0}) announce(i);
    EXPECT_TRUE(linked(0, 1));
    EXPECT_FALSE(linked(0, 3));
    EXPECT_FALSE(linked(1, 2));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(veths(i), 1u) << i;
}

// `Speed` is read again on each link event (a carrier change renegotiates it); unknown → absent.
TEST(NetlinkTopologySpeed, FollowsLinkEventsAndUnknownIsOmitted) {
    model::ManualClock clock{1000};
    TopologyGraph graph{"node1", clock};
    std::string host = randomId();
    ASSERT_TRUE(graph.addNode(host, Value(Object{{"Name", "node1"}, {"Type", "host"}})));
    std::int64_t speed = 0;
    NetlinkTopology::Ethtool e;
    e.speed = [&speed](const std::string&) { return speed; };
    NetlinkTopology topo{graph, host, e};
    auto apply = [&](unsigned flags) {
        ParseReport rep;
        for (const auto& ev :
             parseNetlink(testing::link(RTM_NEWLINK, 2, "eth7", flags).data(), &rep))
            topo.apply(ev);
    };
    auto meta = [&] { return graph.node(*topo.nodeId(2))->metadata.asObject(); };
    apply(IFF_BROADCAST);
    EXPECT_EQ(meta().find("Speed"), nullptr);
    speed = 1000;
    apply(IFF_BROADCAST | IFF_UP);
    ASSERT_NE(meta().find("Speed"), nullptr);
    EXPECT_EQ(*meta().find("Speed"), Value(1000));
    speed = 0;
    apply(IFF_BROADCAST);
    EXPECT_EQ(meta().find("Speed"), nullptr);
}

}  // namespace
}  // namespace skydive::agent
