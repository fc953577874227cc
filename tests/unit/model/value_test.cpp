#include <skydive/model/value.h>

#include <gtest/gtest.h>

#include <thread>

namespace skydive::model {
namespace {

TEST(Str, InlineAndHeap) {
    Str small("eth0");
    Str exact(std::string(15, 'x'));
    Str big(std::string(100, 'y'));
    EXPECT_EQ(sizeof(Str), 16u);
    EXPECT_EQ(small.view(), "eth0");
    EXPECT_EQ(small.heapBytes(), 0u);
    EXPECT_EQ(exact.size(), 15u);
    EXPECT_EQ(exact.heapBytes(), 0u);
    EXPECT_EQ(big.size(), 100u);
    EXPECT_GT(big.heapBytes(), 100u);
    Str copy = big;
    EXPECT_EQ(copy, big);
    Str moved = std::move(copy);
    EXPECT_EQ(moved.view(), std::string(100, 'y'));
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    moved = small;
    EXPECT_EQ(moved, "eth0");
}

TEST(Value, TypesAreDistinct) {
    EXPECT_EQ(sizeof(Value), 16u);
    EXPECT_TRUE(Value().isNull());
    EXPECT_TRUE(Value(true).isBool());
    EXPECT_TRUE(Value(1).isInt());
    EXPECT_TRUE(Value(1.0).isDouble());
    EXPECT_NE(Value(1), Value(1.0));
    EXPECT_NE(Value(1), Value("1"));
    EXPECT_EQ(Value(std::int64_t{9007199254740993}).asInt(), 9007199254740993);
    EXPECT_EQ(Value(INT64_MIN).asInt(), INT64_MIN);
}

TEST(Value, StringsInlineAndShared) {
    Value a("fourteen chars");  // 14 bytes: inline
    Value b("a longer string than fourteen bytes");
    EXPECT_EQ(a.heapBytes(), 0u);
    EXPECT_GT(b.heapBytes(), 0u);
    Value c = b;
    EXPECT_EQ(c.asString(), "a longer string than fourteen bytes");
    EXPECT_EQ(b, c);
    EXPECT_EQ(a.asString(), "fourteen chars");
}

TEST(Value, CopyOnWrite) {
    Value a = Value::object();
    a.mutableObject().set("k", 1);
    Value b = a;
    b.mutableObject().set("k", 2);
    EXPECT_EQ(*a.asObject().find("k"), Value(1));
    EXPECT_EQ(*b.asObject().find("k"), Value(2));
    Value l = Value(List{1, 2});
    Value m = l;
    m.mutableList().push_back(3);
    EXPECT_EQ(l.asList().size(), 2u);
    EXPECT_EQ(m.asList().size(), 3u);
}

TEST(Value, SharedAcrossThreads) {
    Value shared(List{Value("a string long enough to live on the heap"), Value(Object{{"x", 1}})});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([shared] {
            for (int i = 0; i < 10000; ++i) {
                Value copy = shared;
                ASSERT_EQ(copy.asList().size(), 2u);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(shared.asList()[0].asString(), "a string long enough to live on the heap");
}

TEST(Object, SortedAndSetReportsChange) {
    Object o;
    EXPECT_TRUE(o.set("b", 1));
    EXPECT_TRUE(o.set("a", 2));
    EXPECT_FALSE(o.set("a", 2));
    EXPECT_TRUE(o.set("a", 3));
    std::vector<std::string> keys;
    for (const auto& [k, v] : o) keys.push_back(k.str());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(o.erase("a"));
    EXPECT_FALSE(o.erase("a"));
    EXPECT_EQ(o.size(), 1u);
}

TEST(Object, LargeObjectsUseBinarySearch) {
    Object o;
    for (int i = 0; i < 100; ++i) o.set("key" + std::to_string(i), i);
    for (int i = 0; i < 100; ++i) {
        const Value* v = o.find("key" + std::to_string(i));
        ASSERT_NE(v, nullptr);
        EXPECT_EQ(v->asInt(), i);
    }
    EXPECT_EQ(o.find("nope"), nullptr);
}

TEST(Value, SetAndErasePath) {
    Value root = Value::object();
    EXPECT_TRUE(setPath(root, "a.b.c", 1));
    EXPECT_EQ(root.path("a.b.c"), Value(1));
    EXPECT_FALSE(setPath(root, "a.b.c.d", 2));  // c is not an object
    EXPECT_TRUE(erasePath(root, "a.b.c"));
    EXPECT_FALSE(root.path("a.b.c").has_value());
    EXPECT_TRUE(root.path("a.b").has_value());
    EXPECT_FALSE(erasePath(root, "x.y"));
}

TEST(Value, Depth) {
    EXPECT_EQ(depth(Value(1)), 0u);
    EXPECT_EQ(depth(Value(Object{{"a", 1}})), 1u);
    EXPECT_EQ(depth(Value(Object{{"a", Value(List{Value(Object{})})}})), 3u);
}

TEST(Value, HashFollowsEquality) {
    Value a(Object{{"x", Value(List{1, "two", 3.5})}});
    Value b(Object{{"x", Value(List{1, "two", 3.5})}});
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.hash(), b.hash());
    EXPECT_NE(Value(1).hash(), Value(1.0).hash());
}

}  // namespace
}  // namespace skydive::model
