// The compact object layout (ADR 002): interned shapes, one block of values, copy on write.
#include <skydive/model/json.h>
#include <skydive/model/value.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace skydive::model {
namespace {

std::vector<std::string> keysOf(const Object& o) {
    std::vector<std::string> out;
    for (const auto& [k, v] : o) out.push_back(k.str());
    return out;
}

TEST(ObjectLayout, EqualWhateverTheBuildOrder) {
    Object a;
    a.set("Type", "veth");
    a.set("MTU", 1500);
    a.set("Name", "eth0");
    Object b{{"Name", "eth0"}, {"MTU", 1500}, {"Type", "veth"}};
    Object c;
    c.reserve(3);
    c.appendUnsorted("MTU", 1500);
    c.appendUnsorted("Name", "eth0");
    c.appendUnsorted("Type", "veth");
    auto d = parseJson(R"({"Type":"veth","Name":"eth0","MTU":1500})");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c);
    EXPECT_EQ(Value(a), d.value());
    EXPECT_EQ(keysOf(a), (std::vector<std::string>{"MTU", "Name", "Type"}));
    b.set("MTU", 9000);
    EXPECT_NE(a, b);
    b.set("MTU", 1500);
    b.set("Extra", true);
    EXPECT_NE(a, b);  // same values, one more key
}

TEST(ObjectLayout, OrderSurvivesInsertAndErase) {
    Object o;
    for (const char* k : {"k5", "k1", "k9", "k3", "k7", "k2", "k8", "k4", "k6", "k0"}) o.set(k, k);
    EXPECT_EQ(keysOf(o), (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7",
                                                   "k8", "k9"}));
    EXPECT_TRUE(o.erase("k0"));
    EXPECT_TRUE(o.erase("k5"));
    EXPECT_TRUE(o.erase("k9"));
    EXPECT_FALSE(o.erase("k5"));
    EXPECT_EQ(keysOf(o), (std::vector<std::string>{"k1", "k2", "k3", "k4", "k6", "k7", "k8"}));
    for (const auto& [k, v] : o) EXPECT_EQ(v.asString(), k.view());
    for (auto k : keysOf(o)) EXPECT_TRUE(o.erase(k));
    EXPECT_TRUE(o.empty());
    EXPECT_EQ(o, Object{});
}

TEST(ObjectLayout, CopyOnWrite) {
    Object a{{"A", 1}, {"B", Value(Object{{"C", "deep"}})}};
    Object b = a;
    b.set("A", 2);
    *b.find("B") = Value("replaced");
    EXPECT_EQ(*a.find("A"), Value(1));
    EXPECT_TRUE(a.find("B")->isObject());
    EXPECT_EQ(*b.find("A"), Value(2));
    Object c = a;
    c.erase("A");
    EXPECT_EQ(a.size(), 2u);
    EXPECT_EQ(c.size(), 1u);
    Value v(a);
    Value w = v;
    w.mutableObject().set("New", 1);
    EXPECT_EQ(v.asObject().find("New"), nullptr);
    EXPECT_NE(w.asObject().find("New"), nullptr);
}

TEST(ObjectLayout, UnsortedAppendsLastDuplicateWins) {
    Object o;
    o.appendUnsorted("b", 1);
    o.appendUnsorted("a", 2);
    o.appendUnsorted("b", 3);
    o.sortAndDedup();
    EXPECT_EQ(o, (Object{{"a", 2}, {"b", 3}}));
    auto j = parseJson(R"({"x":1,"x":2,"a":0})");
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(j.value(), Value(Object{{"a", 0}, {"x", 2}}));
}

TEST(ObjectLayout, ObjectsWithTheSameKeysShareOneShape) {
    std::size_t before = internedShapeCount();
    std::vector<Object> objects;
    for (int i = 0; i < 1000; ++i)
        objects.push_back(Object{{"Name", "veth" + std::to_string(i)}, {"Unique-key-set-x", i}});
    EXPECT_EQ(internedShapeCount(), before + 1);
    EXPECT_EQ(Value(objects[0]).heapBytes() < 16 + 2 * 16 + 1, true);  // no private key list
}

// Shapes die with their objects: a thread that builds and drops objects leaves the table as
// it found it once the thread (and its transition cache) is gone.
TEST(ObjectLayout, ShapesDieWithTheirObjects) {
    std::size_t before = internedShapeCount();
    std::thread([] {
        for (int i = 0; i < 500; ++i) {
            Object o;
            o.set("only-here-" + std::to_string(i), i);
            o.set("also-" + std::to_string(i % 7), i);
        }
    }).join();
    EXPECT_EQ(internedShapeCount(), before);
}

TEST(ObjectLayout, ConcurrentInterningGivesEqualObjects) {
    constexpr int kThreads = 4;
    std::vector<std::vector<Object>> built(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &built] {
            for (int i = 0; i < 5000; ++i) {
                Object o;
                int shape = (i * 7 + t) % 50;  // 50 key sets, each met by every thread
                for (int k = 0; k <= shape % 6; ++k)
                    o.set("key" + std::to_string(shape) + "_" + std::to_string(k), k);
                built[t].push_back(std::move(o));
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < 5000; ++i) {
            int shape = (i * 7 + t) % 50;
            Object want;
            for (int k = shape % 6; k >= 0; --k)
                want.set("key" + std::to_string(shape) + "_" + std::to_string(k), k);
            ASSERT_EQ(built[t][i], want) << t << " " << i;
        }
    }
}

TEST(ObjectLayout, TableGrowsWhileReadersRead) {
    std::vector<Object> shared;
    for (int i = 0; i < 64; ++i)
        shared.push_back(Object{{"Reader", i}, {"Shape" + std::to_string(i % 8), "v"}});
    std::atomic<bool> stop{false};
    std::atomic<long> mismatches{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                for (int i = 0; i < 64; ++i) {
                    const Value* v = shared[i].find("Reader");
                    const Value* s = shared[i].find("Shape" + std::to_string(i % 8));
                    if (v == nullptr || *v != Value(i) || s == nullptr) ++mismatches;
                    Object copy = shared[i];  // copies share the block across threads
                    if (copy != shared[i]) ++mismatches;
                }
            }
        });
    }
    std::vector<Object> grown;
    for (int i = 0; i < 20000; ++i) grown.push_back(Object{{"grow" + std::to_string(i), i}});
    stop = true;
    for (auto& th : readers) th.join();
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_GE(internedShapeCount(), 20000u);
    EXPECT_EQ(*grown[12345].find("grow12345"), Value(12345));
}

}  // namespace
}  // namespace skydive::model
