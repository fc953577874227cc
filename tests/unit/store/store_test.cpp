#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ErrorCode;
using model::ManualClock;
using model::Value;
using testing::TempDir;

model::Node node(const std::string& id, std::string_view md = "{}") {
    model::Node n;
    n.id = id;
    n.metadata = *model::parseJson(md);
    return n;
}

model::Edge edge(const std::string& id, const std::string& p, const std::string& c) {
    model::Edge e;
    e.id = id;
    e.parent = p;
    e.child = c;
    return e;
}

std::unique_ptr<Store> openStore(const std::string& dir, const model::Clock& clock,
                                 StoreOptions o = {}) {
    o.data_dir = dir;
    auto s = Store::open(o, clock);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
    return s.ok() ? std::move(*s) : nullptr;
}

std::optional<Value> mtuAt(const Store& s, Time t) {
    auto v = s.at(t);
    EXPECT_TRUE(v.ok());
    std::optional<Value> out;
    (*v)->findNode("n1", [&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return out = n.metadata.path("MTU"), true;
    });
    return out;
}

class StoreTest : public ::testing::TestWithParam<bool> {
protected:
    // Param: true = recent window disabled, every past view comes from RocksDB.
    StoreOptions options() const {
        StoreOptions o;
        if (GetParam()) o.recent_window_bytes = 0;
        o.checkpoint_every_changes = 3;
        return o;
    }
    TempDir dir;
    ManualClock clock{1000};
};

TEST_P(StoreTest, PointViewsFollowRevisions) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("n1", R"({"MTU":1500})")));
    clock.set(2000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1510));
    clock.set(3000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1520));
    clock.set(4000);
    ASSERT_TRUE(s->deleteNode("n1"));
    EXPECT_FALSE(mtuAt(*s, 999));
    EXPECT_EQ(mtuAt(*s, 1000), Value(1500));
    EXPECT_EQ(mtuAt(*s, 1999), Value(1500));
    EXPECT_EQ(mtuAt(*s, 2000), Value(1510));  // both revisions qualify: the highest wins
    EXPECT_EQ(mtuAt(*s, 3500), Value(1520));
    EXPECT_EQ(mtuAt(*s, 4000), Value(1520));  // deleted at exactly t: still visible
    EXPECT_FALSE(mtuAt(*s, 4001));
    auto n = s->nodeAt("n1", 3500);
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n->has_value());
    EXPECT_EQ((*n)->revision, 3);
    EXPECT_EQ((*n)->deleted_at, 4000);  // the stored (final) form of that revision
    EXPECT_FALSE(s->nodeAt("n1", 4001)->has_value());
    EXPECT_EQ(s->nodeAt("n1", 1500)->value().metadata.path("MTU"), Value(1500));
    EXPECT_EQ(s->live()->nodeCount(), 0u);
}

TEST_P(StoreTest, SliceReturnsEveryRevisionByUpdatedAt) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("n1", R"({"MTU":1500})")));
    clock.set(2000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1510));
    clock.set(3000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1520));
    auto mtus = [&](Time from, Time to) {
        std::vector<std::int64_t> out;
        auto v = s->slice(from, to);
        EXPECT_TRUE(v.ok());
        (*v)->forEachNode([&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            return out.push_back(n.metadata.path("MTU")->asInt()), true;
        });
        return out;
    };
    EXPECT_EQ(mtus(0, 5000), (std::vector<std::int64_t>{1500, 1510, 1520}));
    EXPECT_EQ(mtus(2000, 2000), (std::vector<std::int64_t>{1500, 1510}));
    EXPECT_EQ(mtus(2001, 2999), (std::vector<std::int64_t>{1510}));
    EXPECT_EQ(mtus(3000, 9000), (std::vector<std::int64_t>{1510, 1520}));
    EXPECT_EQ(s->slice(5, 1).error().code, ErrorCode::InvalidArgument);
}

