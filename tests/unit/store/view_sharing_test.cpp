// Past views share the store's published latest image until the next commit, and the view
// cache keeps the most recently used views (ADR 021, "Shared latest image").
#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ManualClock;

model::Node typed(const std::string& id, const std::string& type) {
    model::Node n;
    n.id = id;
    n.metadata = *model::parseJson(R"({"Type":")" + type + R"("})");
    return n;
}

std::unique_ptr<Store> openStore(const std::string& dir, const model::Clock& clock,
                                 std::size_t cache_entries = 8) {
    StoreOptions o;
    o.data_dir = dir;
    o.view_cache_entries = cache_entries;
    auto s = Store::open(o, clock);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
    return s.ok() ? std::move(*s) : nullptr;
}

std::vector<std::string> ids(const graph::GraphView& v) {
    std::vector<std::string> out;
    v.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return out.emplace_back(n.id.view()), true;
    });
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t veths(const graph::GraphView& v) {
    return v.countByValue("Type", model::Value("veth"));
}

// A commit must publish its image to the views made after it (a stale shared image would roll
// the new changes back), and must not change the image under the views made before it.
TEST(ViewSharing, ViewsAfterACommitSeeItAndEarlierViewsKeepTheirs) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openStore(dir.path(), clock);
    ASSERT_TRUE(s->addNode(typed("a", "veth")));
    clock.set(2000);
    auto before = *s->at(2000);  // a only; taken before the next commit
    auto n_a = *s->at(1999);
    clock.set(3000);
    ASSERT_TRUE(s->addNode(typed("b", "veth")));
    clock.set(4000);
    auto after = *s->at(3500);
    EXPECT_EQ(ids(*after), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(veths(*after), 2u);
    model::NodeHandle found;
    after->findNode("b", [&](model::NodeHandle n) { return found = n, true; });
    EXPECT_FALSE(found.isNull());
    // Earlier views, fresh (nothing asked yet) and not: still the moment they were made for.
    EXPECT_EQ(veths(*before), 1u);
    EXPECT_EQ(ids(*before), std::vector<std::string>{"a"});
    EXPECT_EQ(ids(*n_a), std::vector<std::string>{"a"});
    // A later delete: the next view sees it, the view of 3500 keeps its answer.
    ASSERT_TRUE(s->deleteNode("a"));
    clock.set(5000);
    auto last = *s->at(4500);
    EXPECT_EQ(ids(*last), std::vector<std::string>{"b"});
    EXPECT_EQ(veths(*last), 1u);
    EXPECT_EQ(ids(*after), (std::vector<std::string>{"a", "b"}));
}

// The cache hands back the same view for a repeated moment, evicts the least recently used one
// past its capacity, and caches nothing with capacity 0.
TEST(ViewSharing, CacheKeepsTheMostRecentlyUsedViews) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openStore(dir.path(), clock, 3);
    ASSERT_TRUE(s->addNode(typed("a", "veth")));
    clock.set(2000);
    auto v1 = *s->at(1100);
    EXPECT_EQ((*s->at(1100)).get(), v1.get());
    auto v2 = *s->at(1200);
    auto v3 = *s->at(1300);
    EXPECT_EQ((*s->at(1100)).get(), v1.get());  // now the most recently used
    auto v4 = *s->at(1400);                     // evicts 1200
    EXPECT_EQ((*s->at(1100)).get(), v1.get());
    EXPECT_EQ((*s->at(1300)).get(), v3.get());
    EXPECT_EQ((*s->at(1400)).get(), v4.get());
    EXPECT_NE((*s->at(1200)).get(), v2.get());
    auto slice = *s->slice(1000, 1500);
    EXPECT_EQ((*s->slice(1000, 1500)).get(), slice.get());

    testing::TempDir dir0;
    auto none = openStore(dir0.path(), clock, 0);
    ASSERT_TRUE(none->addNode(typed("a", "veth")));
    auto w = *none->at(2000);
    EXPECT_NE((*none->at(2000)).get(), w.get());
    EXPECT_EQ(ids(*w), std::vector<std::string>{"a"});
}

std::size_t count(const graph::GraphView& v, const char* type) {
    std::size_t n = 0;
    v.nodesByValue("Type", model::Value(type), [&](model::NodeHandle) { return ++n, true; });
    return n;
}

// A view whose scan built an overlay pins the window's changes since its moment (ADR 012,
// "pins") while a query holds it: later trims stop there, the view's overlay keeps answering, and
// it leaves the cache. Once dropped, the window trims on.
TEST(ViewSharing, AScannedViewHoldsTheTrimBackUntilItEnds) {
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

// Outside the window a lookup walks back from the newest revision judging each one by the
// UpdatedAt of its record header (ADR 021): every moment gets the highest revision dated at or
// before it, also when a revision is dated before the previous one.
TEST(DiskLookup, EveryMomentGetsItsRevision) {
    testing::TempDir dir;
    ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = 0;  // every past lookup reads RocksDB
    auto opened = Store::open(o, clock);
    ASSERT_TRUE(opened.ok());
    auto s = std::move(*opened);
    ASSERT_TRUE(s->addNode(typed("a", "veth")));
    for (int i = 1; i <= 40; ++i) {
        clock.set(1000 + 10 * i);
        ASSERT_TRUE(s->setNodeMetadata("a", "V", i));
    }
    auto late = *s->nodeAt("a", 1400);
    ASSERT_TRUE(late.has_value());
    late->revision += 1;
    late->updated_at = 1205;  // dated before the previous revision
    late->metadata.mutableObject().set("V", 99);
    clock.set(1500);
    ASSERT_TRUE(s->replaceNode(*late));
    auto v = [&](Time t) -> std::int64_t {
        auto n = s->nodeAt("a", t);
        EXPECT_TRUE(n.ok());
        if (!n.ok() || !n->has_value()) return -1;
        auto x = (*n)->metadata.path("V");
        return x ? x->asInt() : 0;
    };
    EXPECT_EQ(v(999), -1);
    EXPECT_EQ(v(1000), 0);
    EXPECT_EQ(v(1009), 0);
    EXPECT_EQ(v(1010), 1);
    EXPECT_EQ(v(1155), 15);
    EXPECT_EQ(v(1204), 20);
    EXPECT_EQ(v(1205), 99);  // the late revision is the highest one dated at or before t
    EXPECT_EQ(v(1399), 99);
    EXPECT_EQ(v(2000), 99);
    EXPECT_EQ(s->at(1155).value()->countByValue("Type", model::Value("veth")), 1u);
}

}  // namespace
}  // namespace skydive::store
