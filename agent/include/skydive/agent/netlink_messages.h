#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace skydive::agent {

/// IFLA_INFO_SLAVE_DATA of a bond member.
struct BondSlaveInfo {
    std::uint8_t state = 0;
    std::uint8_t mii_status = 0;
    std::uint32_t link_failure_count = 0;
    std::string perm_mac;
    std::uint16_t queue_id = 0;
    std::uint16_t aggregator_id = 0;
    std::uint8_t actor_oper_port_state = 0;
    std::uint16_t partner_oper_port_state = 0;
    friend bool operator==(const BondSlaveInfo&, const BondSlaveInfo&) = default;
};

/// A link as RTM_NEWLINK/RTM_DELLINK describe it; only what the netlink probe publishes.
struct LinkInfo {
    std::int32_t index = 0;
    std::uint16_t arp_type = 0;  ///< ifi_type (ARPHRD_*)
    std::uint32_t flags = 0;     ///< ifi_flags (IFF_*)
    std::string name;
    std::string kind;        ///< IFLA_INFO_KIND ("" for plain devices)
    std::string slave_kind;  ///< IFLA_INFO_SLAVE_KIND
    std::uint32_t mtu = 0;
    std::string mac;  ///< "aa:bb:..", "" when absent
    std::uint8_t operstate = 0;
    std::int32_t master = 0;  ///< IFLA_MASTER
    std::int32_t link = 0;    ///< IFLA_LINK (parent, or the veth peer)
    std::optional<std::int32_t> link_netnsid;
    std::optional<std::uint16_t> vlan_id;
    std::optional<std::uint8_t> bond_mode;
    std::optional<std::uint32_t> vxlan_id;
    using BondSlave = BondSlaveInfo;
    std::optional<BondSlave> bond_slave;
    /// IFLA_STATS64 counters in `rtnl_link_stats64` order (first kStatsCount fields).
    static constexpr std::size_t kStatsCount = 23;
    std::optional<std::array<std::uint64_t, kStatsCount>> stats;
    friend bool operator==(const LinkInfo&, const LinkInfo&) = default;
};

struct AddrInfo {
    std::int32_t index = 0;
    std::uint8_t family = 0;
    std::uint8_t prefix_len = 0;
    std::string ip;  ///< textual address, no prefix
    friend bool operator==(const AddrInfo&, const AddrInfo&) = default;
};

struct NextHop {
    std::string gateway;  ///< "" when directly connected
    std::int32_t index = 0;
    friend bool operator==(const NextHop&, const NextHop&) = default;
};

struct RouteInfo {
    std::uint8_t family = 0;
    std::uint32_t table = 0;
    std::uint8_t protocol = 0;
    std::uint8_t type = 0;
    std::string prefix;  ///< "10.0.0.0/24"; default routes "0.0.0.0/0" / "::/0"
    std::string src;     ///< RTA_PREFSRC
    std::uint32_t priority = 0;
    std::vector<NextHop> next_hops;
    friend bool operator==(const RouteInfo&, const RouteInfo&) = default;
};

struct NeighInfo {
    std::uint8_t family = 0;  ///< AF_INET/AF_INET6 (Neighbors) or AF_BRIDGE (FDB)
    std::int32_t index = 0;
    std::uint16_t state = 0;  ///< NUD_*
    std::uint8_t flags = 0;   ///< NTF_*
    std::string ip;
    std::string mac;
    std::uint16_t vlan = 0;
    std::uint32_t vni = 0;
    friend bool operator==(const NeighInfo&, const NeighInfo&) = default;
};

enum class NetlinkEventKind : std::uint8_t {
    NewLink,
    DelLink,
    NewAddr,
    DelAddr,
    NewRoute,
    DelRoute,
    NewNeigh,
    DelNeigh,
    Done,   ///< NLMSG_DONE: end of a dump
    Error,  ///< NLMSG_ERROR with a non-zero errno (in `error`)
};

struct NetlinkEvent {
    NetlinkEventKind kind = NetlinkEventKind::Done;
    std::variant<std::monostate, LinkInfo, AddrInfo, RouteInfo, NeighInfo> data;
    int error = 0;          ///< positive errno for Error
    std::uint32_t seq = 0;  ///< nlmsg_seq
};

/// What parsing skipped: messages of other types, attributes it does not know, and malformed
/// input (truncated headers or attributes). Malformed messages are dropped whole.
struct ParseReport {
    std::size_t ignored_messages = 0;
    std::size_t unknown_attributes = 0;
    std::size_t malformed = 0;
    std::string last_error;
};

/// Parses one datagram read from a NETLINK_ROUTE socket (one or more nlmsghdr). Never reads
/// outside `bytes`; bad input is counted in `report` and skipped.
std::vector<NetlinkEvent> parseNetlink(std::span<const std::uint8_t> bytes,
                                       ParseReport* report = nullptr);

}  // namespace skydive::agent
