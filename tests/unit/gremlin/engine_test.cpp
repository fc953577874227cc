#include <skydive/gremlin/engine.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "fixture_source.h"
#include "test_graphs.h"

namespace skydive::gremlin {
namespace {

using testing::ringGraph;

class EngineTest : public ::testing::Test {
protected:
    model::ManualClock clock_{1600000075000};
    std::unique_ptr<graph::LiveGraph> graph_ = ringGraph(clock_, 6);
    Engine engine_{clock_, {}};

    std::string json(std::string_view q) {
        auto r = engine_.run(q, *graph_);
        EXPECT_TRUE(r) << q << ": " << r.error().toString();
        return r ? toJson(*r) : std::string();
    }
    model::Error error(std::string_view q) {
        auto r = engine_.run(q, *graph_);
        EXPECT_FALSE(r) << q;
        return r ? model::Error{} : r.error();
    }
};

TEST_F(EngineTest, ResultShapes) {
    EXPECT_EQ(json("G.V().Count()"), "7");
    EXPECT_EQ(json("G.V().Values('Nope')"), "null");
    EXPECT_EQ(json("G.V().Has('Name','nope')"), "[]");
    EXPECT_EQ(json("G.V().Has('Name','if1').Values('MTU')"), "[1501]");
    EXPECT_EQ(json("G.V().Sum('MTU')"), std::to_string(6 * 1500 + 15));
    EXPECT_EQ(json("G.V('if0').ValueMap('Name','Type')"), R"([{"Name":"if0","Type":"veth"}])");
    const auto g = json("G.V('host').SubGraph()");
    EXPECT_EQ(g.substr(0, 12), R"([{"Nodes":[{)");
    EXPECT_NE(g.find(R"("Edges":null)"), std::string::npos);
    const auto node = json("G.V('if0')");
    EXPECT_NE(node.find(R"("ID":"if0","Metadata":{"MTU":1500,"Name":"if0","Type":"veth"})"),
              std::string::npos)
        << node;
    EXPECT_NE(node.find(R"("DeletedAt":null,"Revision":1)"), std::string::npos) << node;
}

TEST_F(EngineTest, SortAndWindows) {
    EXPECT_EQ(json("G.V().Has('Type','veth').Sort(DESC, 'MTU').Values('Name')"),
              R"(["if4","if2","if0"])");
    EXPECT_EQ(json("G.V().Has('Type','veth').Sort('MTU').Range(1, 2).Values('Name')"),
              R"(["if2"])");
    EXPECT_EQ(json("G.V().Sort('MTU').Limit(2).Values('Name')"), R"(["host","if0"])");
}

TEST_F(EngineTest, WalksAndPaths) {
    EXPECT_EQ(json("G.V('host').Descendants().Count()"), "7");
    EXPECT_EQ(json("G.V('if0').Descendants('RelationType','layer2',2).Values('Name')"),
              R"(["if0","if1","if2"])");
    EXPECT_EQ(json("G.V('if0').Neighbors('RelationType','layer2',0).Values('Name')"), R"(["if0"])");
    auto paths = json(
        "G.V('if0').ShortestPathTo(Metadata('Name','if3'), "
        "Metadata('RelationType','layer2'))");
    auto parsed = model::parseJson(paths);
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->asList().size(), 1u);
    EXPECT_EQ(parsed->asList()[0].asList().size(), 4u);  // 3 hops either way round the ring
}

TEST_F(EngineTest, InvalidStepsAndArguments) {
    EXPECT_EQ(error("G.V().Values('Name').Count()").message, "Invalid step 'Count' on 'Values'");
    EXPECT_EQ(error("G.V().Values('Name').Limit(1)").message, "Invalid step 'Limit' on 'Values'");
    EXPECT_EQ(error("G.Count()").message, "Invalid step 'Count' on 'Graph'");
    EXPECT_EQ(error("G.V().At(1)").message, "Invalid step 'At' on 'Nodes'");
    auto e = error("G.V().Has('Name', GT('x'))");
    EXPECT_EQ(e.message, "GT values should be of int64 type");
    EXPECT_EQ(e.position, 22u);
    auto arg = error("G.V().Values(1)");
    EXPECT_EQ(arg.message, "Values: argument 1: must be a string");
    EXPECT_EQ(arg.position, 14u);
    EXPECT_EQ(error("G.V().Select('nope')").message, "Select: argument 1: unknown alias 'nope'");
    EXPECT_EQ(error("G.Flows().RawPackets()").code, model::ErrorCode::Unsupported);
    EXPECT_EQ(error("G.V().Sockets()").code, model::ErrorCode::Unsupported);
    EXPECT_EQ(error("G.V().Has('Name', Regex('eth$'))").message,
              "Regex are anchored by default, ^ and $ don't have to be provided");
    EXPECT_FALSE(engine_.run("G.V().Has('Name', Regex('('))", *graph_));
}

TEST_F(EngineTest, HasOnValuesKeepsMatchingObjects) {
    EXPECT_EQ(json("G.V().Sort('MTU').ValueMap('Name','MTU').Has('MTU', GT(1503)).Dedup()"),
              R"([{"MTU":1504,"Name":"if4"},{"MTU":1505,"Name":"if5"}])");
}

TEST_F(EngineTest, DotOnlyForGraphs) {
    auto r = engine_.run("G.V('if0').SubGraph()", *graph_);
    ASSERT_TRUE(r);
    auto dot = toDot(*r);
    ASSERT_TRUE(dot);
    EXPECT_EQ(*dot, "digraph g {\n  \"if0\" [label=\"if0-if0\"];\n}\n");
    auto nodes = engine_.run("G.V()", *graph_);
    ASSERT_TRUE(nodes);
    auto bad = toDot(*nodes);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "Only graph can be outputted as dot");
}

