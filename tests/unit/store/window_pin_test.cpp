// A scan's overlay holds plain pointers to the recent window's versions (ADR 011): a pin keeps
// the window's changes since its moment alive. trim() stops before them, clear() hands them to
// the pins, and the store's trims move cached views that pin out of the way.
#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../../../storage/history/src/recent_window.h"  // private to the store
#include "temp_dir.h"

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

model::Node typed(const std::string& id, const std::string& type) {
    model::Node n;
    n.id = id;
    n.metadata = *model::parseJson(R"({"Type":")" + type + R"("})");
    return n;
}

std::size_t count(const graph::GraphView& v, const char* type) {
    std::size_t n = 0;
    v.nodesByValue("Type", model::Value(type), [&](model::NodeHandle) { return ++n, true; });
    return n;
}

// A view whose scan built an overlay keeps the window's changes since its moment while a query
// holds it: later trims stop there, the view's overlay keeps answering, and it leaves the
// cache. Once dropped, the window trims on.
TEST(WindowPin, AScannedViewHoldsTheTrimBackUntilItEnds) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_ms = 1000;
    auto opened = Store::open(o, clock);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    auto& s = **opened;
    constexpr int kNodes = 20;
    for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(s.addNode(typed("n" + std::to_string(i), "veth")));
    clock.set(1100);
    for (int i = 0; i < kNodes / 2; ++i)
        ASSERT_TRUE(s.setNodeMetadata("n" + std::to_string(i), "Type", model::Value("tap")));

    auto view = *s.at(1050);  // all veth then
    std::size_t scanned = 0;
    view->forEachNode([&](model::NodeHandle) { return ++scanned, true; });  // builds the overlay
    EXPECT_EQ(scanned, static_cast<std::size_t>(kNodes));

    clock.set(5000);  // both changes are now older than the window's 1000 ms
    ASSERT_TRUE(s.addNode(typed("late", "veth")));
    EXPECT_LE(s.stats().recent_from, 1000);  // trimmed up to the pinned moment only
    EXPECT_EQ(count(*view, "veth"), static_cast<std::size_t>(kNodes));  // through the overlay
    EXPECT_EQ(count(*view, "tap"), 0u);
    EXPECT_NE(*s.at(1050), view);  // left the cache

    view.reset();
    clock.set(5001);
    ASSERT_TRUE(s.addNode(typed("later", "veth")));
    EXPECT_GE(s.stats().recent_from, 1100);
    auto from_disk = *s.at(1050);
    EXPECT_EQ(count(*from_disk, "veth"), static_cast<std::size_t>(kNodes));
}

}  // namespace
}  // namespace skydive::store
