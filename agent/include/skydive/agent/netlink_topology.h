#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <skydive/agent/netlink_messages.h>
#include <skydive/agent/topology_graph.h>

namespace skydive::agent {

/// The interfaces of one network namespace as graph nodes (spec §7 netlink): applies parsed
/// netlink events to the graph, owns one node per link under `root_id` (the host node or a netns
/// node), and keeps the layer2 edges (master → member, vlan parent → vlan, veth peers, also
/// across namespaces) up to date. Not thread-safe: one namespace thread drives it.
class NetlinkTopology {
public:
    /// ethtool queries in the namespace of the links (absent members: not available).
    struct Ethtool {
        /// Driver name ("" when unknown).
        std::function<std::string(const std::string& ifname)> driver;
        /// The veth `peer_ifindex` statistic (0 when unknown). The kernel announces the first
        /// end of a veth pair before the pair is complete (IFLA_LINK = 0); ethtool runs under
        /// the rtnl lock, so it sees the finished pair.
        std::function<std::int32_t(const std::string& ifname)> peer_index;
        /// Physical-like interfaces (no link kind) only: `BusInfo` (empty when none) and
        /// `Features` ({name: active}) from ethtool.
        std::function<std::pair<std::string, model::Value>(const std::string& ifname)> details;
        /// Link speed in Mb/s (0 when unknown: no carrier, or a driver without one).
        std::function<std::int64_t(const std::string& ifname)> speed;
    };

    /// Where a veth's peer lives when it is not in this namespace (absent members: unknown).
    struct PeerNamespace {
        /// The link's IFLA_LINK_NETNSID asked again: the kernel announces the first end of a
        /// pair before the pair is complete, without it (nullopt: peer in this namespace).
        std::function<std::optional<std::int32_t>(std::int32_t ifindex)> link_netnsid;
        /// The graph root (host node or netns node ID) of the namespace that `nsid` names from
        /// this namespace; nullopt when no known namespace has that ID. Called under the graph
        /// lock on each publication of a veth: answer from a cache when possible.
        std::function<std::optional<std::string>(std::int32_t nsid)> root;
    };

    NetlinkTopology(TopologyGraph& graph, std::string root_id, Ethtool ethtool = {},
                    PeerNamespace peer_namespace = {});
    ~NetlinkTopology();
    NetlinkTopology(const NetlinkTopology&) = delete;
    NetlinkTopology& operator=(const NetlinkTopology&) = delete;

    void apply(const NetlinkEvent& event);
    /// Removes every node this namespace published (namespace gone or probe stopped).
    void clear();
    /// Forgets links/addresses/routes/neighbours not confirmed since beginResync(), after a
    /// fresh dump (used when the event socket overflowed).
    void beginResync();
    void endResync();

    /// Publishes `Metric` (counters at `now`) and, for links whose counters moved since the last
    /// call, `LastUpdateMetric` (the difference, Start/Last = previous/current call), spec §3.6.
    /// Counters come from the latest IFLA_STATS64 seen (the probe dumps links before calling).
    void updateMetrics(model::Time now);

    std::optional<std::string> nodeId(std::int32_t ifindex) const;
    const std::string& rootId() const { return root_id_; }

private:
    struct Intf {
        std::string node_id;
        LinkInfo link;
        std::string driver;
        std::string bus_info;
        model::Value features;
        std::int64_t speed = 0;
        std::string master_edge;
        std::string vlan_edge;
        bool seen = true;
        std::optional<std::array<std::uint64_t, LinkInfo::kStatsCount>> published_stats;
        model::Time published_at = 0;
        model::Value metric;
        model::Value last_update_metric;
    };
    using RouteKey = std::tuple<std::uint8_t, std::uint32_t, std::string, std::uint32_t>;
    using NeighKey = std::tuple<std::uint8_t, std::int32_t, std::string, std::string>;

    void upsertLink(const LinkInfo& link);
    void deleteLink(std::int32_t index);
    void publish(std::int32_t index);
    void relink(std::int32_t index);
    void linkVeth(Intf& intf);
    bool pairedElsewhere(std::string_view id, const Intf& intf) const;
    model::Value metadataOf(const Intf& intf) const;
    static model::Value mergeForeign(const Node& current, model::Value fresh);
    void touchIndexes(const std::vector<NextHop>& hops);

    TopologyGraph& graph_;
    std::string root_id_;
    Ethtool ethtool_;
    PeerNamespace peer_namespace_;
    std::map<std::int32_t, Intf> links_;
    std::map<std::int32_t, std::map<std::string, AddrInfo>> addrs_;
    std::map<RouteKey, RouteInfo> routes_;
    std::map<NeighKey, NeighInfo> neighs_;
    bool resyncing_ = false;
};

}  // namespace skydive::agent
