#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::Value;

Value readFixture(const std::string& name) {
    std::ifstream in(std::string(SKYDIVE_SHARED_DIR) + "/conformance/fixtures/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    auto v = model::parseJson(ss.str());
    EXPECT_TRUE(v.ok()) << name;
    return v.ok() ? *v : Value();
}

constexpr Time kS = 1000;  // the cases give seconds

class HistoryFixture : public ::testing::Test {
protected:
    void SetUp() override {
        StoreOptions o;
        o.data_dir = dir.path();
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        store = std::move(*s);
        ASSERT_TRUE(loadHistoryRecords(*store, readFixture("history_records.json")));
    }
    std::vector<Value> values(const graph::GraphView& v, std::string_view name,
                              std::string_view key) {
        std::vector<Value> out;
        v.nodesByValue("Name", Value(name), [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            if (auto f = model::fieldOf(n, key)) out.push_back(*f);
            return true;
        });
        return out;
    }
    testing::TempDir dir;
    model::ManualClock clock{1700000000000};
    std::unique_ptr<Store> store;
};

// Cases 139-155 of ../shared/conformance (at-*, context-*).
TEST_F(HistoryFixture, PointCases) {
    EXPECT_EQ(values(**store->at(1600000005 * kS), "aaa", "MTU"), std::vector<Value>{1500});
    EXPECT_EQ(values(**store->at(1600000025 * kS), "aaa", "MTU"), std::vector<Value>{1520});
    EXPECT_EQ(values(**store->at(1600000030 * kS), "aaa", "MTU").size(), 1u);
    auto after = *store->at(1600000031 * kS);
    std::vector<std::string> names;
    after->forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return names.push_back(std::string(n.metadata.path("Name")->asString())), true;
    });
    EXPECT_EQ(names, std::vector<std::string>{"bbb"});
    EXPECT_EQ((*store->at(1600000025 * kS))->edgeCount(), 1u);
    EXPECT_EQ((*store->at(1600000035 * kS))->edgeCount(), 0u);
    EXPECT_EQ((*store->at(clock.now() - 60 * kS))->nodeCount(), 1u);  // at-relative
    // Without a time context only the records without ArchivedAt: bbb.
    EXPECT_EQ(store->live()->nodeCount(), 1u);
    EXPECT_EQ(store->live()->edgeCount(), 0u);
}

TEST_F(HistoryFixture, SliceCases) {
    EXPECT_EQ(values(**store->slice(1600000005 * kS, 1600000025 * kS), "aaa", "MTU"),
              (std::vector<Value>{1500, 1510, 1520}));
    EXPECT_EQ(values(**store->slice(1600000011 * kS, 1600000012 * kS), "aaa", "MTU"),
              std::vector<Value>{1510});
    EXPECT_EQ(values(**store->slice(0, 1600000025 * kS), "aaa", "MTU").size(), 3u);
}

TEST(MetricsFixture, SliceKeepsEveryRevision) {
    testing::TempDir dir;
    model::ManualClock clock(1700000000000);
    StoreOptions o;
    o.data_dir = dir.path();
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(loadHistoryRecords(**s, readFixture("metrics_history_records.json")));
    auto v = (*s)->slice((1600000090 - 91) * kS, 1600000090 * kS);
    ASSERT_TRUE(v.ok());
    std::vector<Value> starts;
    (*v)->forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        if (auto m = n.metadata.path("LastUpdateMetric.Start")) starts.push_back(*m);
        return true;
    });
    EXPECT_EQ(starts, (std::vector<Value>{1600000000000, 1600000030000}));
    EXPECT_EQ((*v)->nodeCount(), 3u);
}

TEST(HistoryLoader, RejectsMalformedRecords) {
    testing::TempDir dir;
    model::ManualClock clock(1);
    StoreOptions o;
    o.data_dir = dir.path();
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    auto bad = model::parseJson(R"({"Records":[{"ID":"x","_Type":"car"}]})");
    EXPECT_EQ(loadHistoryRecords(**s, *bad).error().code, model::ErrorCode::InvalidArgument);
    EXPECT_FALSE(loadHistoryRecords(**s, Value(3)).ok());
    EXPECT_EQ((*s)->slice(0, 1000000).value()->nodeCount(), 0u);
}

}  // namespace
}  // namespace skydive::store
