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

// Forwards to the live view and counts the countByValue calls it answers.
class CountingView final : public graph::GraphView {
public:
    explicit CountingView(graph::GraphViewPtr inner) : inner_(std::move(inner)) {}
    graph::ViewKind kind() const override { return graph::ViewKind::Point; }
    void forEachNode(const NodeFn& fn) const override { inner_->forEachNode(fn); }
    void forEachEdge(const EdgeFn& fn) const override { inner_->forEachEdge(fn); }
    void findNode(std::string_view id, const NodeFn& fn) const override {
        inner_->findNode(id, fn);
    }
    void findEdge(std::string_view id, const EdgeFn& fn) const override {
        inner_->findEdge(id, fn);
    }
    bool hasIndex(std::string_view key) const override { return inner_->hasIndex(key); }
    void nodesByValue(std::string_view key, const model::Value& value,
                      const NodeFn& fn) const override {
        inner_->nodesByValue(key, value, fn);
    }
    std::size_t countByValue(std::string_view key, const model::Value& value) const override {
        ++calls;
        return inner_->countByValue(key, value);
    }
    void outEdges(std::string_view id, const EdgeFn& fn) const override {
        inner_->outEdges(id, fn);
    }
    void inEdges(std::string_view id, const EdgeFn& fn) const override { inner_->inEdges(id, fn); }
    std::size_t nodeCount() const override { return inner_->nodeCount(); }
    std::size_t edgeCount() const override { return inner_->edgeCount(); }
    mutable int calls = 0;

private:
    graph::GraphViewPtr inner_;
};

class CountingSource final : public graph::GraphSource {
public:
    explicit CountingSource(std::shared_ptr<const CountingView> v) : v_(std::move(v)) {}
    graph::GraphViewPtr live() const override { return v_; }
    model::Result<graph::GraphViewPtr> at(model::Time) const override {
        return graph::GraphViewPtr(v_);
    }
    model::Result<graph::GraphViewPtr> slice(model::Time, model::Time) const override {
        return graph::GraphViewPtr(v_);
    }

private:
    std::shared_ptr<const CountingView> v_;
};

// `V().Has(indexed k, v).Count()` asks the view for the term's count (ADR 021 "Count API");
// a residual filter or a pass switched off keeps the visiting path, with the same result.
TEST(OptimizerPasses, IndexedCountAsksTheView) {
    model::ManualClock clock(1000);
    auto g = std::make_unique<graph::LiveGraph>(clock);  // Type is indexed by default
    (void)g->addNode(testing::makeNode("host", model::Object{{"Type", "host"}}));
    for (int i = 0; i < 9; ++i) {
        (void)g->addNode(testing::makeNode(
            "if" + std::to_string(i),
            model::Object{{"Type", i % 3 == 0 ? "veth" : "device"}, {"MTU", 1500 + i}}));
    }
    auto view = std::make_shared<const CountingView>(g->live());
    ASSERT_TRUE(view->hasIndex("Type"));
    CountingSource src(view);
    Engine engine(clock, {});
    auto r = engine.run("G.V().Has('Type', 'veth').Count()", src);
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(toJson(*r), "3");
    EXPECT_EQ(view->calls, 1);
    r = engine.run("G.V().Has('Type', 'veth', 'MTU', GT(1502)).Count()", src);
    ASSERT_TRUE(r);
    EXPECT_EQ(toJson(*r), "2");
    EXPECT_EQ(view->calls, 1);  // a residual term: visited
    EngineOptions off;
    off.passes = {true, true, false};
    Engine plain(clock, off);
    r = plain.run("G.V().Has('Type', 'veth').Count()", src);
    ASSERT_TRUE(r);
    EXPECT_EQ(toJson(*r), "3");
    EXPECT_EQ(view->calls, 1);
}

}  // namespace
}  // namespace skydive::gremlin
