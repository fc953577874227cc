// Format 3 orders an incarnation's `rev` keys by time (FORMAT.md): a lookup outside the window
// is two seeks, late revisions are found through their marker, re-created IDs keep their
// incarnations apart, and a format 2 or 3 data directory is refused with its version named.
#include <skydive/store/keys.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <string>

#include "dated_store.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ManualClock;

using testing_dated::addCounted;
using testing_dated::openNoWindow;
using testing_dated::putDated;
using testing_dated::valueAt;

TEST(TimeOrderedKeys, LateRevisionsStayVisibleAfterLaterWritesAndARestart) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openNoWindow(dir.path(), clock);
    addCounted(*s, clock, "a", 20, 10);
    clock.set(1500);
    putDated(*s, "a", 1105, 99);   // before revisions 11..20
    putDated(*s, "a", 1600, 100);  // in order again
    putDated(*s, "a", 1052, 77);   // before everything since revision 5
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        EXPECT_EQ(valueAt(*s, "a", 999), -1);
        EXPECT_EQ(valueAt(*s, "a", 1000), 0);
        EXPECT_EQ(valueAt(*s, "a", 1050), 5);
        EXPECT_EQ(valueAt(*s, "a", 1052), 77);
        EXPECT_EQ(valueAt(*s, "a", 1104), 77);
        EXPECT_EQ(valueAt(*s, "a", 1105), 77);
        EXPECT_EQ(valueAt(*s, "a", 1200), 77);
        EXPECT_EQ(valueAt(*s, "a", 1600), 77);
        EXPECT_EQ(valueAt(*s, "a", 5000), 77);
        s.reset();
        s = openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
    }
}

// The newest checkpoint is named by the `newest_checkpoint` key at open (a seek would read its
// whole value; ADR 014). Late data after a restart must still be detected against it and
// replace the later checkpoint; the late write deletes the key, and the next open finds the
// newest remaining checkpoint by a seek, against which later late data is detected again.
TEST(TimeOrderedKeys, LateDataAfterRestartsReplacesTheNewestCheckpoint) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openNoWindow(dir.path(), clock);
    addCounted(*s, clock, "a", 6, 100);
    clock.set(1700);
    ASSERT_TRUE(s->checkpoint());  // includes V = 6 (at 1600)
    // With the store closed: the `newest_checkpoint` value, "" when absent, and the last key of
    // `checkpoint`. The value is either absent or exactly that key.
    auto marker = [&] {
        testing::RawDb raw(dir.path(), true);
        std::string value;
        auto st = raw.db().Get(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault),
                               "newest_checkpoint", &value);
        EXPECT_TRUE(st.ok() || st.IsNotFound()) << st.ToString();
        std::unique_ptr<rocksdb::Iterator> it(raw.db().NewIterator(
            rocksdb::ReadOptions(), raw.cf(static_cast<testing::RawDb::Cf>(3))));
        it->SeekToLast();
        return std::make_pair(st.ok() ? value : std::string(),
                              it->Valid() ? it->key().ToString() : std::string());
    };
    auto reopen = [&] { return (s = openNoWindow(dir.path(), clock)) != nullptr; };
    // V of `a` in the whole-graph view at t (built from a checkpoint and the timeline after it).
    auto whole = [&](Time t) {
        std::int64_t v = -1;
        auto view = s->at(t);
        EXPECT_TRUE(view.ok());
        (*view)->forEachNode([&](model::NodeHandle n) {
            auto x = n.toNode().metadata.path("V");
            v = x ? x->asInt() : 0;
            return true;
        });
        return v;
    };
    s.reset();
    auto [first, last_cp] = marker();
    EXPECT_EQ(first, last_cp);  // written with the checkpoint
    ASSERT_TRUE(reopen());
    clock.set(1800);
    putDated(*s, "a", 1350, 99);  // before the checkpoint: the highest revision from 1350 on
    EXPECT_EQ(whole(1300), 3);
    EXPECT_EQ(whole(1650), 99);
    EXPECT_EQ(whole(1750), 99);
    s.reset();
    EXPECT_EQ(marker(), std::make_pair(std::string(), std::string()));  // both deleted
    ASSERT_TRUE(reopen());
    EXPECT_EQ(whole(1300), 3);
    EXPECT_EQ(whole(1650), 99);
    clock.set(1900);
    ASSERT_TRUE(s->checkpoint());
    s.reset();
    auto [second, newest_cp] = marker();
    EXPECT_EQ(second, newest_cp);  // the same key again: the late change sorts before it
    ASSERT_TRUE(reopen());
    putDated(*s, "a", 1320, 55);  // late again, before both checkpoints
    EXPECT_EQ(whole(1330), 55);
    EXPECT_EQ(whole(1650), 55);
    EXPECT_EQ(whole(1950), 55);
    EXPECT_EQ(whole(1310), 3);
}

