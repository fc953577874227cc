#include <skydive/agent/netlink_messages.h>

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/neighbour.h>

#include <gtest/gtest.h>

#include "netlink_builder.h"

namespace skydive::agent {
namespace {

using testing::concat;
using testing::link;
using testing::NlMsg;

const std::vector<std::uint8_t> kMac = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

TEST(NetlinkParser, VethWithPeerInAnotherNamespace) {
    auto m = link(RTM_NEWLINK, 7, "veth0", IFF_UP | IFF_BROADCAST | IFF_MULTICAST);
    m.bytes(IFLA_ADDRESS, kMac).u32(IFLA_LINK, 8).u32(IFLA_LINK_NETNSID, 3);
    m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
    ParseReport rep;
    auto evs = parseNetlink(m.data(), &rep);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].kind, NetlinkEventKind::NewLink);
    const auto& l = std::get<LinkInfo>(evs[0].data);
    EXPECT_EQ(l.index, 7);
    EXPECT_EQ(l.name, "veth0");
    EXPECT_EQ(l.kind, "veth");
    EXPECT_EQ(l.mac, "02:42:ac:11:00:02");
    EXPECT_EQ(l.mtu, 1500u);
    EXPECT_EQ(l.operstate, 6);
    EXPECT_EQ(l.link, 8);
    EXPECT_EQ(l.link_netnsid, 3);
    EXPECT_EQ(rep.malformed, 0u);
}

// Link kinds this kernel cannot create: vlan (id in INFO_DATA), bond with a slave, dummy.
TEST(NetlinkParser, VlanBondDummy) {
    auto vlan = link(RTM_NEWLINK, 10, "eth0.100", IFF_UP);
    vlan.u32(IFLA_LINK, 2).begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "vlan");
    vlan.begin(IFLA_INFO_DATA).u16(1 /*IFLA_VLAN_ID*/, 100).end().end();
    auto bond = link(RTM_NEWLINK, 11, "bond0", IFF_UP | IFF_MASTER);
    bond.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bond");
    bond.begin(IFLA_INFO_DATA).u8(1 /*IFLA_BOND_MODE*/, 4).end().end();
    auto slave = link(RTM_NEWLINK, 12, "eth1", IFF_UP | IFF_SLAVE);
    slave.u32(IFLA_MASTER, 11).begin(IFLA_LINKINFO).str(IFLA_INFO_SLAVE_KIND, "bond");
    slave.begin(IFLA_INFO_SLAVE_DATA).u8(1, 1).u8(2, 0).u32(3, 4).bytes(4, kMac).u16(5, 0);
    slave.end().end();
    auto dummy = link(RTM_NEWLINK, 13, "dummy0", 0, 2);
    dummy.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "dummy").end();

    auto evs = parseNetlink(concat({vlan.data(), bond.data(), slave.data(), dummy.data()}));
    ASSERT_EQ(evs.size(), 4u);
    const auto& v = std::get<LinkInfo>(evs[0].data);
    EXPECT_EQ(v.kind, "vlan");
    EXPECT_EQ(v.vlan_id, 100);
    EXPECT_EQ(v.link, 2);
    EXPECT_EQ(std::get<LinkInfo>(evs[1].data).bond_mode, 4);
    const auto& s = std::get<LinkInfo>(evs[2].data);
    EXPECT_EQ(s.master, 11);
    ASSERT_TRUE(s.bond_slave.has_value());
    EXPECT_EQ(s.bond_slave->state, 1);
    EXPECT_EQ(s.bond_slave->link_failure_count, 4u);
    EXPECT_EQ(s.bond_slave->perm_mac, "02:42:ac:11:00:02");
    EXPECT_EQ(std::get<LinkInfo>(evs[3].data).kind, "dummy");
    EXPECT_EQ(std::get<LinkInfo>(evs[3].data).operstate, 2);
}

