// Every optimizer pass must give the same results on and off.
#include <skydive/gremlin/engine.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "plan/plan.h"
#include "test_graphs.h"

namespace skydive::gremlin {
namespace {

const char* const kQueries[] = {
    "G.V().Has('Type', 'veth')",
    "G.V().Has('Type', 'veth').Count()",
    "G.V().Has('Type', 'veth', 'MTU', GT(1510))",
    "G.V().Has('Name', 'if7', 'Type', 'device').Out()",
    "G.V().Has('MTU', 1503)",
    "G.V().Has('Type', 'veth').Limit(3).Count()",
    "G.V().Limit(4)",
    "G.V().Range(2, 5)",
    "G.V('host').Out().Limit(2)",
    "G.V('host').OutE().Range(1, 3)",
    "G.V().Out().Has('Type', 'veth').Count()",
    "G.V().BothE().Count()",
    "G.E().Has('RelationType', 'layer2').InV().Count()",
    "G.V().Dedup().Limit(3).Count()",
    "G.V().HasKey('MTU').Limit(1)",
};

// Results of unordered scans are compared as sorted lists of serialized elements.
std::string canonical(const QueryResult& r) {
    auto json = model::parseJson(toJson(r));
    if (!json || !json->isList()) return toJson(r);
    std::vector<std::string> items;
    for (const auto& v : json->asList()) items.push_back(model::toJson(v));
    std::sort(items.begin(), items.end());
    std::string out;
    for (const auto& s : items) out += s + "\n";
    return out;
}

std::string runWith(const OptimizerPasses& passes, const model::Clock& clock,
                    const graph::GraphSource& g, const char* q) {
    EngineOptions options;
    options.passes = passes;
    Engine engine(clock, options);
    auto r = engine.run(q, g);
    EXPECT_TRUE(r) << q << ": " << r.error().toString();
    return r ? canonical(*r) : std::string();
}

TEST(OptimizerPasses, EachPassPreservesResults) {
    model::ManualClock clock(1000);
    auto g = testing::ringGraph(clock, 40);
    const OptimizerPasses all_on;
    const OptimizerPasses variants[] = {
        {false, true, true},
        {true, false, true},
        {true, true, false},
        {false, false, false},
    };
    for (const char* q : kQueries) {
        const auto reference = runWith(all_on, clock, *g, q);
        for (const auto& v : variants) {
            EXPECT_EQ(runWith(v, clock, *g, q), reference)
                << q << " with index=" << v.index_lookup << " early=" << v.early_stop
                << " count=" << v.count_pushdown;
        }
    }
}

TEST(OptimizerPasses, PassesFireWhereExpected) {
    model::ManualClock clock(1000);
    Engine engine(clock, {});
    auto plan = engine.prepare("G.V().Has('Type', 'veth').Limit(2).Count()");
    ASSERT_TRUE(plan);
    const auto& passes = (*plan)->applied_passes;
    EXPECT_NE(std::find(passes.begin(), passes.end(), "index-lookup"), passes.end());
    EXPECT_NE(std::find(passes.begin(), passes.end(), "early-stop"), passes.end());
    EXPECT_NE(std::find(passes.begin(), passes.end(), "count-pushdown"), passes.end());
    EXPECT_EQ((*plan)->steps.size(), 1u);  // V + fused Has + window, Count folded in

    // Int equality compares leniently ("123" matches 123), so it never uses the index.
    auto ints = engine.prepare("G.V().Has('MTU', 1500)");
    ASSERT_TRUE(ints);
    EXPECT_FALSE((*ints)->steps[0].use_index);

    EngineOptions off;
    off.passes = {false, false, false};
    Engine plain(clock, off);
    auto p = plain.prepare("G.V().Has('Type', 'veth').Limit(2).Count()");
    ASSERT_TRUE(p);
    EXPECT_TRUE((*p)->applied_passes.empty());
    EXPECT_EQ((*p)->steps.size(), 2u);
}

}  // namespace
}  // namespace skydive::gremlin
