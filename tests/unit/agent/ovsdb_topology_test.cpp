#include <skydive/agent/ids.h>
#include <skydive/agent/ovsdb_topology.h>
#include <skydive/agent/tid.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

namespace skydive::agent {
namespace {

using model::Object;
using model::Value;

Value json(std::string_view text) {
    auto v = model::parseJson(text);
    EXPECT_TRUE(v.ok()) << text;
    return v.ok() ? *v : Value();
}

TEST(JsonStreamFramer, SplitsConcatenatedTextsAcrossReads) {
    JsonStreamFramer f;
    auto a = f.push(R"({"id":1,"s":"}{\"x"})"
                    R"( {"id")");
    ASSERT_FALSE(a.error);
    ASSERT_EQ(a.docs.size(), 1u);
    EXPECT_EQ(a.docs[0], R"({"id":1,"s":"}{\"x"})");
    auto b = f.push(R"(:2}[1,[2]])");
    ASSERT_FALSE(b.error);
    ASSERT_EQ(b.docs.size(), 2u);
    EXPECT_EQ(b.docs[0], R"( {"id":2})");
    EXPECT_EQ(b.docs[1], "[1,[2]]");
    EXPECT_TRUE(JsonStreamFramer().push("garbage{}").error);
    EXPECT_TRUE(JsonStreamFramer().push("}").error);
    EXPECT_TRUE(JsonStreamFramer(8).push(R"({"long":"string)").error);
    // Documents before the bad byte are still delivered.
    auto c = JsonStreamFramer().push(R"({"ok":1}])");
    EXPECT_TRUE(c.error);
    ASSERT_EQ(c.docs.size(), 1u);
}

struct OvsdbTopologyTest : ::testing::Test {
    model::ManualClock clock{1};
    TopologyGraph graph{"node1", clock};
    OvsdbTopology topo{graph, "host"};
    void SetUp() override {
        ASSERT_TRUE(graph.addNode("host", Value(Object{{"Name", "node1"}, {"Type", "host"}})));
        // The netlink probe already published the veth that becomes an OVS port.
        ASSERT_TRUE(graph.addNode(
            "nl-veth",
            Value(
                Object{{"IfIndex", 7}, {"Name", "veth0"}, {"Type", "veth"}, {"Driver", "veth"}})));
        graph.link("host", "nl-veth", "ownership");
    }
    std::optional<model::Node> named(std::string_view name, std::string_view type) {
        for (auto& n : graph.nodesWhere("Name", Value(name))) {
            if (*n.metadata.asObject().find("Type") == Value(type)) return n;
        }
        return std::nullopt;
    }
};

constexpr std::string_view kInitial = R"({
  "Open_vSwitch": {"s1": {"new": {"ovs_version": "3.1.0", "db_version": "8.3.1"}}},
  "Bridge": {"b1": {"new": {"name": "br0", "ports": ["set", [["uuid", "p1"], ["uuid", "p2"]]],
             "external_ids": ["map", [["k", "v"]]], "other_config": ["map", []],
             "protocols": ["set", []], "datapath_type": "netdev"}}},
  "Port": {"p1": {"new": {"name": "veth0", "interfaces": ["uuid", "i1"], "tag": 10,
                          "trunks": ["set", []], "bond_mode": ["set", []], "lacp": ["set", []],
                          "external_ids": ["map", []], "other_config": ["map", []]}},
           "p2": {"new": {"name": "patch-a", "interfaces": ["uuid", "i2"], "tag": ["set", []],
                          "trunks": ["set", []], "bond_mode": ["set", []], "lacp": ["set", []],
                          "external_ids": ["map", []], "other_config": ["map", []]}}},
  "Interface": {
    "i1": {"new": {"name": "veth0", "type": "", "ofport": 1, "ifindex": 7,
                   "mac_in_use": "02:00:00:00:00:07", "external_ids": ["map", [["iface-id", "x"]]],
                   "options": ["map", []], "other_config": ["map", []], "error": ["set", []],
                   "status": ["map", [["driver_name", "veth"]]]}},
    "i2": {"new": {"name": "patch-a", "type": "patch", "ofport": 2, "ifindex": ["set", []],
                   "mac_in_use": ["set", []], "external_ids": ["map", []],
                   "options": ["map", [["peer", "patch-b"]]], "other_config": ["map", []],
                   "error": ["set", []], "status": ["map", []]}},
    "i3": {"new": {"name": "patch-b", "type": "patch", "ofport": 1, "ifindex": ["set", []],
                   "mac_in_use": ["set", []], "external_ids": ["map", []],
                   "options": ["map", [["peer", "patch-a"]]], "other_config": ["map", []],
                   "error": ["set", []], "status": ["map", []]}}}
})";

