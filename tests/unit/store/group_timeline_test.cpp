// Format 4 writes one timeline key per commit and time, listing that commit's changes at that
// time (FORMAT.md, ADR 015 eighth round): past views, the restart (checkpoint + tail), the
// sequence counter and kill -9 see every change of a listed key, at its own time.
#include <skydive/store/keys.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <random>
#include <string>

#include "kill_child.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ChangeKind;
using model::ManualClock;

std::unique_ptr<Store> openStore(const std::string& dir, const model::Clock& clock) {
    StoreOptions o;
    o.data_dir = dir;
    o.recent_window_bytes = 0;  // past views read RocksDB (checkpoint + timeline replay)
    o.live_image = false;       // the live graph comes from the checkpoint + timeline too
    auto s = Store::open(o, clock);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
    return s.ok() ? std::move(*s) : nullptr;
}

model::Node node(std::string id, std::int64_t rev, Time updated, std::int64_t v) {
    model::Node n;
    n.id = std::move(id);
    n.revision = rev;
    n.created_at = 1000;
    n.updated_at = updated;
    if (v >= 0) n.metadata.mutableObject().set("V", v);
    return n;
}

// -1: absent from the whole-graph view at t; 0: present without V; else V.
std::int64_t valueAt(const Store& s, std::string_view id, Time t) {
    auto view = s.at(t);
    EXPECT_TRUE(view.ok());
    std::int64_t out = -1;
    if (!view.ok()) return out;
    (*view)->findNode(id, [&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        auto x = n.metadata.path("V");
        out = x ? x->asInt() : 0;
        return true;
    });
    return out;
}

struct RawTimeline {
    std::vector<TimelineKey> keys;
    std::vector<std::size_t> counts;
};

RawTimeline readTimeline(const std::string& dir) {
    testing::RawDb raw(dir, true);
    RawTimeline out;
    if (!raw.ok()) return out;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(static_cast<testing::RawDb::Cf>(2))));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        auto k = decodeTimelineKey(std::string_view(it->key().data(), it->key().size()));
        auto v = decodeTimelineValue(std::string_view(it->value().data(), it->value().size()));
        EXPECT_TRUE(k && v);
        if (!k || !v) continue;
        out.keys.push_back(*k);
        out.counts.push_back(v->size());
    }
    return out;
}

