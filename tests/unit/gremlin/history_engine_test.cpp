// Time travel through the engine over a real Store (RocksDB in a temporary directory):
// part of gremlin_history_test, the one Gremlin test binary that links the store.
#include <skydive/gremlin/engine.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "fixture_source.h"
#include "store_source.h"

namespace skydive::gremlin {
namespace {

// history_records.json in a RocksDB store in a temporary directory, the clock at 75 s.
class EngineTimeTravel : public ::testing::Test {
protected:
    void SetUp() override {
        auto fixture = tools::loadFixture(
            std::string(SKYDIVE_SHARED_DIR) + "/conformance/fixtures/history_records.json", 0);
        ASSERT_TRUE(fixture) << fixture.error().toString();
        fixture_ = std::move(*fixture);
        auto made = tools::makeSource(fixture_, clock_);
        ASSERT_TRUE(made) << made.error().toString();
        store_ = *made;
    }
    model::ManualClock clock_{1600000075000};
    tools::Fixture fixture_;
    std::shared_ptr<graph::GraphSource> store_;
};

TEST_F(EngineTimeTravel, RelativeTimesUseTheInjectedClock) {
    Engine engine(clock_, {});
    auto run = [&](std::string_view q) {
        auto r = engine.run(q, *store_);
        EXPECT_TRUE(r) << q << ": " << r.error().toString();
        return r ? toJson(*r) : std::string();
    };
    // now - 1m = 1600000015 s: aaa at revision 2, bbb just created.
    EXPECT_EQ(run("G.At('-1m').V().Has('Name','aaa').Values('MTU')"), "[1510]");
    EXPECT_EQ(run("G.At('-1m').V().Count()"), "2");
    clock_.set(1600000005000);
    EXPECT_EQ(run("G.At(NOW).V().Values('MTU')"), "[1500]");
    EXPECT_EQ(run("G.At(NOW, '1h').V().Values('MTU')"), "[1500]");
    clock_.set(1600000100000);
    EXPECT_EQ(run("G.At(NOW, FOREVER).V().Has('Name','aaa').Dedup().Values('MTU')"), "[1500]");
    EXPECT_EQ(run("G.At(1600000025000, 20).V().Has('Name','aaa').Values('@Revision')"), "[1,2,3]");
    EXPECT_EQ(run("G.At('Sun, 13 Sep 2020 12:26:55 GMT').E().Count()"), "1");
    EXPECT_EQ(run("G.V().Values('Name')"), R"(["bbb"])");
}

// The store's past views agree with a direct reading of spec §2.8's visibility rule.
TEST_F(EngineTimeTravel, StoreAgreesWithTheSpecRule) {
    auto rule = tools::memorySource(fixture_);
    Engine engine(clock_, {});
    for (std::int64_t t = 1599999999; t <= 1600000036; ++t) {
        for (const std::string suffix : {"", ", 0", ", 3", ", 10"}) {
            for (const char* tail :
                 {".V().Values('@Revision')", ".E().Values('@ID')", ".V().Values('MTU')"}) {
                const std::string q = "G.At(" + std::to_string(t) + suffix + ")" + tail;
                auto a = engine.run(q, *store_);
                auto b = engine.run(q, *rule);
                ASSERT_TRUE(a && b) << q;
                auto sorted = [](std::string json) {
                    std::sort(json.begin(), json.end());
                    return json;
                };
                // Point views: any order; slices: ordered by UpdatedAt in both.
                if (suffix.empty()) {
                    EXPECT_EQ(sorted(toJson(*a)), sorted(toJson(*b))) << q;
                } else {
                    EXPECT_EQ(toJson(*a), toJson(*b)) << q;
                }
            }
        }
    }
}

// `G.At(t)` queries share one cached plan per template (AtTemplate): every answer, and every
// error, is the one an engine without a plan cache gives for the same text.
TEST_F(EngineTimeTravel, TemplatedAtPlansAnswerLikeFreshOnes) {
    Engine cached(clock_, {});
    EngineOptions no_cache;
    no_cache.plan_cache_entries = 0;
    Engine fresh(clock_, no_cache);
    auto same = [&](const std::string& q) {
        auto a = cached.run(q, *store_);
        auto b = fresh.run(q, *store_);
        ASSERT_EQ(a.ok(), b.ok()) << q;
        if (a) {
            EXPECT_EQ(toJson(*a), toJson(*b)) << q;
        } else {
            EXPECT_EQ(a.error().toString(), b.error().toString()) << q;
        }
    };
    for (std::int64_t t = 1600000000; t <= 1600000036; t += 3) {
        same("G.At(" + std::to_string(t) + ").V().Values('@Revision')");
        same("g.at( " + std::to_string(t * 1000) + " , 5 ).V().Values('MTU')");
        same("G.Context(" + std::to_string(t) + " 10).E().Values('@ID')");
    }
    for (const char* moment :
         {"'-1m'", "\"-30s\"", "'Sun, 13 Sep 2020 12:26:55 GMT'", "'bogus'", "'-1m\"", "''"}) {
        same(std::string("G.At(") + moment + ").V().Values('MTU')");
        same(std::string("G.At(") + moment + ", '1m').V().Values('MTU')");
        same(std::string("G.At(") + moment + ", 'nope').V().Values('MTU')");
    }
    // A plan cached from a good moment must not hide the error of a bad one, nor of a bad tail.
    same("G.At(1600000020).V().Has('Name','aaa').Values('MTU')");
    same("G.At(99999999999999999999).V().Has('Name','aaa').Values('MTU')");
    same("G.At(1600000020).V().Has('Name','aaa').Valuez('MTU')");
    same("G.At(1600000020, 1, 2).V()");
}

}  // namespace
}  // namespace skydive::gremlin