TEST_P(StoreTest, RestartRebuildsLiveGraphAndHistory) {
    {
        auto s = openStore(dir.path(), clock, options());
        ASSERT_TRUE(s->addNode(node("a", R"({"Type":"host"})")));
        ASSERT_TRUE(s->addNode(node("b")));
        ASSERT_TRUE(s->addEdge(edge("ab", "a", "b")));
        clock.set(2000);
        ASSERT_TRUE(s->setNodeMetadata("b", "Name", "eth0"));
        ASSERT_TRUE(s->addNode(node("c")));
        clock.set(3000);
        ASSERT_TRUE(s->deleteNode("c"));
    }
    auto s = openStore(dir.path(), clock, options());
    auto live = s->live();
    EXPECT_EQ(live->nodeCount(), 2u);
    EXPECT_EQ(live->edgeCount(), 1u);
    int found = 0;
    live->nodesByValue("Type", "host", [&](model::NodeHandle) { return ++found, true; });
    EXPECT_EQ(found, 1);
    EXPECT_EQ(s->at(2500).value()->nodeCount(), 3u);
    EXPECT_EQ(s->at(1500).value()->edgeCount(), 1u);
    // Writing after the restart continues the revision sequence.
    clock.set(4000);
    ASSERT_TRUE(s->setNodeMetadata("b", "Name", "eth1"));
    EXPECT_EQ(s->nodeAt("b", 4000)->value().revision, 3);
    EXPECT_EQ(s->nodeAt("b", 3999)->value().metadata.path("Name"), Value("eth0"));
}

