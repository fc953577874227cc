// LLDPDU parsing (IEEE 802.1AB) and its mapping to spec §7 switch/switchport nodes.
#include <skydive/agent/ids.h>
#include <skydive/agent/lldp.h>

#include <arpa/inet.h>

#include <cstdio>

namespace skydive::agent {

namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint8_t kTlvEnd = 0, kTlvChassis = 1, kTlvPort = 2, kTlvTtl = 3, kTlvPortDesc = 4,
                       kTlvSysName = 5, kTlvSysDesc = 6, kTlvMgmt = 8, kTlvOrg = 127;
constexpr std::uint32_t kOui8021 = 0x0080c2, kOui8023 = 0x00120f;

model::Error bad(std::string message) {
    return model::makeError(model::ErrorCode::InvalidArgument, "lldp: " + std::move(message));
}

std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

std::string text(Bytes b) {
    return std::string(b.begin(), b.end());
}

std::string macText(Bytes b) {
    std::string out;
    char hex[4];
    for (std::size_t i = 0; i < b.size(); ++i) {
        std::snprintf(hex, sizeof hex, i == 0 ? "%02x" : ":%02x", b[i]);
        out += hex;
    }
    return out;
}

// An IANA address-family-prefixed address (1 = IPv4, 2 = IPv6, 6 = 802 MAC).
std::string addressText(std::uint8_t family, Bytes addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == 1 && addr.size() == 4 && inet_ntop(AF_INET, addr.data(), buf, sizeof buf))
        return buf;
    if (family == 2 && addr.size() == 16 && inet_ntop(AF_INET6, addr.data(), buf, sizeof buf))
        return buf;
    if (family == 6) return macText(addr);
    return macText(addr);
}

const char* chassisSubtypeName(std::uint8_t t) {
    switch (t) {
        case 1: return "Chassis Component";
        case 2: return "Interface Alias";
        case 3: return "Port Component";
        case 4: return "MAC Address";
        case 5: return "Network Address";
        case 6: return "Interface Name";
        case 7: return "Local";
        default: return "Reserved";
    }
}

const char* portSubtypeName(std::uint8_t t) {
    switch (t) {
        case 1: return "Interface Alias";
        case 2: return "Port Component";
        case 3: return "MAC Address";
        case 4: return "Network Address";
        case 5: return "Interface Name";
        case 6: return "Agent Circuit ID";
        case 7: return "Local";
        default: return "Reserved";
    }
}

// The ID of a Chassis or Port ID TLV as text: MACs and network addresses rendered, the
// name-like subtypes as their bytes.
std::string idText(std::uint8_t subtype, bool is_port, Bytes value) {
    bool mac = is_port ? subtype == 3 : subtype == 4;
    bool network = is_port ? subtype == 4 : subtype == 5;
    if (mac) return macText(value);
    if (network && !value.empty()) return addressText(value[0], value.subspan(1));
    return text(value);
}

void parseOrg(LldpNeighbor& n, Bytes v) {
    if (v.size() < 4) return;
    std::uint32_t oui = (std::uint32_t{v[0]} << 16) | (std::uint32_t{v[1]} << 8) | v[2];
    std::uint8_t subtype = v[3];
    Bytes d = v.subspan(4);
    auto linkAggregation = [&] {
        if (d.size() < 5) return;
        n.link_aggregation = LldpNeighbor::LinkAggregation{(d[0] & 0x02) != 0, (d[0] & 0x01) != 0,
                                                           be32(d.data() + 1)};
    };
    if (oui == kOui8021) {
        switch (subtype) {
            case 1:
                if (d.size() >= 2) n.pvid = be16(d.data());
                break;
            case 2:
                if (d.size() >= 3)
                    n.ppvids.push_back(
                        {(d[0] & 0x04) != 0, (d[0] & 0x02) != 0, be16(d.data() + 1)});
                break;
            case 3:
                if (d.size() >= 3 && d.size() >= 3u + d[2])
                    n.vlan_names.push_back({be16(d.data()), text(d.subspan(3, d[2]))});
                break;
            case 5:
                if (d.size() >= 4) n.vid_usage_digest = be32(d.data());
                break;
            case 6:
                if (d.size() >= 2) n.management_vid = be16(d.data());
                break;
            case 7: linkAggregation(); break;
            default: break;
        }
    } else if (oui == kOui8023) {
        if (subtype == 3) linkAggregation();
        if (subtype == 4 && d.size() >= 2) n.mtu = be16(d.data());
    }
}

