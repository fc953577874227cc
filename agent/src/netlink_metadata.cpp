// Builds the metadata of an interface node (spec §1.5 / §7 netlink) from the link and the
// addresses, routes and neighbours known for it.
#include <skydive/agent/netlink_topology.h>

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <sys/socket.h>

#include <array>
#include <utility>

namespace skydive::agent {

using model::List;
using model::Object;
using model::Value;

namespace {

std::string_view operState(std::uint8_t s) {
    static constexpr std::array<std::string_view, 7> kNames = {
        "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
    return s < kNames.size() ? kNames[s] : "UNKNOWN";
}

std::string_view encapType(std::uint16_t arp) {
    switch (arp) {
        case ARPHRD_ETHER: return "ether";
        case ARPHRD_LOOPBACK: return "loopback";
        case ARPHRD_NONE: return "none";
        case ARPHRD_VOID: return "void";
        case ARPHRD_TUNNEL: return "tunnel";
        case ARPHRD_TUNNEL6: return "tunnel6";
        case ARPHRD_SIT: return "sit";
        case ARPHRD_IPGRE: return "ipgre";
        case ARPHRD_IP6GRE: return "ip6gre";
        case ARPHRD_PPP: return "ppp";
        case ARPHRD_INFINIBAND: return "infiniband";
        case ARPHRD_NETLINK: return "netlink";
        default: return "generic";
    }
}

List linkFlags(std::uint32_t f) {
    List l;
    static constexpr std::pair<std::uint32_t, std::string_view> kFlags[] = {
        {IFF_UP, "UP"},
        {IFF_BROADCAST, "BROADCAST"},
        {IFF_LOOPBACK, "LOOPBACK"},
        {IFF_POINTOPOINT, "POINTTOPOINT"},
        {IFF_MULTICAST, "MULTICAST"}};
    for (auto [bit, name] : kFlags) {
        if ((f & bit) != 0) l.emplace_back(name);
    }
    return l;
}

std::string_view bondMode(std::uint8_t m) {
    static constexpr std::array<std::string_view, 7> kModes = {
        "balance-rr", "active-backup", "balance-xor", "broadcast",
        "802.3ad",    "balance-tlb",   "balance-alb"};
    return m < kModes.size() ? kModes[m] : "unknown";
}

Value bondSlave(const LinkInfo::BondSlave& s) {
    Object o{{"Type", "bond"},
             {"State", s.state == 0 ? "ACTIVE" : "BACKUP"},
             {"MiiStatus", s.mii_status == 0 ? "UP" : "DOWN"},
             {"LinkFailureCount", static_cast<long long>(s.link_failure_count)},
             {"QueueId", static_cast<int>(s.queue_id)},
             {"AggregatorId", static_cast<int>(s.aggregator_id)},
             {"AdActorOperPortState", static_cast<int>(s.actor_oper_port_state)},
             {"AdPartnerOperPortState", static_cast<int>(s.partner_oper_port_state)}};
    if (!s.perm_mac.empty()) o.set("PermMAC", s.perm_mac);
    return Value(std::move(o));
}

List neighStates(std::uint16_t s) {
    static constexpr std::pair<std::uint16_t, std::string_view> kStates[] = {
        {NUD_INCOMPLETE, "INCOMPLETE"}, {NUD_REACHABLE, "REACHABLE"}, {NUD_STALE, "STALE"},
        {NUD_DELAY, "DELAY"},           {NUD_PROBE, "PROBE"},         {NUD_FAILED, "FAILED"},
        {NUD_NOARP, "NOARP"},           {NUD_PERMANENT, "PERMANENT"}};
    List l;
    for (auto [bit, name] : kStates) {
        if ((s & bit) != 0) l.emplace_back(name);
    }
    return l;
}

List neighFlags(std::uint8_t f) {
    static constexpr std::pair<std::uint8_t, std::string_view> kFlags[] = {{NTF_USE, "USE"},
                                                                           {NTF_SELF, "SELF"},
                                                                           {NTF_MASTER, "MASTER"},
                                                                           {NTF_PROXY, "PROXY"},
                                                                           {NTF_ROUTER, "ROUTER"}};
    List l;
    for (auto [bit, name] : kFlags) {
        if ((f & bit) != 0) l.emplace_back(name);
    }
    return l;
}

Value neighEntry(const NeighInfo& n) {
    Object o{{"Flags", neighFlags(n.flags)}, {"State", neighStates(n.state)}, {"IfIndex", n.index}};
    if (!n.mac.empty()) o.set("MAC", n.mac);
    if (!n.ip.empty()) o.set("IP", n.ip);
    if (n.vlan != 0) o.set("Vlan", static_cast<int>(n.vlan));
    if (n.vni != 0) o.set("VNI", static_cast<long long>(n.vni));
    return Value(std::move(o));
}

}  // namespace

namespace {

// rtnl_link_stats64 field order → spec §3.6 names ("" = not published).
constexpr std::array<std::string_view, LinkInfo::kStatsCount> kStatNames = {
    "RxPackets",      "TxPackets",       "RxBytes",         "TxBytes",       "RxErrors",
    "TxErrors",       "RxDropped",       "TxDropped",       "Multicast",     "Collisions",
    "RxLengthErrors", "RxOverErrors",    "RxCrcErrors",     "RxFrameErrors", "RxFifoErrors",
    "RxMissedErrors", "TxAbortedErrors", "TxCarrierErrors", "TxFifoErrors",  "TxHeartbeatErrors",
    "TxWindowErrors", "RxCompressed",    "TxCompressed"};

// Counters omitted when 0 (spec §3.6).
Value metricObject(const std::array<std::uint64_t, LinkInfo::kStatsCount>& c, model::Time start,
                   model::Time last) {
    Object o;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i] != 0) o.set(kStatNames[i], static_cast<long long>(c[i]));
    }
    o.set("Start", start);
    o.set("Last", last);
    return Value(std::move(o));
}

}  // namespace

