#include <skydive/agent/netlink_messages.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink_wire.h"

namespace skydive::agent {
namespace wire {

std::string mac(Bytes b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i != 0) s.push_back(':');
        s.push_back(kHex[b[i] >> 4]);
        s.push_back(kHex[b[i] & 0x0f]);
    }
    return s;
}

std::string ip(Bytes b) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (b.size() == 4) return inet_ntop(AF_INET, b.data(), buf, sizeof buf) ? buf : "";
    if (b.size() == 16) return inet_ntop(AF_INET6, b.data(), buf, sizeof buf) ? buf : "";
    return "";
}

}  // namespace wire

namespace {

using wire::Bytes;

// Kind-specific IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA attribute numbers (linux/if_link.h);
// spelled out because the kernel headers name them per kind and some are newer than ours.
constexpr std::uint16_t kVlanId = 1;      // IFLA_VLAN_ID
constexpr std::uint16_t kBondMode = 1;    // IFLA_BOND_MODE
constexpr std::uint16_t kVxlanId = 1;     // IFLA_VXLAN_ID
constexpr std::uint16_t kSlaveState = 1;  // IFLA_BOND_SLAVE_*
constexpr std::uint16_t kSlaveMii = 2;
constexpr std::uint16_t kSlaveFailures = 3;
constexpr std::uint16_t kSlavePermMac = 4;
constexpr std::uint16_t kSlaveQueue = 5;
constexpr std::uint16_t kSlaveAggregator = 6;
constexpr std::uint16_t kSlaveActorState = 7;
constexpr std::uint16_t kSlavePartnerState = 8;

struct Parser {
    ParseReport& report;
    bool ok = true;

    void unknown() { ++report.unknown_attributes; }
    template <typename T>
    void get(Bytes b, T& out) {
        if (!wire::read(b, out)) ok = false;
    }
    void walk(Bytes b, auto&& fn) {
        if (!wire::forEachAttr(b, fn)) ok = false;
    }

    void infoData(Bytes b, LinkInfo& l) {
        walk(b, [&](std::uint16_t t, Bytes p) {
            if (l.kind == "vlan" && t == kVlanId) {
                get(p, l.vlan_id.emplace());
            } else if (l.kind == "bond" && t == kBondMode) {
                get(p, l.bond_mode.emplace());
            } else if (l.kind == "vxlan" && t == kVxlanId) {
                get(p, l.vxlan_id.emplace());
            }
        });
    }

    void slaveData(Bytes b, LinkInfo& l) {
        if (l.slave_kind != "bond") return;
        l.bond_slave = BondSlaveInfo{};  // emplace() trips clang 14 here
        auto& s = *l.bond_slave;
        walk(b, [&](std::uint16_t t, Bytes p) {
            switch (t) {
                case kSlaveState: get(p, s.state); break;
                case kSlaveMii: get(p, s.mii_status); break;
                case kSlaveFailures: get(p, s.link_failure_count); break;
                case kSlavePermMac: s.perm_mac = wire::mac(p); break;
                case kSlaveQueue: get(p, s.queue_id); break;
                case kSlaveAggregator: get(p, s.aggregator_id); break;
                case kSlaveActorState: get(p, s.actor_oper_port_state); break;
                case kSlavePartnerState: get(p, s.partner_oper_port_state); break;
                default: unknown();
            }
        });
    }

    void linkInfo(Bytes b, LinkInfo& l) {
        // INFO_KIND precedes INFO_DATA in kernel output, but do not rely on it.
        Bytes data;
        Bytes slave;
        walk(b, [&](std::uint16_t t, Bytes p) {
            switch (t) {
                case IFLA_INFO_KIND: l.kind = wire::str(p); break;
                case IFLA_INFO_SLAVE_KIND: l.slave_kind = wire::str(p); break;
                case IFLA_INFO_DATA: data = p; break;
                case IFLA_INFO_SLAVE_DATA: slave = p; break;
                default: break;
            }
        });
        if (!data.empty()) infoData(data, l);
        if (!slave.empty()) slaveData(slave, l);
    }