TEST(GroupTimeline, OneKeyPerCommitAndTimeEveryChangeReplaysAndSeqResumes) {
    testing::TempDir dir;
    ManualClock clock(1000);
    {
        auto s = openStore(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        model::GraphDelta seed;
        for (const char* id : {"a", "b", "c", "d"})
            seed.changes.push_back({ChangeKind::NodeAdded, node(id, 1, 1000, -1)});
        ASSERT_TRUE(s->apply(seed));
        clock.set(1300);
        // One commit, two times (1100: a, b; 1200: c and the deletion of d).
        model::GraphDelta d;
        d.changes.push_back({ChangeKind::NodeUpdated, node("a", 2, 1100, 1)});
        d.changes.push_back({ChangeKind::NodeUpdated, node("b", 2, 1100, 2)});
        d.changes.push_back({ChangeKind::NodeUpdated, node("c", 2, 1200, 3)});
        auto gone = node("d", 1, 1000, -1);
        gone.deleted_at = 1200;
        d.changes.push_back({ChangeKind::NodeDeleted, gone});
        ASSERT_TRUE(s->apply(d));
    }
    auto raw = readTimeline(dir.path());
    ASSERT_EQ(raw.keys.size(), 3u);  // 8 changes
    EXPECT_EQ(raw.counts, (std::vector<std::size_t>{4, 2, 2}));
    EXPECT_EQ(raw.keys[0].time, 1000);
    EXPECT_EQ(raw.keys[1].time, 1100);
    EXPECT_EQ(raw.keys[2].time, 1200);
    // The key names its first change; the next ones have the following seqs.
    EXPECT_EQ(raw.keys[1].seq, raw.keys[0].seq + 4);
    EXPECT_EQ(raw.keys[2].seq, raw.keys[1].seq + 2);

    // Restart: live graph from the timeline, whole-graph past views by replay.
    auto s = openStore(dir.path(), clock);
    ASSERT_NE(s, nullptr);
    for (Time t : {Time(1050), Time(1150), Time(1250), Time(5000)}) {
        SCOPED_TRACE(t);
        EXPECT_EQ(valueAt(*s, "a", t), t < 1100 ? 0 : 1);
        EXPECT_EQ(valueAt(*s, "b", t), t < 1100 ? 0 : 2);
        EXPECT_EQ(valueAt(*s, "c", t), t < 1200 ? 0 : 3);
        EXPECT_EQ(valueAt(*s, "d", t), t < 1200 ? 0 : -1);
    }
    EXPECT_EQ(s->live()->kind(), graph::ViewKind::Live);
    bool d_live = false;
    s->live()->findNode("d", [&](model::NodeHandle) { return d_live = true; });
    EXPECT_FALSE(d_live);
    // Writing resumes after the last listed change, not after the last key.
    clock.set(1400);
    ASSERT_TRUE(s->setNodeMetadata("a", "V", 9));
    s.reset();
    raw = readTimeline(dir.path());
    ASSERT_EQ(raw.keys.size(), 4u);
    EXPECT_EQ(raw.keys[3].seq, raw.keys[2].seq + 2);
    EXPECT_EQ(raw.keys[3].time, 1400);
}

// The child: applies deltas of 300 new nodes dated at three times (100 each, so a large
// mutation whose encoding is split over two threads) forever, reporting each acknowledged delta.
[[noreturn]] void deltaWriter(const std::string& dir, int round, int fd) {
    ManualClock clock(1000000 * (round + 1));
    StoreOptions o;
    o.data_dir = dir;
    o.checkpoint_every_changes = 2000;
    auto s = Store::open(o, clock);
    if (!s.ok()) _exit(2);
    for (std::uint32_t i = 0;; ++i) {
        clock.advance(10);
        model::GraphDelta d;
        for (int k = 0; k < 300; ++k) {
            model::Node n;
            n.id = "g" + std::to_string(round) + "-" + std::to_string(i) + "-" + std::to_string(k);
            n.created_at = n.updated_at = clock.now() + k / 100;
            n.revision = 1;
            d.changes.push_back({ChangeKind::NodeAdded, std::move(n)});
        }
        if (!(*s)->apply(d)) _exit(3);
        if (write(fd, &i, sizeof i) != sizeof i) _exit(5);
    }
}

std::size_t countPrefix(const graph::GraphView& v, const std::string& prefix) {
    std::size_t n = 0;
    v.forEachNode([&](model::NodeHandle x_h) {
        const model::Node x = x_h.toNode();
        n += x.id.view().substr(0, prefix.size()) == prefix;
        return true;
    });
    return n;
}

// kill -9 while multi-time deltas are written: every acknowledged delta is whole after the
// restart, a past view between its times holds exactly the changes dated up to then, and
// writing resumes.
TEST(GroupTimeline, AcknowledgedMultiTimeDeltasSurviveSigkill) {
    testing::TempDir dir;
    std::mt19937 rng(99);
    for (int round = 0; round < 3; ++round) {
        std::int64_t last = testing::runAndKill([&](int fd) { deltaWriter(dir.path(), round, fd); },
                                                static_cast<std::int64_t>(5 + rng() % 40));
        ASSERT_GE(last, 0);

        ManualClock clock(1000000 * (round + 1) + 900000);
        StoreOptions o;
        o.data_dir = dir.path();
        o.recent_window_bytes = 0;  // past views replay the timeline
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok()) << s.error().toString();
        auto live = (*s)->live();
        for (std::int64_t i = 0; i <= last; ++i) {
            std::string prefix = "g" + std::to_string(round) + "-" + std::to_string(i) + "-";
            ASSERT_EQ(countPrefix(*live, prefix), 300u) << prefix << " acknowledged but lost";
            // Delta i is dated base + 10 (i + 1) + {0, 1, 2}: at +1, two thirds of it.
            Time t = 1000000 * (round + 1) + 10 * (i + 1) + 1;
            auto past = (*s)->at(t);
            ASSERT_TRUE(past.ok());
            ASSERT_EQ(countPrefix(**past, prefix), 200u) << prefix << " at " << t;
        }
        model::Node after;
        after.id = "after-" + std::to_string(round);
        EXPECT_TRUE((*s)->addNode(after));
    }
}

}  // namespace
}  // namespace skydive::store