TEST_P(StoreTest, BadInputWritesNothing) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("a")));
    EXPECT_EQ(s->addEdge(edge("ax", "a", "x")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->addNode(node("")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->addNode(node(std::string(70000, 'x'))).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->stats().revisions_written, 1u);
    EXPECT_EQ(s->slice(0, 1000000).value()->nodeCount(), 1u);
}

INSTANTIATE_TEST_SUITE_P(WindowOnOff, StoreTest, ::testing::Bool());

// The LSM shape line counts what was written: memtable entries before a flush, an L0 file after.
TEST(Store, RevShapeFollowsFlushes) {
    TempDir dir;
    ManualClock clock(1);
    {
        auto s = openStore(dir.path(), clock);
        for (int i = 0; i < 3; ++i) {
            model::Node n;
            n.id = "n" + std::to_string(i);
            ASSERT_TRUE(s->addNode(n));
        }
        EXPECT_NE(s->revShape().find("memtable 3 entries"), std::string::npos) << s->revShape();
        EXPECT_NE(s->revShape().find("L0=0"), std::string::npos) << s->revShape();
    }  // a clean shutdown flushes the memtables
    auto s = openStore(dir.path(), clock);
    EXPECT_NE(s->revShape().find("memtable 0 entries"), std::string::npos) << s->revShape();
    EXPECT_NE(s->revShape().find("L0=1"), std::string::npos) << s->revShape();
}

TEST(Store, SecondOpenerGetsClearError) {
    TempDir dir;
    ManualClock clock(1);
    auto s = openStore(dir.path(), clock);
    StoreOptions o;
    o.data_dir = dir.path();
    auto again = Store::open(o, clock);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Unavailable);
    // The same from another process.
    pid_t pid = fork();
    if (pid == 0) {
        auto other = Store::open(o, clock);
        _exit(!other.ok() && other.error().code == ErrorCode::Unavailable ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Store, ApiObjects) {
    TempDir dir;
    ManualClock clock(1);
    {
        auto s = openStore(dir.path(), clock);
        ASSERT_TRUE(
            s->putApiObject("capture", "c1", *model::parseJson(R"J({"GremlinQuery":"G.V()"})J")));
        ASSERT_TRUE(s->putApiObject("capture", "c2", *model::parseJson(R"({"Type":"pcap"})")));
        ASSERT_TRUE(s->putApiObject("alert", "a1", *model::parseJson(R"({"Action":"x"})")));
        EXPECT_EQ(s->putApiObject("alert", "a2", Value(1)).error().code,
                  ErrorCode::InvalidArgument);
        ASSERT_TRUE(s->deleteApiObject("capture", "c2"));
        EXPECT_EQ(s->deleteApiObject("capture", "c2").error().code, ErrorCode::NotFound);
    }
    auto s = openStore(dir.path(), clock);
    auto list = s->listApiObjects("capture");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].first, "c1");
    EXPECT_EQ((*list)[0].second.path("GremlinQuery"), Value("G.V()"));
    EXPECT_EQ(s->getApiObject("alert", "a1")->path("Action"), Value("x"));
    EXPECT_EQ(s->getApiObject("alert", "zz").error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace skydive::store

namespace skydive::store {
namespace {

TEST(Store, FlowsByTimeAndMetricsByNode) {
    testing::TempDir dir;
    model::ManualClock clock(1);
    auto s = openStore(dir.path(), clock);
    auto flow = [](const char* uuid, int bytes) {
        Value v = Value::object();
        v.mutableObject().set("UUID", uuid);
        v.mutableObject().set("Bytes", bytes);
        return v;
    };
    ASSERT_TRUE(s->putFlow("f1", 100, flow("f1", 1)));
    ASSERT_TRUE(s->putFlow("f2", 200, flow("f2", 2)));
    ASSERT_TRUE(s->putFlow("f1", 300, flow("f1", 3)));  // moves f1 to t=300
    auto uuids = [&](Time from, Time to) {
        std::vector<std::string> out;
        auto flows = s->flowsUpdatedBetween(from, to);
        for (const Value& f : flows.value()) out.push_back(std::string(f.path("UUID")->asString()));
        return out;
    };
    EXPECT_EQ(uuids(0, 1000), (std::vector<std::string>{"f2", "f1"}));
    EXPECT_EQ(uuids(0, 150), std::vector<std::string>{});
    EXPECT_EQ(uuids(300, 300), std::vector<std::string>{"f1"});
    EXPECT_EQ(s->getFlow("f1")->path("Bytes"), Value(3));
    EXPECT_EQ(s->getFlow("nope").error().code, ErrorCode::NotFound);
    for (Time t = 0; t < 5; ++t) {
        Value m = Value::object();
        m.mutableObject().set("RxBytes", static_cast<std::int64_t>(t));
        ASSERT_TRUE(s->putMetric("eth0", t * 30, t * 30 + 30, m));
        ASSERT_TRUE(s->putMetric("eth1", t * 30, t * 30 + 30, m));
    }
    auto rx = [&](Time from, Time to) {
        std::vector<std::int64_t> out;
        auto metrics = s->metricsBetween("eth0", from, to);
        for (const Value& m : metrics.value()) out.push_back(m.path("RxBytes")->asInt());
        return out;
    };
    EXPECT_EQ(rx(0, 1000), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(rx(45, 61), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(rx(200, 300), std::vector<std::int64_t>{});
}

}  // namespace
}  // namespace skydive::store

namespace skydive::store {
namespace {

std::vector<std::string> render(const graph::GraphView& v) {
    std::vector<std::string> out;
    v.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        out.push_back(n.id.str() + "@" + std::to_string(n.revision) + "d" +
                      std::to_string(n.deleted_at));
        return true;
    });
    std::sort(out.begin(), out.end());
    return out;
}

// A cached past view must not survive a later deletion of a revision it shows: that revision's
// stored form gains DeletedAt (spec §1.4 archive semantics).
TEST(Store, CachedViewsFollowLaterDeletions) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openStore(dir.path(), clock);
    ASSERT_TRUE(s->addNode(node("a")));
    clock.set(2000);
    EXPECT_EQ(render(**s->at(1500)), std::vector<std::string>{"a@1d0"});
    EXPECT_EQ(render(**s->slice(1000, 1500)), std::vector<std::string>{"a@1d0"});
    clock.set(3000);
    ASSERT_TRUE(s->deleteNode("a"));
    EXPECT_EQ(render(**s->at(1500)), std::vector<std::string>{"a@1d3000"});
    EXPECT_EQ(render(**s->slice(1000, 1500)), std::vector<std::string>{"a@1d3000"});
}

// Readers query the past while the writer appends (adds and updates only, so a moment that is
// over never changes): every repeated question gets the same answer, through the window, its
// eviction and the disk path.
TEST(Store, ConcurrentReadersSeeStablePast) {
    testing::TempDir dir;
    ManualClock clock(1000);
    StoreOptions o;
    o.recent_window_bytes = 200 * 1024;  // small: eviction happens during the test
    o.checkpoint_every_changes = 200;
    auto s = openStore(dir.path(), clock, o);
    std::atomic<Time> committed{999};
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 3000; ++i) {
            clock.advance(1);
            std::string id = "n" + std::to_string(i % 300);
            auto st = i < 300 ? s->addNode(node(id)) : s->setNodeMetadata(id, "V", i);
            ASSERT_TRUE(st);
            committed = clock.now();
        }
        done = true;
    });
    std::vector<std::thread> readers;
    std::atomic<int> compared{0};
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&, r] {
            std::mt19937 rng(r);
            std::map<Time, std::vector<std::string>> seen;
            for (int iter = 0; !done || iter < 40; ++iter) {
                Time last = committed - 1;  // strictly past: no further change can land there
                if (last < 1000) continue;
                // A few fixed moments, so that questions repeat while history grows.
                Time t = 1000 + static_cast<Time>(rng() % 12) * 250;
                if (t > last) t = last;
                auto v = s->at(t);
                ASSERT_TRUE(v.ok());
                auto lines = render(**v);
                auto [it, added] = seen.emplace(t, lines);
                if (!added) {
                    EXPECT_EQ(it->second, lines) << "t=" << t;
                    ++compared;
                }
                auto one = s->nodeAt("n7", t);
                ASSERT_TRUE(one.ok());
                ASSERT_TRUE(s->slice(t > 1010 ? t - 10 : 1000, t).ok());
            }
        });
    }
    writer.join();
    for (auto& th : readers) th.join();
    EXPECT_GT(compared.load(), 0);
}

}  // namespace
}  // namespace skydive::store

