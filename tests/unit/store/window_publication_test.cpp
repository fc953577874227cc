// A large group's recent-window append and publication finish after its caller is
// acknowledged (ADR 015, ninth round): a view asked for right after apply() returns, from the
// same thread or another one, must still see every acknowledged revision, and the past must
// still be the past.
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ChangeKind;
using model::ManualClock;

constexpr int kNodes = 300;  // above the size whose window append is deferred

model::Node node(int i, std::int64_t rev, Time updated) {
    model::Node n;
    n.id = "n" + std::to_string(i);
    n.revision = rev;
    n.created_at = 1000;
    n.updated_at = updated;
    n.metadata.mutableObject().set("V", rev);
    return n;
}

// The V of every node in the whole-graph view at t: -1 when they differ or one is missing.
std::int64_t commonValueAt(const Store& s, Time t) {
    auto view = s.at(t);
    if (!view.ok()) return -2;
    std::int64_t common = 0;
    for (int i = 0; i < kNodes; ++i) {
        std::int64_t v = -1;
        (*view)->findNode("n" + std::to_string(i), [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            auto x = n.metadata.path("V");
            v = x ? x->asInt() : -1;
            return true;
        });
        if (v < 0 || (i > 0 && v != common)) return -1;
        common = v;
    }
    return common;
}

TEST(WindowPublication, ViewsRightAfterTheAckSeeTheWholeGroupAndThePastStays) {
    testing::TempDir dir;
    ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    auto opened = Store::open(o, clock);
    ASSERT_TRUE(opened.ok());
    auto& s = *opened;
    model::GraphDelta seed;
    for (int i = 0; i < kNodes; ++i)
        seed.changes.push_back({ChangeKind::NodeAdded, node(i, 1, 1000)});
    ASSERT_TRUE(s->apply(seed));

    // A reader on another thread: whatever view it gets at `now`, all nodes agree (a group is
    // never half published) and the value never goes back.
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> acked{1};
    std::atomic<int> torn{0}, behind{0};
    std::thread reader([&] {
        while (!stop) {
            std::int64_t before = acked;
            std::int64_t v = commonValueAt(*s, 1'000'000);
            if (v < 0) ++torn;
            if (v < before) ++behind;
        }
    });
    for (std::int64_t rev = 2; rev <= 40; ++rev) {
        Time t = 1000 + rev * 10;
        clock.set(t);
        model::GraphDelta d;
        for (int i = 0; i < kNodes; ++i)
            d.changes.push_back({ChangeKind::NodeUpdated, node(i, rev, t)});
        ASSERT_TRUE(s->apply(d));
        acked = rev;
        EXPECT_EQ(commonValueAt(*s, t), rev);          // the acknowledged group, whole
        EXPECT_EQ(commonValueAt(*s, t - 1), rev - 1);  // the past, from the window
        EXPECT_EQ(s->stats().revisions_written, static_cast<std::uint64_t>(kNodes * rev));
    }
    stop = true;
    reader.join();
    EXPECT_EQ(torn, 0);
    EXPECT_EQ(behind, 0);
    EXPECT_GT(s->stats().recent_entries, static_cast<std::size_t>(kNodes));  // the window served
}

}  // namespace
}  // namespace skydive::store