void parseMgmt(LldpNeighbor& n, Bytes v) {
    if (!n.mgmt_address.empty() || v.size() < 2) return;
    std::size_t len = v[0];  // subtype byte + address
    if (len < 2 || v.size() < 1 + len) return;
    n.mgmt_address = addressText(v[1], v.subspan(2, len - 1));
}

}  // namespace

model::Result<LldpNeighbor> parseLldpFrame(Bytes frame) {
    if (frame.size() < 14) return bad("frame shorter than an Ethernet header");
    std::size_t off = 12;
    std::uint16_t ether_type = be16(frame.data() + off);
    if (ether_type == kEtherTypeVlan) {
        if (frame.size() < 18) return bad("truncated 802.1Q header");
        off += 4;
        ether_type = be16(frame.data() + off);
    }
    if (ether_type != kEtherTypeLldp) return bad("not an LLDP frame");
    Bytes tlvs = frame.subspan(off + 2);
    LldpNeighbor n;
    int index = 0;
    bool ended = false;
    while (!ended && tlvs.size() >= 2) {
        std::uint16_t header = be16(tlvs.data());
        std::uint8_t type = static_cast<std::uint8_t>(header >> 9);
        std::size_t len = header & 0x1ff;
        if (tlvs.size() < 2 + len) return bad("truncated TLV");
        Bytes v = tlvs.subspan(2, len);
        tlvs = tlvs.subspan(2 + len);
        // Chassis ID, Port ID and TTL must come first, in that order.
        if (index < 3 && type != index + 1) return bad("mandatory TLVs missing or out of order");
        switch (type) {
            case kTlvEnd: ended = true; break;
            case kTlvChassis:
            case kTlvPort: {
                if (v.size() < 2) return bad("empty ID TLV");
                bool is_port = type == kTlvPort;
                std::string id = idText(v[0], is_port, v.subspan(1));
                (is_port ? n.port_id : n.chassis_id) = std::move(id);
                (is_port ? n.port_id_type : n.chassis_id_type) =
                    is_port ? portSubtypeName(v[0]) : chassisSubtypeName(v[0]);
                break;
            }
            case kTlvTtl:
                if (v.size() < 2) return bad("short TTL TLV");
                n.ttl = be16(v.data());
                break;
            case kTlvPortDesc: n.port_description = text(v); break;
            case kTlvSysName: n.sys_name = text(v); break;
            case kTlvSysDesc: n.sys_description = text(v); break;
            case kTlvMgmt: parseMgmt(n, v); break;
            case kTlvOrg: parseOrg(n, v); break;
            default: break;
        }
        ++index;
    }
    if (index < 3) return bad("mandatory TLVs missing");
    return n;
}

std::string lldpChassisNodeId(const LldpNeighbor& n) {
    if (!n.sys_name.empty() && !n.mgmt_address.empty())
        return genId({n.sys_name, "SysName", n.mgmt_address, "MgmtAddress"});
    if (!n.sys_name.empty()) return genId({n.sys_name, "SysName"});
    if (!n.mgmt_address.empty()) return genId({n.mgmt_address, "MgmtAddress"});
    return genId({n.chassis_id, n.chassis_id_type});
}

std::string lldpPortNodeId(const std::string& chassis_node_id, const LldpNeighbor& n) {
    return genId({chassis_node_id, n.port_id, n.port_id_type});
}