    void link(Bytes body, LinkInfo& l) {
        ifinfomsg ifi{};
        if (!wire::read(body, ifi)) {
            ok = false;
            return;
        }
        l.index = ifi.ifi_index;
        l.arp_type = ifi.ifi_type;
        l.flags = ifi.ifi_flags;
        walk(body.subspan(NLMSG_ALIGN(sizeof ifi) <= body.size() ? NLMSG_ALIGN(sizeof ifi)
                                                                 : body.size()),
             [&](std::uint16_t t, Bytes p) {
                 switch (t) {
                     case IFLA_IFNAME: l.name = wire::str(p); break;
                     case IFLA_MTU: get(p, l.mtu); break;
                     case IFLA_ADDRESS: l.mac = wire::mac(p); break;
                     case IFLA_OPERSTATE: get(p, l.operstate); break;
                     case IFLA_MASTER: get(p, l.master); break;
                     case IFLA_LINK: get(p, l.link); break;
                     case IFLA_LINK_NETNSID: get(p, l.link_netnsid.emplace()); break;
                     case IFLA_LINKINFO: linkInfo(p, l); break;
                     case IFLA_STATS64: {
                         auto& st = l.stats.emplace();
                         if (p.size() < sizeof st) {
                             ok = false;
                             break;
                         }
                         std::memcpy(st.data(), p.data(), sizeof st);
                         break;
                     }
                     case IFLA_STATS: break;  // the 32-bit copy of IFLA_STATS64
                     default: unknown();
                 }
             });
        if (l.name.empty()) fail("link without IFLA_IFNAME");
    }

    void addr(Bytes body, AddrInfo& a) {
        ifaddrmsg ifa{};
        if (!wire::read(body, ifa)) {
            ok = false;
            return;
        }
        a.index = static_cast<std::int32_t>(ifa.ifa_index);
        a.family = ifa.ifa_family;
        a.prefix_len = ifa.ifa_prefixlen;
        std::string address;
        std::string local;
        walk(body.subspan(NLMSG_ALIGN(sizeof ifa)), [&](std::uint16_t t, Bytes p) {
            switch (t) {
                case IFA_ADDRESS: address = wire::ip(p); break;
                case IFA_LOCAL: local = wire::ip(p); break;
                default: unknown();
            }
        });
        // On point-to-point IPv4 links IFA_ADDRESS is the peer; IFA_LOCAL is ours.
        a.ip = local.empty() ? address : local;
        if (a.ip.empty()) fail("address without IFA_ADDRESS");
    }

    void nextHops(Bytes b, RouteInfo& r) {
        std::size_t off = 0;
        while (b.size() - off >= sizeof(rtnexthop)) {
            rtnexthop nh{};
            std::memcpy(&nh, b.data() + off, sizeof nh);
            if (nh.rtnh_len < sizeof nh || nh.rtnh_len > b.size() - off) {
                ok = false;
                return;
            }
            NextHop hop;
            hop.index = nh.rtnh_ifindex;
            walk(b.subspan(off + sizeof nh, nh.rtnh_len - sizeof nh),
                 [&](std::uint16_t t, Bytes p) {
                     if (t == RTA_GATEWAY) hop.gateway = wire::ip(p);
                 });
            r.next_hops.push_back(std::move(hop));
            off += wire::align4(nh.rtnh_len);
            if (off >= b.size()) break;
        }
    }

    void route(Bytes body, RouteInfo& r) {
        rtmsg rtm{};
        if (!wire::read(body, rtm)) {
            ok = false;
            return;
        }
        r.family = rtm.rtm_family;
        r.table = rtm.rtm_table;
        r.protocol = rtm.rtm_protocol;
        r.type = rtm.rtm_type;
        std::string dst;
        NextHop single;
        bool multipath = false;
        walk(body.subspan(NLMSG_ALIGN(sizeof rtm)), [&](std::uint16_t t, Bytes p) {
            switch (t) {
                case RTA_DST: dst = wire::ip(p); break;
                case RTA_GATEWAY: single.gateway = wire::ip(p); break;
                case RTA_OIF: get(p, single.index); break;
                case RTA_PRIORITY: get(p, r.priority); break;
                case RTA_TABLE: get(p, r.table); break;
                case RTA_PREFSRC: r.src = wire::ip(p); break;
                case RTA_MULTIPATH:
                    multipath = true;
                    nextHops(p, r);
                    break;
                default: unknown();
            }
        });
        if (dst.empty()) dst = rtm.rtm_family == AF_INET6 ? "::" : "0.0.0.0";
        r.prefix = dst + "/" + std::to_string(rtm.rtm_dst_len);
        if (!multipath) r.next_hops.push_back(std::move(single));
    }