TEST(NetlinkParser, AddressRouteNeighbour) {
    NlMsg a(RTM_NEWADDR);
    auto* ifa = a.header<ifaddrmsg>();
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index = 7;
    a.bytes(IFA_ADDRESS, {192, 0, 2, 1}).bytes(IFA_LOCAL, {192, 0, 2, 1});

    NlMsg r(RTM_NEWROUTE);
    auto* rtm = r.header<rtmsg>();
    rtm->rtm_family = AF_INET;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    r.u32(RTA_TABLE, RT_TABLE_MAIN).bytes(RTA_GATEWAY, {192, 0, 2, 254}).u32(RTA_OIF, 7);
    r.u32(RTA_PRIORITY, 100);

    NlMsg n(RTM_NEWNEIGH);
    auto* nd = n.header<ndmsg>();
    nd->ndm_family = AF_INET;
    nd->ndm_ifindex = 7;
    nd->ndm_state = NUD_REACHABLE;
    n.bytes(NDA_DST, {192, 0, 2, 2}).bytes(NDA_LLADDR, kMac);

    auto evs = parseNetlink(concat({a.data(), r.data(), n.data()}));
    ASSERT_EQ(evs.size(), 3u);
    const auto& addr = std::get<AddrInfo>(evs[0].data);
    EXPECT_EQ(addr.ip, "192.0.2.1");
    EXPECT_EQ(addr.prefix_len, 24);
    const auto& route = std::get<RouteInfo>(evs[1].data);
    EXPECT_EQ(route.prefix, "0.0.0.0/0");
    EXPECT_EQ(route.priority, 100u);
    ASSERT_EQ(route.next_hops.size(), 1u);
    EXPECT_EQ(route.next_hops[0].gateway, "192.0.2.254");
    EXPECT_EQ(route.next_hops[0].index, 7);
    const auto& neigh = std::get<NeighInfo>(evs[2].data);
    EXPECT_EQ(neigh.ip, "192.0.2.2");
    EXPECT_EQ(neigh.mac, "02:42:ac:11:00:02");
    EXPECT_EQ(neigh.state, NUD_REACHABLE);
}

TEST(NetlinkParser, UnknownAttributesAreCountedAndSkipped) {
    auto m = link(RTM_NEWLINK, 5, "br0", IFF_UP);
    m.u32(0x3ff0, 42).bytes(0x3ff1, {1, 2, 3});  // attribute numbers no kernel uses
    m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bridge").end();
    ParseReport rep;
    auto evs = parseNetlink(m.data(), &rep);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(std::get<LinkInfo>(evs[0].data).kind, "bridge");
    EXPECT_EQ(rep.unknown_attributes, 2u);
    EXPECT_EQ(rep.malformed, 0u);
}

TEST(NetlinkParser, TruncatedInputIsSkippedWithoutCrash) {
    auto good = link(RTM_NEWLINK, 5, "eth0", IFF_UP).data();
    auto bad = link(RTM_NEWLINK, 6, "eth1", IFF_UP).data();
    // Every prefix of a valid message: never a crash, never a bogus event.
    for (std::size_t n = 0; n < good.size(); ++n) {
        ParseReport rep;
        auto evs = parseNetlink(std::span(good.data(), n), &rep);
        EXPECT_TRUE(evs.empty()) << n;
    }
    // An attribute whose length runs past the message: that message is dropped, the next kept.
    bad[sizeof(nlmsghdr) + sizeof(ifinfomsg)] = 0xff;
    ParseReport rep;
    auto evs = parseNetlink(concat({bad, good}), &rep);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(std::get<LinkInfo>(evs[0].data).name, "eth0");
    EXPECT_EQ(rep.malformed, 1u);
    // A message header that claims more than the datagram holds stops the datagram.
    auto lying = good;
    lying[0] = 0xff;
    lying[1] = 0x0f;
    ParseReport rep2;
    EXPECT_TRUE(parseNetlink(lying, &rep2).empty());
    EXPECT_EQ(rep2.malformed, 1u);
}

TEST(NetlinkParser, DoneErrorAndOtherMessages) {
    NlMsg done(NLMSG_DONE);
    done.header<int>();
    NlMsg err(NLMSG_ERROR);
    err.header<nlmsgerr>()->error = -16;  // EBUSY
    NlMsg ack(NLMSG_ERROR);
    ack.header<nlmsgerr>()->error = 0;
    NlMsg other(RTM_NEWQDISC);
    other.header<tcmsg>();
    ParseReport rep;
    auto evs = parseNetlink(concat({done.data(), err.data(), ack.data(), other.data()}), &rep);
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_EQ(evs[0].kind, NetlinkEventKind::Done);
    EXPECT_EQ(evs[1].kind, NetlinkEventKind::Error);
    EXPECT_EQ(evs[1].error, 16);
    EXPECT_EQ(rep.ignored_messages, 1u);
}

}  // namespace
}  // namespace skydive::agent