namespace {

void setIf(model::Object& o, std::string_view key, const std::string& v) {
    if (!v.empty()) o.set(key, v);
}

}  // namespace

model::Value lldpChassisMetadata(const LldpNeighbor& n) {
    model::Value lldp = model::Value::object();
    auto& l = lldp.mutableObject();
    l.set("ChassisID", n.chassis_id);
    l.set("ChassisIDType", n.chassis_id_type);
    setIf(l, "SysName", n.sys_name);
    setIf(l, "Description", n.sys_description);
    setIf(l, "MgmtAddress", n.mgmt_address);
    model::Value md = model::Value::object();
    auto& o = md.mutableObject();
    o.set("Type", "switch");
    o.set("Probe", "lldp");
    o.set("Name", n.sys_name.empty() ? n.chassis_id : n.sys_name);
    o.set("LLDP", std::move(lldp));
    return md;
}

model::Value lldpPortMetadata(const LldpNeighbor& n) {
    model::Value lldp = model::Value::object();
    auto& l = lldp.mutableObject();
    l.set("PortID", n.port_id);
    l.set("PortIDType", n.port_id_type);
    setIf(l, "Description", n.port_description);
    if (n.pvid) l.set("PVID", static_cast<long long>(*n.pvid));
    if (n.vid_usage_digest) l.set("VIDUsageDigest", static_cast<long long>(*n.vid_usage_digest));
    if (n.management_vid) l.set("ManagementVID", static_cast<long long>(*n.management_vid));
    if (!n.vlan_names.empty()) {
        model::List names;
        for (const auto& v : n.vlan_names) {
            model::Value e = model::Value::object();
            e.mutableObject().set("ID", static_cast<long long>(v.id));
            e.mutableObject().set("Name", v.name);
            names.push_back(std::move(e));
        }
        l.set("VLANNames", model::Value(std::move(names)));
    }
    if (!n.ppvids.empty()) {
        model::List ppvids;
        for (const auto& p : n.ppvids) {
            model::Value e = model::Value::object();
            e.mutableObject().set("Enabled", p.enabled);
            e.mutableObject().set("ID", static_cast<long long>(p.id));
            e.mutableObject().set("Supported", p.supported);
            ppvids.push_back(std::move(e));
        }
        l.set("PPVIDs", model::Value(std::move(ppvids)));
    }
    if (n.link_aggregation) {
        model::Value e = model::Value::object();
        e.mutableObject().set("Enabled", n.link_aggregation->enabled);
        e.mutableObject().set("PortID", static_cast<long long>(n.link_aggregation->port_id));
        e.mutableObject().set("Supported", n.link_aggregation->supported);
        l.set("LinkAgggregation", std::move(e));  // three g's, as upstream (spec §7 quirk)
    }
    model::Value md = model::Value::object();
    auto& o = md.mutableObject();
    o.set("Type", "switchport");
    o.set("Probe", "lldp");
    o.set("Name", n.port_description.empty() ? n.port_id : n.port_description);
    if (n.mtu) o.set("MTU", static_cast<long long>(*n.mtu));
    o.set("LLDP", std::move(lldp));
    return md;
}

std::string applyLldpNeighbor(TopologyGraph& graph, const std::string& local_node_id,
                              const LldpNeighbor& n) {
    auto lock = graph.lock();
    std::string chassis = lldpChassisNodeId(n);
    std::string port = lldpPortNodeId(chassis, n);
    if (!graph.addNode(chassis, lldpChassisMetadata(n)))
        graph.setNodeMetadata(chassis, lldpChassisMetadata(n));
    if (!graph.addNode(port, lldpPortMetadata(n))) graph.setNodeMetadata(port, lldpPortMetadata(n));
    graph.link(chassis, port, "ownership");
    graph.link(chassis, port, "layer2");
    graph.link(port, local_node_id, "layer2");
    return port;
}

}  // namespace skydive::agent
