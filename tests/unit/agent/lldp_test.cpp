// LLDPDU parsing and its spec §7 mapping, on frames built byte by byte.
#include <skydive/agent/ids.h>
#include <skydive/agent/lldp.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/json.h>

namespace skydive::agent {
namespace {

using model::Value;

class Frame {
public:
    Frame() {
        bytes_ = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x02,
                  0x11, 0x22, 0x33, 0x44, 0x55, 0x88, 0xcc};
    }
    Frame& tlv(std::uint8_t type, std::vector<std::uint8_t> value) {
        std::uint16_t header = static_cast<std::uint16_t>((type << 9) | value.size());
        bytes_.push_back(static_cast<std::uint8_t>(header >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(header & 0xff));
        bytes_.insert(bytes_.end(), value.begin(), value.end());
        return *this;
    }
    Frame& tlv(std::uint8_t type, std::uint8_t prefix, const std::string& s) {
        std::vector<std::uint8_t> v{prefix};
        v.insert(v.end(), s.begin(), s.end());
        return tlv(type, v);
    }
    Frame& text(std::uint8_t type, const std::string& s) {
        return tlv(type, std::vector<std::uint8_t>(s.begin(), s.end()));
    }
    // Chassis = MAC 02:11:22:33:44:55, Port = ifname `port`, TTL 120.
    Frame& mandatory(const std::string& port = "swp1") {
        tlv(1, {4, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
        tlv(2, 5, port);
        return tlv(3, {0, 120});
    }
    std::span<const std::uint8_t> span() const { return bytes_; }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
};

TEST(Lldp, ParsesMandatoryAndOptionalTlvs) {
    Frame f;
    f.mandatory()
        .text(4, "uplink to rack 3")
        .text(5, "tor-1")
        .text(6, "Debian GNU/Linux 12")
        .tlv(8, {5, 1, 192, 0, 2, 2, 2, 0, 0, 0, 0, 0})  // IPv4 mgmt address
        .tlv(127, {0x00, 0x80, 0xc2, 1, 0x00, 0x0a})     // PVID 10
        .tlv(127, {0x00, 0x80, 0xc2, 3, 0x00, 0x14, 4, 'p', 'r', 'o', 'd'})
        .tlv(127, {0x00, 0x80, 0xc2, 2, 0x06, 0x00, 0x1e})           // PPVID 30, both flags
        .tlv(127, {0x00, 0x12, 0x0f, 4, 0x05, 0xee})                 // max frame 1518
        .tlv(127, {0x00, 0x12, 0x0f, 3, 0x03, 0x00, 0x00, 0x00, 7})  // aggregation
        .tlv(99, {1, 2, 3})                                          // unknown: skipped
        .tlv(0, {});
    auto n = parseLldpFrame(f.span());
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->chassis_id, "02:11:22:33:44:55");
    EXPECT_EQ(n->chassis_id_type, "MAC Address");
    EXPECT_EQ(n->port_id, "swp1");
    EXPECT_EQ(n->port_id_type, "Interface Name");
    EXPECT_EQ(n->ttl, 120);
    EXPECT_EQ(n->port_description, "uplink to rack 3");
    EXPECT_EQ(n->sys_name, "tor-1");
    EXPECT_EQ(n->sys_description, "Debian GNU/Linux 12");
    EXPECT_EQ(n->mgmt_address, "192.0.2.2");
    EXPECT_EQ(n->pvid, 10);
    ASSERT_EQ(n->vlan_names.size(), 1u);
    EXPECT_EQ(n->vlan_names[0].id, 20);
    EXPECT_EQ(n->vlan_names[0].name, "prod");
    ASSERT_EQ(n->ppvids.size(), 1u);
    EXPECT_TRUE(n->ppvids[0].enabled && n->ppvids[0].supported);
    EXPECT_EQ(n->ppvids[0].id, 30);
    EXPECT_EQ(n->mtu, 1518);
    ASSERT_TRUE(n->link_aggregation.has_value());
    EXPECT_TRUE(n->link_aggregation->enabled && n->link_aggregation->supported);
    EXPECT_EQ(n->link_aggregation->port_id, 7u);
}

TEST(Lldp, RejectsBadFrames) {
    Frame not_lldp;
    not_lldp.bytes()[12] = 0x08;
    not_lldp.bytes()[13] = 0x00;
    not_lldp.mandatory();
    EXPECT_FALSE(parseLldpFrame(not_lldp.span()).ok());

    Frame wrong_order;
    wrong_order.tlv(2, 5, "swp1").tlv(1, {4, 1, 2, 3, 4, 5, 6}).tlv(3, {0, 1});
    EXPECT_FALSE(parseLldpFrame(wrong_order.span()).ok());

    Frame truncated;
    truncated.mandatory().text(5, "tor-1");
    truncated.bytes().resize(truncated.bytes().size() - 2);
    EXPECT_FALSE(parseLldpFrame(truncated.span()).ok());

    Frame missing;
    missing.tlv(1, {4, 1, 2, 3, 4, 5, 6}).tlv(0, {});
    EXPECT_FALSE(parseLldpFrame(missing.span()).ok());
}

TEST(Lldp, AcceptsVlanTaggedFrames) {
    Frame f;
    auto& b = f.bytes();
    b.insert(b.begin() + 12, {0x81, 0x00, 0x00, 0x0a});
    f.mandatory();
    auto n = parseLldpFrame(f.span());
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->port_id, "swp1");
}

TEST(Lldp, NodeIdsFollowSpec) {
    LldpNeighbor n;
    n.chassis_id = "02:11:22:33:44:55";
    n.chassis_id_type = "MAC Address";
    n.port_id = "swp1";
    n.port_id_type = "Interface Name";
    EXPECT_EQ(lldpChassisNodeId(n), genId({"02:11:22:33:44:55", "MAC Address"}));
    n.sys_name = "tor-1";
    EXPECT_EQ(lldpChassisNodeId(n), genId({"tor-1", "SysName"}));
    n.mgmt_address = "192.0.2.2";
    std::string chassis = lldpChassisNodeId(n);
    EXPECT_EQ(chassis, genId({"tor-1", "SysName", "192.0.2.2", "MgmtAddress"}));
    EXPECT_EQ(lldpPortNodeId(chassis, n), genId({chassis, "swp1", "Interface Name"}));
}

TEST(Lldp, MetadataAndEdgesInTheGraph) {
    Frame f;
    f.mandatory()
        .text(5, "tor-1")
        .tlv(127, {0x00, 0x80, 0xc2, 1, 0x00, 0x0a})
        .tlv(127, {0x00, 0x12, 0x0f, 3, 0x01, 0x00, 0x00, 0x00, 9});
    auto n = parseLldpFrame(f.span());
    ASSERT_TRUE(n.ok());
    model::ManualClock clock{1000};
    TopologyGraph g("h1", clock);
    ASSERT_TRUE(g.addNode("eth0-id", Value(model::Object{})));
    std::string port = applyLldpNeighbor(g, "eth0-id", *n);
    std::string chassis = lldpChassisNodeId(*n);
    auto c = g.node(chassis);
    auto p = g.node(port);
    ASSERT_TRUE(c && p);
    const auto& cm = c->metadata.asObject();
    EXPECT_EQ(*cm.find("Type"), Value("switch"));
    EXPECT_EQ(*cm.find("Probe"), Value("lldp"));
    EXPECT_EQ(*cm.find("Name"), Value("tor-1"));
    EXPECT_EQ(*cm.find("LLDP")->asObject().find("ChassisIDType"), Value("MAC Address"));
    const auto& pm = p->metadata.asObject();
    EXPECT_EQ(*pm.find("Type"), Value("switchport"));
    EXPECT_EQ(*pm.find("Name"), Value("swp1"));  // no port description: the port ID
    const auto& pl = pm.find("LLDP")->asObject();
    EXPECT_EQ(*pl.find("PVID"), Value(10));
    ASSERT_NE(pl.find("LinkAgggregation"), nullptr);
    EXPECT_EQ(*pl.find("LinkAgggregation")->asObject().find("Supported"), Value(true));
    EXPECT_EQ(*pl.find("LinkAgggregation")->asObject().find("Enabled"), Value(false));
    auto relations = [&](const std::string& from, const std::string& to) {
        std::vector<std::string> out;
        for (const auto& e : g.outEdges(from))
            if (e.child.view() == to)
                out.emplace_back(e.metadata.asObject().find("RelationType")->asString());
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(relations(chassis, port), (std::vector<std::string>{"layer2", "ownership"}));
    EXPECT_EQ(relations(port, "eth0-id"), (std::vector<std::string>{"layer2"}));
    // The same frame again changes nothing (no new revision, no duplicate).
    auto revision = g.node(port)->revision;
    std::size_t nodes = g.nodeCount(), edges = g.edgeCount();
    applyLldpNeighbor(g, "eth0-id", *n);
    EXPECT_EQ(g.node(port)->revision, revision);
    EXPECT_EQ(g.nodeCount(), nodes);
    EXPECT_EQ(g.edgeCount(), edges);
}

}  // namespace
}  // namespace skydive::agent
