// The store's view cache hands the views it evicts or replaces to its caller instead of
// destroying them: the store drops them after releasing its lock (an evicted view can hold a
// whole image, or the versions it handed out).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <skydive/graph/slice_view.h>

#include "../../../storage/history/src/view_cache.h"  // private to the store

namespace skydive::store {
namespace {

using graph::ViewKind;

graph::GraphViewPtr someView(model::Time t) {
    return graph::makeSliceView({}, {}, t, t, std::make_shared<graph::IndexConfig>());
}

TEST(ViewCache, EvictedAndReplacedViewsGoToTheCaller) {
    ViewCache cache;
    std::vector<graph::GraphViewPtr> evicted;
    auto v1 = someView(1), v2 = someView(2), v3 = someView(3);
    const std::weak_ptr<const graph::GraphView> w1 = v1;
    cache.insert(ViewKind::Point, 1, 1, std::move(v1), 2, evicted);
    cache.insert(ViewKind::Point, 2, 2, v2, 2, evicted);
    EXPECT_TRUE(evicted.empty());
    cache.insert(ViewKind::Point, 3, 3, v3, 2, evicted);  // over capacity: 1 is the oldest
    ASSERT_EQ(evicted.size(), 1u);
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.find(ViewKind::Point, 1, 1), nullptr);
    EXPECT_FALSE(w1.expired());  // alive until the caller drops it
    evicted.clear();
    EXPECT_TRUE(w1.expired());

    cache.insert(ViewKind::Point, 2, 2, someView(20), 2, evicted);  // the same key: replaced
    ASSERT_EQ(evicted.size(), 1u);
    EXPECT_EQ(evicted[0], v2);
    EXPECT_NE(cache.find(ViewKind::Point, 2, 2), v2);
    EXPECT_EQ(cache.find(ViewKind::Point, 3, 3), v3);
}

TEST(ViewCache, ZeroCapacityKeepsNothing) {
    ViewCache cache;
    std::vector<graph::GraphViewPtr> evicted;
    cache.insert(ViewKind::Slice, 1, 2, someView(1), 0, evicted);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_TRUE(evicted.empty());
}

}  // namespace
}  // namespace skydive::store