void NetlinkTopology::updateMetrics(model::Time now) {
    for (auto& [index, intf] : links_) {
        if (!intf.link.stats) continue;
        const auto& cur = *intf.link.stats;
        if (intf.published_stats) {
            std::array<std::uint64_t, LinkInfo::kStatsCount> diff{};
            bool moved = false;
            for (std::size_t i = 0; i < cur.size(); ++i) {
                diff[i] = cur[i] >= (*intf.published_stats)[i] ? cur[i] - (*intf.published_stats)[i]
                                                               : cur[i];
                moved = moved || diff[i] != 0;
            }
            if (moved) intf.last_update_metric = metricObject(diff, intf.published_at, now);
        }
        if (!intf.published_stats || *intf.published_stats != cur) {
            intf.metric = metricObject(cur, 0, now);
            intf.metric.mutableObject().erase("Start");
            intf.published_stats = cur;
            intf.published_at = now;
            publish(index);
        }
    }
}

model::Value NetlinkTopology::metadataOf(const Intf& intf) const {
    const LinkInfo& l = intf.link;
    bool is_veth = l.kind == "veth" || intf.driver == "veth";
    std::string type = is_veth ? "veth" : (l.kind.empty() ? "device" : l.kind);
    std::string driver = intf.driver.empty() && l.kind == "bridge" ? "bridge" : intf.driver;

    Object o{{"Name", l.name},
             {"Type", type},
             {"EncapType", encapType(l.arp_type)},
             {"IfIndex", l.index},
             {"State", operState(l.operstate)},
             {"LinkFlags", linkFlags(l.flags)}};
    if (!driver.empty()) o.set("Driver", driver);
    if (!intf.bus_info.empty()) o.set("BusInfo", intf.bus_info);
    if (intf.features.isObject() && !intf.features.asObject().empty())
        o.set("Features", intf.features);
    if (intf.speed > 0) o.set("Speed", static_cast<long long>(intf.speed));
    if (l.mtu != 0) o.set("MTU", static_cast<long long>(l.mtu));
    if (!l.mac.empty()) o.set("MAC", l.mac);
    if (l.master != 0) o.set("MasterIndex", l.master);
    // Indexes are per namespace: a veth peer elsewhere may have our own index.
    if (is_veth && l.link != 0) o.set("PeerIfIndex", l.link);
    if (!is_veth && l.link != 0 && l.link != l.index) o.set("ParentIndex", l.link);
    if (l.link_netnsid) o.set("LinkNetNsID", *l.link_netnsid);
    if (l.vlan_id) o.set("Vlan", static_cast<int>(*l.vlan_id));
    if (l.vxlan_id) o.set("VNI", static_cast<long long>(*l.vxlan_id));
    if (l.bond_mode) o.set("BondMode", bondMode(*l.bond_mode));
    if (l.bond_slave) o.set("BondSlave", bondSlave(*l.bond_slave));

    if (auto a = addrs_.find(l.index); a != addrs_.end()) {
        List v4;
        List v6;
        for (const auto& [cidr, addr] : a->second)
            (addr.family == AF_INET6 ? v6 : v4).emplace_back(cidr);
        if (!v4.empty()) o.set("IPV4", std::move(v4));
        if (!v6.empty()) o.set("IPV6", std::move(v6));
    }

    std::map<std::uint32_t, std::pair<std::string, List>> tables;
    for (const auto& [key, r] : routes_) {
        for (const auto& h : r.next_hops) {
            if (h.index != l.index) continue;
            auto& [src, routes] = tables[r.table];
            if (src.empty()) src = r.src;
            List hops;
            for (const auto& hop : r.next_hops) {
                Object nh{{"Priority", static_cast<long long>(r.priority)}, {"IfIndex", hop.index}};
                if (!hop.gateway.empty()) nh.set("IP", hop.gateway);
                hops.emplace_back(std::move(nh));
            }
            routes.emplace_back(Object{{"Protocol", static_cast<int>(r.protocol)},
                                       {"Prefix", r.prefix},
                                       {"NextHops", std::move(hops)}});
            break;
        }
    }
    if (!tables.empty()) {
        List rt;
        for (auto& [id, t] : tables) {
            Object table{{"ID", static_cast<long long>(id)}, {"Routes", std::move(t.second)}};
            if (!t.first.empty()) table.set("Src", t.first);
            rt.emplace_back(std::move(table));
        }
        o.set("RoutingTables", std::move(rt));
    }

    if (!intf.metric.isNull()) o.set("Metric", intf.metric);
    if (!intf.last_update_metric.isNull()) o.set("LastUpdateMetric", intf.last_update_metric);

    List neighbors;
    List fdb;
    for (const auto& [key, n] : neighs_) {
        if (n.index != l.index) continue;
        (n.family == AF_BRIDGE ? fdb : neighbors).push_back(neighEntry(n));
    }
    if (!neighbors.empty()) o.set("Neighbors", std::move(neighbors));
    if (!fdb.empty()) o.set("FDB", std::move(fdb));
    return Value(std::move(o));
}

}  // namespace skydive::agent
