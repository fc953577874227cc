// A scan's overlay holds plain pointers to the recent window's versions (ADR 011): a pin keeps
// the window's changes since its moment alive. trim() stops before them and clear() hands them
// to the pins (the store's side: ViewSharing.AScannedViewHoldsTheTrimBackUntilItEnds).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../../../storage/history/src/recent_window.h"  // private to the store

namespace skydive::store {
namespace {

// An edge change at `time`: an add (no `before`).
LogEntry edgeAdd(const std::string& id, Time time, std::uint64_t seq, graph::EdgePtr* out) {
    auto e = std::make_shared<model::Edge>();
    e->id = id;
    e->parent = "p";
    e->child = "c";
    e->created_at = e->updated_at = time;
    e->revision = 1;
    if (out != nullptr) *out = e;
    LogEntry entry;
    entry.key = TimelineKey{time, seq};
    entry.after = Version{model::NodeRec(), std::move(e)};
    return entry;
}

TEST(WindowPin, TrimStopsAtTheOldestPinnedMoment) {
    RecentWindow w(0);
    w.append(edgeAdd("e1", 10, 1, nullptr));
    w.append(edgeAdd("e2", 20, 2, nullptr));
    w.append(edgeAdd("e3", 30, 3, nullptr));
    EXPECT_EQ(w.trimmedThrough(100, 1u << 30), 30);
    EXPECT_EQ(w.trimmedThrough(15, 1u << 30), 10);
    {
        const WindowPin pin = w.pin(20);
        w.trim(100, 1u << 30);  // everything is older than 100, but 20 and 30 are pinned
        EXPECT_EQ(w.size(), 2u);
        EXPECT_EQ(w.from(), 10);
        EXPECT_TRUE(w.covers(20));
        WindowPin moved = w.pin(5);  // a second pin, moved: one registration each
        WindowPin other = std::move(moved);
        w.trim(100, 1u << 30);
        EXPECT_EQ(w.size(), 2u);
    }
    w.trim(100, 1u << 30);
    EXPECT_EQ(w.size(), 0u);
    EXPECT_EQ(w.from(), 30);
}

TEST(WindowPin, ClearHandsThePinnedVersionsToThePins) {
    RecentWindow w(0);
    graph::EdgePtr edge;
    w.append(edgeAdd("e1", 10, 1, &edge));
    const std::weak_ptr<const model::Edge> watch = edge;
    edge.reset();
    auto pin = std::make_unique<WindowPin>(w.pin(10));
    w.clear(50);
    EXPECT_EQ(w.size(), 0u);
    EXPECT_FALSE(watch.expired());  // the pin still has it
    // The old pin does not hold back the new log's trims.
    w.append(edgeAdd("e2", 60, 2, nullptr));
    w.trim(100, 1u << 30);
    EXPECT_EQ(w.size(), 0u);
    pin.reset();
    EXPECT_TRUE(watch.expired());

    // Without pins, clear() frees at once.
    w.append(edgeAdd("e3", 110, 3, &edge));
    const std::weak_ptr<const model::Edge> watch3 = edge;
    edge.reset();
    w.clear(200);
    EXPECT_TRUE(watch3.expired());
}

}  // namespace
}  // namespace skydive::store
