#include <skydive/graph/live_graph.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace skydive::graph {
namespace {

using model::ChangeKind;

Node node(const std::string& id) {
    Node n;
    n.id = id;
    return n;
}

TEST(Events, DeliveredInOrderToEverySubscriber) {
    model::ManualClock clock(10);
    LiveGraph g(clock);
    std::mutex mu;
    std::vector<std::string> a, b;
    auto sa = g.subscribe([&](const model::Change& c) {
        std::lock_guard l(mu);
        a.push_back(std::string(model::changeKindName(c.kind)) + ":" + c.base().id.str() + ":" +
                    std::to_string(c.base().revision));
    });
    auto sb = g.subscribe([&](const model::Change& c) {
        std::lock_guard l(mu);
        b.push_back(std::string(model::changeKindName(c.kind)) + ":" + c.base().id.str() + ":" +
                    std::to_string(c.base().revision));
    });
    ASSERT_TRUE(g.addNode(node("x")));
    ASSERT_TRUE(g.addNode(node("y")));
    Edge e;
    e.id = "xy";
    e.parent = "x";
    e.child = "y";
    ASSERT_TRUE(g.addEdge(e));
    ASSERT_TRUE(g.setNodeMetadata("x", "Name", "eth0"));
    ASSERT_TRUE(g.setNodeMetadata("x", "Name", "eth0"));  // no event: equal value
    ASSERT_TRUE(g.setEdgeMetadata("xy", "RelationType", "layer2"));
    ASSERT_TRUE(g.deleteNode("y"));
    ASSERT_TRUE(sa->drain());
    ASSERT_TRUE(sb->drain());
    std::vector<std::string> want{"NodeAdded:x:1",   "NodeAdded:y:1",    "EdgeAdded:xy:1",
                                  "NodeUpdated:x:2", "EdgeUpdated:xy:2", "EdgeDeleted:xy:2",
                                  "NodeDeleted:y:1"};
    std::lock_guard l(mu);
    EXPECT_EQ(a, want);
    EXPECT_EQ(b, want);
}

// A subscriber that never returns must not slow the writer: its queue overflows, it is told so
// once, and other subscribers still get everything.
TEST(Events, SlowSubscriberOverflowsWithoutBlockingWriter) {
    model::ManualClock clock(10);
    LiveGraph g(clock);
    std::atomic<bool> release{false};
    std::atomic<int> overflow_calls{0};
    SubscribeOptions opts;
    opts.queue_capacity = 16;
    opts.on_overflow = [&] { ++overflow_calls; };
    auto slow = g.subscribe(
        [&](const model::Change&) {
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        },
        opts);
    std::atomic<int> fast_count{0};
    auto fast = g.subscribe([&](const model::Change&) { ++fast_count; });
    for (int i = 0; i < 2000; ++i) ASSERT_TRUE(g.addNode(node("n" + std::to_string(i))));
    EXPECT_TRUE(slow->overflowed());
    release = true;
    ASSERT_TRUE(fast->drain());
    EXPECT_EQ(fast_count.load(), 2000);
    for (int i = 0; i < 200 && overflow_calls == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(overflow_calls.load(), 1);
    EXPECT_FALSE(fast->overflowed());
}

TEST(Events, UnsubscribeStopsDelivery) {
    model::ManualClock clock(10);
    LiveGraph g(clock);
    std::atomic<int> count{0};
    auto sub = g.subscribe([&](const model::Change&) { ++count; });
    ASSERT_TRUE(g.addNode(node("a")));
    ASSERT_TRUE(sub->drain());
    sub.reset();
    ASSERT_TRUE(g.addNode(node("b")));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(count.load(), 1);
}

}  // namespace
}  // namespace skydive::graph