namespace skydive::store {
namespace {

// Incoming revisions may carry times older than earlier changes (skewed agent clocks): point
// views keep the highest visible revision, from the recent window as from RocksDB.
TEST(Store, OutOfOrderTimesMatchDiskViews) {
    testing::TempDir dir_mem, dir_disk;
    ManualClock clock(1000);
    StoreOptions disk_only;
    disk_only.recent_window_bytes = 0;
    auto mem = openStore(dir_mem.path(), clock);
    auto disk = openStore(dir_disk.path(), clock, disk_only);
    for (Store* s : {mem.get(), disk.get()}) {
        ASSERT_TRUE(s->addNode(node("a")));
        clock.set(3000);
        ASSERT_TRUE(s->setNodeMetadata("a", "V", 1));
        auto late = node("a", R"({"V":2})");
        late.revision = 3;
        late.updated_at = 2000;  // dated before the previous revision
        ASSERT_TRUE(s->replaceNode(late));
        auto b = node("b");
        b.created_at = 1500;
        ASSERT_TRUE(s->addNode(b));
        clock.set(1000);
    }
    EXPECT_EQ(render(**disk->at(3000)), (std::vector<std::string>{"a@3d0", "b@1d0"}));
    EXPECT_EQ(render(**disk->at(2500)), (std::vector<std::string>{"a@3d0", "b@1d0"}));
    for (Time t : {999, 1000, 1499, 1500, 1999, 2000, 2500, 3000, 3001}) {
        EXPECT_EQ(render(**mem->at(t)), render(**disk->at(t))) << t;
    }
}

}  // namespace
}  // namespace skydive::store

namespace skydive::store {
namespace {

// A past view outside the window, after many batches of updates that never change the
// topology: its adjacency and lookups equal the live ones (the history bench's shape).
TEST(Store, PastAdjacencyOnDiskAfterManyUpdates) {
    TempDir dir;
    ManualClock clock(1000);
    StoreOptions o;
    o.recent_window_ms = 3000;
    o.checkpoint_every_changes = 500;
    auto s = openStore(dir.path(), clock, o);
    ASSERT_TRUE(s);
    constexpr int kNodes = 300;
    model::GraphDelta d;
    auto flush = [&] {
        clock.advance(1000);
        ASSERT_TRUE(s->apply(d).ok());
        d.changes.clear();
    };
    for (int i = 0; i < kNodes; ++i)
        d.changes.push_back({model::ChangeKind::NodeAdded, node("n" + std::to_string(i))});
    flush();
    for (int i = 1; i < kNodes; ++i) {
        d.changes.push_back({model::ChangeKind::EdgeAdded,
                             edge("o" + std::to_string(i), "n" + std::to_string((i - 1) / 8),
                                  "n" + std::to_string(i))});
    }
    flush();
    std::mt19937 rng(5);
    Time old_t = 0;
    for (int round = 0; round < 40; ++round) {
        for (int k = 0; k < 100; ++k) {
            d.changes.push_back({model::ChangeKind::NodeUpdated,
                                 node("n" + std::to_string(rng() % kNodes),
                                      "{\"MTU\": " + std::to_string(round * 100 + k) + "}")});
        }
        flush();
        if (round == 10) old_t = clock.now() + 500;
    }
    auto past = s->at(old_t);
    ASSERT_TRUE(past.ok());
    auto live = s->live();
    for (int i = 0; i < kNodes; i += 7) {
        std::string id = "n" + std::to_string(i);
        std::vector<std::string> want, got;
        live->outEdges(id,
                       [&](const model::Edge& e) { return want.push_back(e.child.str()), true; });
        (*past)->outEdges(id,
                          [&](const model::Edge& e) { return got.push_back(e.child.str()), true; });
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, want) << id;
        // Callers (the Gremlin executor) keep pointers to what a view hands out: they stay
        // valid as long as the view.
        std::vector<model::NodeHandle> kept;
        for (const auto& c : want)
            (*past)->findNode(c, [&](model::NodeHandle n) { return kept.push_back(n), true; });
        std::vector<std::string> kept_ids;
        for (model::NodeHandle n : kept) kept_ids.emplace_back(n.id());
        EXPECT_EQ(kept_ids, want) << id;
    }
}

}  // namespace
}  // namespace skydive::store