TEST_F(OvsdbTopologyTest, BridgePortsInterfacesAndPatch) {
    ASSERT_TRUE(topo.apply(json(kInitial)).ok());
    auto br = named("br0", "ovsbridge");
    ASSERT_TRUE(br.has_value());
    const Object& bmd = br->metadata.asObject();
    EXPECT_EQ(*bmd.find("UUID"), Value("b1"));
    EXPECT_EQ(*bmd.find("ExtID"), Value(Object{{"k", "v"}}));
    EXPECT_EQ(bmd.find("Ovs")->path("Version"), Value("3.1.0"));
    EXPECT_EQ(*bmd.find("TID"), Value(ovsTid(hostTid("node1"), "b1", "ovsbridge")));
    EXPECT_TRUE(graph.edge(linkId("host", br->id.str(), "ownership")));

    auto port = named("veth0", "ovsport");
    ASSERT_TRUE(port.has_value());
    EXPECT_EQ(*port->metadata.asObject().find("Vlans"), Value(10));
    EXPECT_TRUE(graph.edge(linkId(br->id.str(), port->id.str(), "ownership")));
    EXPECT_TRUE(graph.edge(linkId(br->id.str(), port->id.str(), "layer2")));

    // The netlink node is reused, keeps its Type and owner, and gets the OVS keys.
    auto veth = graph.node("nl-veth");
    const Object& vmd = veth->metadata.asObject();
    EXPECT_EQ(*vmd.find("UUID"), Value("i1"));
    EXPECT_EQ(*vmd.find("OfPort"), Value(1));
    EXPECT_EQ(*vmd.find("Type"), Value("veth"));
    EXPECT_EQ(*vmd.find("Driver"), Value("veth"));
    EXPECT_EQ(*vmd.find("ExtID"), Value(Object{{"iface-id", "x"}}));
    EXPECT_TRUE(graph.edge(linkId(port->id.str(), "nl-veth", "layer2")));
    EXPECT_EQ(graph.owner("nl-veth"), "host");

    // Patch interfaces are OVS-driven: owned by the bridge, joined by a patch layer2 edge.
    auto pa = named("patch-a", "patch");
    auto pb = named("patch-b", "patch");
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(*pa->metadata.asObject().find("Driver"), Value("openvswitch"));
    EXPECT_EQ(graph.owner(pa->id.view()), br->id.str());
    auto patch = graph.edge(linkId(pa->id.str(), pb->id.str(), "layer2"));
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(*patch->metadata.asObject().find("Type"), Value("patch"));

    // Deleting the port and its interface: the port node goes, the netlink node stays without
    // OVS keys, the patch peer edge goes with patch-a.
    ASSERT_TRUE(topo.apply(json(R"({"Port": {"p1": {"old": {}}},
                                   "Interface": {"i1": {"old": {}}, "i2": {"old": {}}}})"))
                    .ok());
    EXPECT_FALSE(named("veth0", "ovsport").has_value());
    EXPECT_FALSE(named("patch-a", "patch").has_value());
    ASSERT_TRUE(graph.node("nl-veth").has_value());
    EXPECT_EQ(graph.node("nl-veth")->metadata.asObject().find("UUID"), nullptr);
    EXPECT_FALSE(graph.edge(linkId(pa->id.str(), pb->id.str(), "layer2")));

    topo.clear();
    EXPECT_EQ(graph.nodeCount(), 2u);  // host and the netlink veth
}

TEST_F(OvsdbTopologyTest, MalformedInputIsSkipped) {
    EXPECT_FALSE(topo.apply(json(R"([1, 2])")).ok());
    EXPECT_EQ(graph.nodeCount(), 2u);
    ASSERT_TRUE(topo.apply(json(R"({"Bridge": {"b1": {"new": 42},
                                               "b2": {"new": {"name": "br2"}}},
                                    "Nope": {"x": {}}})"))
                    .ok());
    EXPECT_EQ(topo.skippedRows(), 2u);
    EXPECT_TRUE(named("br2", "ovsbridge").has_value());  // the good row still made it
}

TEST(OvsdbMonitor, RequestNamesTablesAndColumns) {
    auto v = json(OvsdbTopology::monitorRequest("m1"));
    EXPECT_EQ(*v.asObject().find("method"), Value("monitor"));
    EXPECT_EQ(*v.asObject().find("id"), Value("m1"));
    const auto& params = v.asObject().find("params")->asList();
    EXPECT_EQ(params[0], Value("Open_vSwitch"));
    EXPECT_NE(params[2].asObject().find("Interface"), nullptr);
}

}  // namespace
}  // namespace skydive::agent
