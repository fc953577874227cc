// Flow steps over a FlowSource (spec §3.4). The conformance suite pins result sizes of upstream's
// flow tests; these check contents, the layer aliases, flows after nodes and the errors.
#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/flows.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include "test_graphs.h"

namespace skydive::gremlin {
namespace {

using model::Value;
using testing::makeNode;

Value flow(std::string_view json) {
    auto v = model::parseJson(json);
    EXPECT_TRUE(v) << json;
    return v ? *v : Value();
}

class FlowsEngine : public ::testing::Test {
protected:
    void SetUp() override {
        (void)graph_.addNode(makeNode(
            "eth0",
            model::Object{{"Name", "eth0"}, {"Type", "veth"}, {"TID", "t0"}, {"MAC", "aa"}}));
        (void)graph_.addNode(makeNode(
            "eth1",
            model::Object{
                {"Name", "eth1"}, {"Type", "device"}, {"TID", "t1"}, {"PeerIntfMAC", "bb"}}));
        (void)graph_.addNode(
            makeNode("host", model::Object{{"Name", "host"}, {"Type", "host"}, {"TID", "th"}}));
        flows_ = std::make_unique<FlowList>(std::vector<Value>{
            flow(R"({"UUID":"f1","NodeTID":"t0","TrackingID":"k1","Start":1000,"Last":5000,)"
                 R"("Link":{"Protocol":"ETHERNET","A":"aa","B":"bb","ID":0},)"
                 R"("Network":{"Protocol":"IPV4","A":"10.0.0.1","B":"10.0.0.2","ID":0},)"
                 R"("Metric":{"ABPackets":2,"ABBytes":200,"BAPackets":1,"BABytes":100,)"
                 R"("Start":1000,"Last":5000}})"),
            flow(R"({"UUID":"f2","NodeTID":"t1","TrackingID":"k1","Start":2000,"Last":3000,)"
                 R"("Network":{"Protocol":"IPV4","A":"10.0.0.2","B":"10.0.0.3","ID":0},)"
                 R"("Metric":{"ABPackets":1,"ABBytes":50,"BAPackets":0,"BABytes":0,)"
                 R"("Start":2000,"Last":3000},)"
                 R"("LastUpdateMetric":{"ABPackets":1,"ABBytes":20,"BAPackets":0,"BABytes":0,)"
                 R"("Start":2500,"Last":3000}})"),
            flow(R"({"UUID":"f3","NodeTID":"th","TrackingID":"k2","Start":500,"Last":9000,)"
                 R"("Transport":{"Protocol":"TCP","A":80,"B":4242,"ID":0}})"),
        });
    }
    std::string json(std::string_view q, const FlowSource* flows = nullptr) {
        auto r = engine_.run(q, graph_, flows != nullptr ? flows : flows_.get());
        EXPECT_TRUE(r) << q << ": " << r.error().toString();
        return r ? toJson(*r) : std::string();
    }
    std::string error(std::string_view q) {
        auto r = engine_.run(q, graph_, flows_.get());
        EXPECT_FALSE(r) << q;
        return r ? std::string() : r.error().message;
    }
    model::ManualClock clock_{100000};
    graph::LiveGraph graph_{clock_};
    std::unique_ptr<FlowList> flows_;
    Engine engine_{clock_, {}};
};

TEST_F(FlowsEngine, FiltersAndLayerAliases) {
    EXPECT_EQ(json("G.Flows().Has('Network.A', '10.0.0.1').Values('UUID')"), R"(["f1"])");
    EXPECT_EQ(json("G.Flows().Has('IPV4.A', '10.0.0.2').Values('UUID')"), R"(["f2"])");
    EXPECT_EQ(json("G.Flows('Network', '10.0.0.2').Values('UUID')"), R"(["f1","f2"])");
    EXPECT_EQ(json("G.Flows('Network', '10.0.0.2', 'NodeTID', 't1').Values('UUID')"), R"(["f2"])");
    EXPECT_EQ(json("G.Flows().Has('TCP.A', 80).Values('UUID')"), R"(["f3"])");
    EXPECT_EQ(json("G.Flows().HasKey('Transport').Count()"), "1");
    EXPECT_EQ(json("G.Flows().HasNot('Network').Values('UUID')"), R"(["f3"])");
    EXPECT_EQ(json("G.Flows().Count()"), "3");
    FlowList none({});
    EXPECT_EQ(json("G.Flows()", &none), "[]");
    auto no_source = engine_.run("G.Flows().Count()", graph_);  // an analyzer without flows
    ASSERT_TRUE(no_source);
    EXPECT_EQ(toJson(*no_source), "0");
}

TEST_F(FlowsEngine, AfterNodesOnlyCapturableNodesAreAsked) {
    EXPECT_EQ(json("G.V().Flows().Values('UUID')"), R"(["f1","f2"])");  // not the host's
    EXPECT_EQ(json("G.V().Has('Name','eth1').Flows().Values('UUID')"), R"(["f2"])");
    EXPECT_EQ(json("G.V().Has('Name','host').Flows()"), "[]");
}

TEST_F(FlowsEngine, OrderWindowsDedupAndSums) {
    EXPECT_EQ(json("G.Flows().Sort().Values('UUID')"), R"(["f2","f1","f3"])");  // by Last
    EXPECT_EQ(json("G.Flows().Sort(DESC, 'Start').Values('UUID')"), R"(["f2","f1","f3"])");
    EXPECT_EQ(json("G.Flows().Sort('Start').Range(1, 3).Values('UUID')"), R"(["f1","f2"])");
    EXPECT_EQ(json("G.Flows().Dedup().Values('UUID')"), R"(["f1","f3"])");  // by TrackingID
    EXPECT_EQ(json("G.Flows().Sum('Metric.ABBytes')"), "250");              // a float, integral
    EXPECT_EQ(json("G.Flows().Has('UUID','f1').Keys()").find(R"("Link.A")") != std::string::npos,
              true);
}

TEST_F(FlowsEngine, NodesOfFlows) {
    EXPECT_EQ(json("G.Flows().CaptureNode().Values('Name')"), R"(["eth0","eth1","host"])");
    EXPECT_EQ(json("G.Flows().Hops('Type','veth').Values('Name')"), R"(["eth0"])");
    EXPECT_EQ(json("G.Flows().In().Values('Name')"), R"(["eth0"])");
    EXPECT_EQ(json("G.Flows().Out().Values('Name')"), R"(["eth1"])");  // PeerIntfMAC
    EXPECT_EQ(json("G.Flows().Both().Values('Name')"), R"(["eth0","eth1"])");
    // Nodes(): capture node, then the MAC (not PeerIntfMAC) ends.
    EXPECT_EQ(json("G.Flows().Has('UUID','f1').Nodes().Values('Name')"), R"(["eth0","eth0"])");
    EXPECT_EQ(json("G.Flows().In().Limit(1).Count()"), "1");
}

TEST_F(FlowsEngine, MetricsAndGroups) {
    EXPECT_EQ(json("G.Flows().Has('UUID', Within('f1','f2')).Metrics()"),
              R"([{"f1":[{"ABPackets":2,"ABBytes":200,"BAPackets":1,"BABytes":100,)"
              R"("Start":1000,"Last":5000}],)"
              R"("f2":[{"ABPackets":1,"ABBytes":20,"BAPackets":0,"BABytes":0,)"
              R"("Start":2500,"Last":3000}]}])");
    EXPECT_EQ(json("G.Flows().Metrics().Sum('ABBytes')"), "220");
    const auto groups = json("G.Flows().Group().MoreThan(5)");
    EXPECT_EQ(groups.substr(0, 8), R"([{"k1":[)");
    EXPECT_EQ(groups.find("k2"), std::string::npos);
    EXPECT_EQ(json("G.Flows().Has('UUID','f3').Group().MoreThan(1)"), "[]");
    EXPECT_EQ(json("G.Flows().Group('NodeTID')").substr(0, 9), R"([{"t0":[{)");
}

TEST_F(FlowsEngine, ErrorsAreClear) {
    EXPECT_EQ(error("G.Flows('Network')"), "At least two parameters must be provided");
    EXPECT_EQ(error("G.Flows('a', 1, 'b')"), "slice must be defined by pair k,v");
    EXPECT_NE(error("G.Flows().Values('Nope')").find("has no field 'Nope'"), std::string::npos);
    EXPECT_NE(error("G.Flows().Sum('UUID')").find("'Metric.'"), std::string::npos);
    EXPECT_NE(error("G.V().CaptureNode()").find("Invalid step 'CaptureNode'"), std::string::npos);
    EXPECT_NE(error("G.Flows().MoreThan(1)").find("Invalid step 'MoreThan'"), std::string::npos);
    EXPECT_NE(error("G.Flows().Out().Sockets()").find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace skydive::gremlin
