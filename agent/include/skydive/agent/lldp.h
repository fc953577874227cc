#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::agent {

inline constexpr std::uint16_t kEtherTypeLldp = 0x88cc;

/// What one LLDPDU says about the neighbour (IEEE 802.1AB TLVs plus the 802.1 and 802.3
/// organisational ones that spec §7 maps to metadata).
struct LldpNeighbor {
    struct VlanName {
        std::uint16_t id = 0;
        std::string name;
    };
    struct Ppvid {
        bool enabled = false;
        bool supported = false;
        std::uint16_t id = 0;
    };
    struct LinkAggregation {
        bool enabled = false;
        bool supported = false;
        std::uint32_t port_id = 0;
    };
    std::string chassis_id;       ///< MAC "aa:bb:..", IP text, or the raw bytes as text
    std::string chassis_id_type;  ///< subtype name, e.g. "MAC Address"
    std::string port_id;
    std::string port_id_type;  ///< e.g. "Interface Name"
    std::uint16_t ttl = 0;
    std::string port_description;
    std::string sys_name;
    std::string sys_description;
    std::string mgmt_address;  ///< the first management address, as text
    std::optional<std::uint16_t> pvid;
    std::optional<std::uint32_t> vid_usage_digest;
    std::optional<std::uint16_t> management_vid;
    std::vector<VlanName> vlan_names;
    std::vector<Ppvid> ppvids;
    std::optional<LinkAggregation> link_aggregation;
    std::optional<std::uint16_t> mtu;  ///< 802.3 maximum frame size
};

/// Parses an Ethernet frame carrying an LLDPDU (ethertype 0x88cc, optionally 802.1Q-tagged).
/// InvalidArgument when it is not LLDP, truncated, or lacks the mandatory Chassis ID, Port ID
/// and TTL TLVs in that order. Unknown TLVs are skipped.
model::Result<LldpNeighbor> parseLldpFrame(std::span<const std::uint8_t> frame);

/// Upstream's chassis ID (spec §1.2): GenID over [SysName,"SysName"] and [MgmtAddress,
/// "MgmtAddress"] when present, else [ChassisID, ChassisIDType].
std::string lldpChassisNodeId(const LldpNeighbor& n);
/// GenID(chassis node ID, PortID, PortIDType).
std::string lldpPortNodeId(const std::string& chassis_node_id, const LldpNeighbor& n);
/// `{Type:"switch", Probe:"lldp", Name, LLDP{ChassisID, ChassisIDType, SysName, Description,
/// MgmtAddress}}` (empty strings omitted).
model::Value lldpChassisMetadata(const LldpNeighbor& n);
/// `{Type:"switchport", Probe:"lldp", Name, MTU, LLDP{PortID, PortIDType, Description, PVID,
/// VIDUsageDigest, ManagementVID, VLANNames, PPVIDs, LinkAgggregation}}` (sic, spec §7).
model::Value lldpPortMetadata(const LldpNeighbor& n);

/// Puts the neighbour into the graph: chassis and port nodes (created or updated), chassis →
/// port `ownership` and `layer2`, port → `local_node_id` `layer2`. Returns the port node ID.
std::string applyLldpNeighbor(TopologyGraph& graph, const std::string& local_node_id,
                              const LldpNeighbor& n);

}  // namespace skydive::agent