    void neigh(Bytes body, NeighInfo& n) {
        ndmsg ndm{};
        if (!wire::read(body, ndm)) {
            ok = false;
            return;
        }
        n.family = ndm.ndm_family;
        n.index = ndm.ndm_ifindex;
        n.state = ndm.ndm_state;
        n.flags = ndm.ndm_flags;
        walk(body.subspan(NLMSG_ALIGN(sizeof ndm)), [&](std::uint16_t t, Bytes p) {
            switch (t) {
                case NDA_DST: n.ip = wire::ip(p); break;
                case NDA_LLADDR: n.mac = wire::mac(p); break;
                case NDA_VLAN: get(p, n.vlan); break;
                case NDA_VNI: get(p, n.vni); break;
                default: unknown();
            }
        });
    }

    void fail(std::string why) {
        ok = false;
        report.last_error = std::move(why);
    }
};

template <typename T>
void parseBody(Parser& p, NetlinkEvent& ev, Bytes body, void (Parser::*fn)(Bytes, T&)) {
    T info;
    (p.*fn)(body, info);
    ev.data = std::move(info);
}

}  // namespace

std::vector<NetlinkEvent> parseNetlink(std::span<const std::uint8_t> bytes, ParseReport* report) {
    ParseReport local;
    ParseReport& rep = report != nullptr ? *report : local;
    std::vector<NetlinkEvent> out;
    std::size_t off = 0;
    while (bytes.size() - off >= sizeof(nlmsghdr)) {
        nlmsghdr h{};
        std::memcpy(&h, bytes.data() + off, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > bytes.size() - off) {
            ++rep.malformed;
            rep.last_error = "truncated netlink message";
            return out;  // the rest of the datagram cannot be framed
        }
        Bytes body = bytes.subspan(off + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
        off += NLMSG_ALIGN(h.nlmsg_len);
        if (off > bytes.size()) off = bytes.size();

        NetlinkEvent ev;
        ev.seq = h.nlmsg_seq;
        Parser p{rep};
        switch (h.nlmsg_type) {
            case NLMSG_DONE: ev.kind = NetlinkEventKind::Done; break;
            case NLMSG_ERROR: {
                nlmsgerr e{};
                if (!wire::read(body, e)) {
                    p.fail("truncated NLMSG_ERROR");
                    break;
                }
                if (e.error == 0) continue;  // an ACK
                ev.kind = NetlinkEventKind::Error;
                ev.error = -e.error;
                break;
            }
            case RTM_NEWLINK:
            case RTM_DELLINK:
                ev.kind = h.nlmsg_type == RTM_NEWLINK ? NetlinkEventKind::NewLink
                                                      : NetlinkEventKind::DelLink;
                parseBody(p, ev, body, &Parser::link);
                break;
            case RTM_NEWADDR:
            case RTM_DELADDR:
                ev.kind = h.nlmsg_type == RTM_NEWADDR ? NetlinkEventKind::NewAddr
                                                      : NetlinkEventKind::DelAddr;
                parseBody(p, ev, body, &Parser::addr);
                break;
            case RTM_NEWROUTE:
            case RTM_DELROUTE:
                ev.kind = h.nlmsg_type == RTM_NEWROUTE ? NetlinkEventKind::NewRoute
                                                       : NetlinkEventKind::DelRoute;
                parseBody(p, ev, body, &Parser::route);
                break;
            case RTM_NEWNEIGH:
            case RTM_DELNEIGH:
                ev.kind = h.nlmsg_type == RTM_NEWNEIGH ? NetlinkEventKind::NewNeigh
                                                       : NetlinkEventKind::DelNeigh;
                parseBody(p, ev, body, &Parser::neigh);
                break;
            default: ++rep.ignored_messages; continue;
        }
        if (!p.ok) {
            ++rep.malformed;
            if (rep.last_error.empty()) rep.last_error = "truncated netlink attribute";
            continue;
        }
        out.push_back(std::move(ev));
    }
    return out;
}

}  // namespace skydive::agent