TEST_F(EngineTest, LiveGraphWithoutHistoryRefusesTimeTravel) {
    auto r = engine_.run("G.At('-1m').V()", *graph_);
    EXPECT_FALSE(r);
}

TEST(EngineLimits, RegexMatchesHugeStringsInLinearTime) {
    model::ManualClock clock(1000);
    graph::LiveGraph g(clock);
    ASSERT_TRUE(
        g.addNode(testing::makeNode("big", model::Object{{"Name", std::string(200000, 'a')}})));
    ASSERT_TRUE(g.addNode(testing::makeNode("small", model::Object{{"Name", "aab"}})));
    Engine engine(clock, {});
    auto r = engine.run("G.V().Has('Name', Regex('(a|b)*'))", g);
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(r->nodes.size(), 2u);
    // Nested stars: a backtracking matcher takes exponential time on a long run of 'a'.
    auto nested = engine.run("G.V().Has('Name', Regex('(a*)*b')).Values('Name')", g);
    ASSERT_TRUE(nested) << nested.error().toString();
    EXPECT_EQ(toJson(*nested), R"(["aab"])");
    auto long_pattern = engine.run("G.V().Has('Name', Regex('" + std::string(2000, 'a') + "'))", g);
    ASSERT_FALSE(long_pattern);
}

TEST(EngineLimits, RegexAlternationIsAnchoredAsAWhole) {
    model::ManualClock clock(1000);
    graph::LiveGraph g(clock);
    for (const char* name : {"eth0", "eth1", "eth0.100", "veth1"}) {
        ASSERT_TRUE(g.addNode(testing::makeNode(name, model::Object{{"Name", name}})));
    }
    Engine engine(clock, {});
    // Upstream compiles "^eth0|eth1$", which also takes eth0.100 and veth1 (docs/compat).
    auto r = engine.run("G.V().Has('Name', Regex('eth0|eth1')).Count()", g);
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(toJson(*r), "2");
}

TEST(EngineLimits, DeadlineStopsTheQuery) {
    model::ManualClock clock(1000);
    auto graph = ringGraph(clock, 3000);
    EngineOptions options;
    options.timeout = std::chrono::milliseconds(0);
    Engine engine(clock, options);
    auto r = engine.run("G.V().Out().Out().Out()", *graph);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, model::ErrorCode::Timeout);
    // The graph is intact and answers normal queries afterwards.
    Engine normal(clock, {});
    auto ok = normal.run("G.V().Count()", *graph);
    ASSERT_TRUE(ok);
    EXPECT_EQ(toJson(*ok), "3001");
}

TEST(EngineLimits, DeadlineHoldsWhenEveryElementIsRejected) {
    model::ManualClock clock(1000);
    auto graph = ringGraph(clock, 3000);
    EngineOptions options;
    options.timeout = std::chrono::milliseconds(0);
    Engine engine(clock, options);
    auto r = engine.run("G.V().Has('MTU', GT(99999))", *graph);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, model::ErrorCode::Timeout);
}

TEST(EngineLimits, BoundOnIntermediateResults) {
    model::ManualClock clock(1000);
    auto graph = ringGraph(clock, 50);
    EngineOptions options;
    options.max_elements = 20;
    Engine engine(clock, options);
    auto r = engine.run("G.V().Has('Type', 'veth')", *graph);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, model::ErrorCode::Unavailable);
    EXPECT_NE(r.error().message.find("bound of 20"), std::string::npos);
    // Counting needs no materialization, and a window keeps results under the bound.
    auto count = engine.run("G.V().Has('Type', 'veth').Count()", *graph);
    ASSERT_TRUE(count) << count.error().toString();
    EXPECT_EQ(toJson(*count), "25");
    EXPECT_TRUE(engine.run("G.V().Limit(5)", *graph));
}

}  // namespace
}  // namespace skydive::gremlin
