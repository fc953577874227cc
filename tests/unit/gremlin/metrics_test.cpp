// Metrics(), Aggregates() and Sum() over metric series (spec §3.6). The cases pinned by upstream's
// unit tests run in the conformance suite (`aggregates-*`, `metrics-*`); these cover the rest:
// live graphs, errors, and the places where this engine is saner than upstream
// (docs/compat/gremlin.md).
#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/metrics.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include "test_graphs.h"

namespace skydive::gremlin {
namespace {

using model::Value;
using testing::makeNode;

Value parse(std::string_view json) {
    auto v = model::parseJson(json);
    EXPECT_TRUE(v) << json;
    return v ? *v : Value();
}

std::string aggregated(std::string_view series, model::Time start, model::Time last,
                       std::int64_t slice_ms) {
    auto r = aggregateMetrics(parse(series), start, last, slice_ms);
    EXPECT_TRUE(r) << r.error().toString();
    return r ? model::toJson(*r) : std::string();
}

TEST(MetricMath, SharesAreCarriedSoNothingIsLostToTruncation) {
    // 10 bytes over 30 s in 10 s slices: 3, 3 and the remaining 4 (upstream: 3, 3, 3).
    EXPECT_EQ(aggregated(R"({"a":[{"RxBytes":10,"Start":0,"Last":30000}]})", 0, 30000, 10000),
              R"({"Aggregated":[{"Last":10000,"RxBytes":3},)"
              R"({"Last":20000,"RxBytes":3,"Start":10000},)"
              R"({"Last":30000,"RxBytes":4,"Start":20000}]})");
}

TEST(MetricMath, MetricsBeforeThePeriodOrEmptyDoNotHideLaterOnes) {
    // Upstream stops at the first metric it cannot place; here it is passed over.
    EXPECT_EQ(aggregated(R"({"a":[{"RxBytes":7,"Start":0,"Last":5000},)"
                         R"({"Start":10000,"Last":12000},)"
                         R"({"RxBytes":100,"Start":12000,"Last":20000}]})",
                         10000, 20000, 10000),
              R"({"Aggregated":[{"Last":20000,"RxBytes":100,"Start":10000}]})");
}

TEST(MetricMath, InstantsSlicesSpanAndLimits) {
    EXPECT_EQ(aggregated(R"({"a":[{"RxBytes":5,"Start":10000,"Last":10000}]})", 0, 20000, 10000),
              R"({"Aggregated":[{"Last":20000,"RxBytes":5,"Start":10000}]})");
    EXPECT_EQ(aggregated(R"({"a":[{"RxBytes":5,"Start":1000,"Last":2000}]})", 5000, 5000, 10000),
              R"({"Aggregated":[]})");
    auto span = metricsSpan(parse(R"({"a":[{"Start":3,"Last":9}],"b":[{"Start":1,"Last":4}]})"));
    ASSERT_TRUE(span);
    EXPECT_EQ(span->first, 1);
    EXPECT_EQ(span->second, 9);
    EXPECT_FALSE(metricsSpan(parse("{}")));
    auto many = aggregateMetrics(parse("{}"), 0, 10001 * 1000, 1000);
    ASSERT_FALSE(many);
    EXPECT_NE(many.error().message.find("more than 10000"), std::string::npos);
    EXPECT_FALSE(aggregateMetrics(parse("{}"), 0, 1, 0));
}

TEST(MetricMath, Sums) {
    const Value s =
        parse(R"({"a":[{"RxBytes":1,"TxBytes":2,"Start":5,"Last":9}],)"
              R"("b":[{"RxBytes":10,"Start":2,"Last":7},{"RxPackets":1.5,"Start":3,"Last":4}]})");
    EXPECT_EQ(model::toJson(sumMetrics(s)),
              R"({"Last":9,"RxBytes":11,"RxPackets":1.5,"Start":2,"TxBytes":2})");
    EXPECT_TRUE(sumMetrics(parse("{}")).isNull());
    EXPECT_EQ(model::toJson(*sumMetricField(s, "RxBytes")), "11");
    EXPECT_EQ(model::toJson(*sumMetricField(s, "TxPackets")), "0");  // known, absent = 0
    EXPECT_FALSE(sumMetricField(s, "Nope"));
    EXPECT_FALSE(sumMetricField(s, "Start"));
}

class MetricsEngine : public ::testing::Test {
protected:
    void SetUp() override {
        auto metric = [](long long rx, long long start, long long last) {
            return Value(
                model::Object{{"RxBytes", rx}, {"TxPackets", 2}, {"Start", start}, {"Last", last}});
        };
        (void)graph_.addNode(makeNode(
            "if0", model::Object{{"Name", "if0"}, {"LastUpdateMetric", metric(100, 1000, 31000)}}));
        (void)graph_.addNode(makeNode(
            "if1", model::Object{{"Name", "if1"}, {"LastUpdateMetric", metric(30, 16000, 46000)}}));
        (void)graph_.addNode(makeNode(
            "sf",
            model::Object{{"Name", "sf"},
                          {"SFlow", model::Object{{"LastUpdateMetric", metric(8, 1000, 2000)}}}}));
        (void)graph_.addNode(
            makeNode("bad", model::Object{{"Name", "bad"}, {"LastUpdateMetric", "oops"}}));
        (void)graph_.addNode(makeNode("plain", model::Object{{"Name", "plain"}}));
    }
    std::string json(std::string_view q) {
        auto r = engine_.run(q, graph_);
        EXPECT_TRUE(r) << q << ": " << r.error().toString();
        return r ? toJson(*r) : std::string();
    }
    std::string error(std::string_view q) {
        auto r = engine_.run(q, graph_);
        EXPECT_FALSE(r) << q;
        return r ? std::string() : r.error().message;
    }
    model::ManualClock clock_{100000};
    graph::LiveGraph graph_{clock_};
    Engine engine_{clock_, {}};
};

TEST_F(MetricsEngine, LiveNodesGiveTheirLastMetricInUpstreamFieldOrder) {
    EXPECT_EQ(json("G.V().Has('Name', Within('if0', 'if1', 'plain')).Metrics()"),
              R"([{"if0":[{"RxBytes":100,"TxPackets":2,"Start":1000,"Last":31000}],)"
              R"("if1":[{"RxBytes":30,"TxPackets":2,"Start":16000,"Last":46000}]}])");
    EXPECT_EQ(json("G.V().Has('Name','plain').Metrics()"), "[]");
    EXPECT_EQ(json("G.V().Has('Name', Within('if0', 'if1')).Metrics().Count()"), "2");
    EXPECT_EQ(json("G.V().Has('Name','sf').Metrics('SFlow')"),
              R"([{"sf":[{"RxBytes":8,"TxPackets":2,"Start":1000,"Last":2000}]}])");
}

TEST_F(MetricsEngine, AggregatesWithoutContextSpanTheMetrics) {
    // [1000, 46000] in 30 s slices: if0 [1000, 31000] fills the first slice; if1
    // [16000, 46000] gives half of its counters to each.
    EXPECT_EQ(json("G.V().Has('Name', Within('if0', 'if1')).Metrics().Aggregates()"),
              R"([{"Aggregated":[{"RxBytes":115,"TxPackets":3,"Start":1000,"Last":31000},)"
              R"({"RxBytes":15,"TxPackets":1,"Start":31000,"Last":46000}]}])");
    EXPECT_EQ(json("G.V().Has('Name', Within('if0', 'if1')).Metrics().Sum('RxBytes')"), "130");
    EXPECT_EQ(json("G.V().Has('Name', Within('if0', 'if1')).Metrics().Sum()"),
              R"({"Last":46000,"RxBytes":130,"Start":1000,"TxPackets":4})");
}

TEST_F(MetricsEngine, ErrorsAreClear) {
    EXPECT_NE(error("G.V().Metrics('Foo')").find("Metric field unknown"), std::string::npos);
    EXPECT_NE(error("G.V().Metrics().Aggregates(0)").find("has to be a positive number"),
              std::string::npos);
    EXPECT_NE(error("G.V().Metrics().Aggregates('x')").find("has to be a positive number"),
              std::string::npos);
    EXPECT_NE(error("G.V().Has('Name','bad').Metrics()").find("wrong interface metric type"),
              std::string::npos);
    EXPECT_NE(error("G.V().Has('Name','if0').Metrics().Sum('Nope')").find("not a metric counter"),
              std::string::npos);
    EXPECT_NE(error("G.E().Metrics()").find("Invalid step 'Metrics'"), std::string::npos);
    EXPECT_NE(error("G.V().Aggregates()").find("Invalid step 'Aggregates'"), std::string::npos);
    EXPECT_NE(error("G.V().Metrics().Values('RxBytes')").find("Invalid step"), std::string::npos);
}

}  // namespace
}  // namespace skydive::gremlin