TEST(TimeOrderedKeys, LateRevisionBeforeLaterOnesOfTheSameElement) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openNoWindow(dir.path(), clock);
    model::Node a;
    a.id = "a";
    ASSERT_TRUE(s->addNode(a));
    clock.set(1100);
    ASSERT_TRUE(s->setNodeMetadata("a", "V", 1));
    clock.set(1500);
    putDated(*s, "a", 1050, 2);  // late
    putDated(*s, "a", 1700, 3);
    EXPECT_EQ(valueAt(*s, "a", 1049), 0);
    EXPECT_EQ(valueAt(*s, "a", 1050), 2);
    EXPECT_EQ(valueAt(*s, "a", 1100), 2);  // revision 2 (V=1) is never the highest
    EXPECT_EQ(valueAt(*s, "a", 1699), 2);
    EXPECT_EQ(valueAt(*s, "a", 1700), 3);
}

TEST(TimeOrderedKeys, RecreatedIdsKeepTheirIncarnations) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openNoWindow(dir.path(), clock);
    model::Node b;
    b.id = "b";
    ASSERT_TRUE(s->addNode(b));
    clock.set(1100);
    ASSERT_TRUE(s->setNodeMetadata("b", "V", 1));
    clock.set(1200);
    ASSERT_TRUE(s->deleteNode("b"));
    clock.set(1300);
    ASSERT_TRUE(s->addNode(b));
    clock.set(1400);
    ASSERT_TRUE(s->setNodeMetadata("b", "V", 2));
    EXPECT_EQ(valueAt(*s, "b", 999), -1);
    EXPECT_EQ(valueAt(*s, "b", 1050), 0);
    EXPECT_EQ(valueAt(*s, "b", 1100), 1);
    EXPECT_EQ(valueAt(*s, "b", 1200), 1);  // deleted at exactly t: still visible
    EXPECT_EQ(valueAt(*s, "b", 1201), -1);
    EXPECT_EQ(valueAt(*s, "b", 1299), -1);
    EXPECT_EQ(valueAt(*s, "b", 1300), 0);
    EXPECT_EQ(valueAt(*s, "b", 1399), 0);
    EXPECT_EQ(valueAt(*s, "b", 1400), 2);
    auto again = s->nodeAt("b", 1300);
    ASSERT_TRUE(again.ok() && again->has_value());
    EXPECT_EQ((*again)->created_at, 1300);
    EXPECT_EQ((*again)->revision, 1);
}

void setFormat(const std::string& dir, std::uint32_t version) {
    testing::RawDb raw(dir, false);
    ASSERT_TRUE(raw.ok());
    std::string v;
    putU32(v, version);
    EXPECT_TRUE(
        raw.db().Put(rocksdb::WriteOptions(), raw.cf(testing::RawDb::kDefault), "format", v).ok());
}

// Format 2 (revision-ordered `rev` keys) and format 3 (one timeline key per change) are
// refused with their version named; nothing is written before the check.
TEST(TimeOrderedKeys, OlderFormatDataDirectoriesAreRefusedAndLeftIntact) {
    for (std::uint32_t old_format : {2u, 3u}) {
        testing::TempDir dir;
        ManualClock clock(1000);
        {
            auto s = openNoWindow(dir.path(), clock);
            model::Node n;
            n.id = "kept";
            ASSERT_TRUE(s->addNode(n));
        }
        setFormat(dir.path(), old_format);
        StoreOptions o;
        o.data_dir = dir.path();
        auto refused = Store::open(o, clock);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, model::ErrorCode::Unsupported);
        EXPECT_NE(refused.error().message.find("format " + std::to_string(old_format)),
                  std::string::npos)
            << refused.error().message;
        setFormat(dir.path(), kFormatVersion);  // nothing else was touched
        auto s = openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(valueAt(*s, "kept", 1000), 0);
    }
}

}  // namespace
}  // namespace skydive::store
