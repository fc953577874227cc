// Format 5 (FORMAT.md, ADR 021): the incarnations with a late marker are listed in memory and in
// `default`, lookups outside the window seek once when the live incarnation is known and skip
// the SST files holding only later keys. Late revisions, re-created IDs and restarts must still
// give every moment its revision; a format 4 store gets its index at open.
#include <skydive/store/keys.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>

#include "../../../storage/history/src/late_markers.h"  // the in-memory list (private)
#include "dated_store.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ManualClock;

using testing_dated::openNoWindow;
using testing_dated::putDated;
using testing_dated::valueAt;

void addAt(Store& s, ManualClock& clock, std::string_view id, Time t) {
    clock.set(t);
    model::Node n;
    n.id = std::string(id);
    ASSERT_TRUE(s.addNode(n));
}

void setAt(Store& s, ManualClock& clock, std::string_view id, Time t, std::int64_t v) {
    clock.set(t);
    ASSERT_TRUE(s.setNodeMetadata(id, "V", v));
}

// Each restart flushes the memtable: the history ends up in three SST files, the second one
// holding a late revision dated inside the first one's span, the third one only later keys.
void buildThreeFiles(const std::string& dir, ManualClock& clock) {
    auto s = openNoWindow(dir, clock);
    ASSERT_NE(s, nullptr);
    addAt(*s, clock, "a", 1000);
    addAt(*s, clock, "b", 1000);
    addAt(*s, clock, "c", 1000);
    for (int i = 1; i <= 10; ++i) {
        setAt(*s, clock, "a", 1000 + 10 * i, i);
        setAt(*s, clock, "b", 1000 + 10 * i, i);
    }
    clock.set(1200);
    ASSERT_TRUE(s->deleteNode("c"));
    s.reset();
    s = openNoWindow(dir, clock);  // file 1: 1000..1200
    ASSERT_NE(s, nullptr);
    for (int i = 11; i <= 20; ++i) setAt(*s, clock, "a", 2000 + 10 * (i - 10), i);
    clock.set(2150);
    putDated(*s, "b", 1055, 99);  // late: dated inside file 1's span, written in file 2
    addAt(*s, clock, "c", 2150);  // re-created
    setAt(*s, clock, "c", 2160, 7);
    s.reset();
    s = openNoWindow(dir, clock);  // file 2: 1055..2160
    ASSERT_NE(s, nullptr);
    for (int i = 21; i <= 30; ++i) setAt(*s, clock, "a", 3000 + 10 * (i - 20), i);
    setAt(*s, clock, "b", 3500, 100);
    setAt(*s, clock, "c", 3600, 8);
}

void checkThreeFiles(const Store& s) {
    EXPECT_EQ(valueAt(s, "a", 999), -1);
    EXPECT_EQ(valueAt(s, "a", 1000), 0);
    EXPECT_EQ(valueAt(s, "a", 1055), 5);
    EXPECT_EQ(valueAt(s, "a", 1500), 10);
    EXPECT_EQ(valueAt(s, "a", 2055), 15);
    EXPECT_EQ(valueAt(s, "a", 2999), 20);
    EXPECT_EQ(valueAt(s, "a", 3100), 30);
    EXPECT_EQ(valueAt(s, "b", 1054), 5);
    EXPECT_EQ(valueAt(s, "b", 1055), 99);  // the late revision is the highest one up to t
    EXPECT_EQ(valueAt(s, "b", 1100), 99);
    EXPECT_EQ(valueAt(s, "b", 2500), 99);
    EXPECT_EQ(valueAt(s, "b", 3500), 100);
    EXPECT_EQ(valueAt(s, "c", 1100), 0);
    EXPECT_EQ(valueAt(s, "c", 1200), 0);  // deleted at exactly t: still visible
    EXPECT_EQ(valueAt(s, "c", 1201), -1);
    EXPECT_EQ(valueAt(s, "c", 2149), -1);
    EXPECT_EQ(valueAt(s, "c", 2150), 0);
    EXPECT_EQ(valueAt(s, "c", 2160), 7);
    EXPECT_EQ(valueAt(s, "c", 3600), 8);
}

TEST(LateMarkerIndex, LookupsAcrossFilesOfDifferentTimesAndRestarts) {
    testing::TempDir dir;
    ManualClock clock(1000);
    buildThreeFiles(dir.path(), clock);
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        auto s = openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        checkThreeFiles(*s);
    }
}

std::size_t indexKeys(testing::RawDb& raw) {
    std::size_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault)));
    for (it->Seek("late"); it->Valid() && it->key().starts_with("late"); it->Next()) ++n;
    return n;
}

// A format 4 store has markers but no index: the open writes it (one scan of `rev`) and
// upgrades the format; without it the one-seek lookup of "b" at 1100 would land on its newest
// key dated up to t (V=10) instead of the late revision (checked by hand).
TEST(LateMarkerIndex, Format4StoresGetTheirIndexAtOpen) {
    testing::TempDir dir;
    ManualClock clock(1000);
    buildThreeFiles(dir.path(), clock);
    {
        testing::RawDb raw(dir.path(), false);
        ASSERT_TRUE(raw.ok());
        EXPECT_EQ(indexKeys(raw), 1u);  // "b", incarnation 1000
        ASSERT_TRUE(raw.db()
                        .DeleteRange(rocksdb::WriteOptions(), raw.cf(testing::RawDb::kDefault),
                                     "late", "latf")
                        .ok());
        std::string v;
        putU32(v, 4);
        ASSERT_TRUE(raw.db()
                        .Put(rocksdb::WriteOptions(), raw.cf(testing::RawDb::kDefault), "format", v)
                        .ok());
        EXPECT_EQ(indexKeys(raw), 0u);
    }
    {
        auto s = openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        checkThreeFiles(*s);
    }
    testing::RawDb raw(dir.path(), true);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(indexKeys(raw), 1u);
    std::string v;
    ASSERT_TRUE(
        raw.db().Get(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault), "format", &v).ok());
    std::string five;
    putU32(five, kFormatVersion);
    EXPECT_EQ(v, five);
}

TEST(LateMarkerIndex, OverflowDropsTheListAndReportsEveryIncarnationAsMaybeLate) {
    LateMarkers m(2);
    EXPECT_TRUE(m.complete());
    EXPECT_FALSE(m.mayBeLate("x"));
    m.add("a");
    m.add("b");
    m.add("a");  // already listed
    EXPECT_TRUE(m.complete());
    EXPECT_EQ(m.size(), 2u);
    EXPECT_TRUE(m.mayBeLate("a"));
    EXPECT_FALSE(m.mayBeLate("x"));
    m.add("c");
    EXPECT_FALSE(m.complete());
    EXPECT_EQ(m.size(), 0u);
    EXPECT_TRUE(m.mayBeLate("x"));
    m.add("d");
    EXPECT_FALSE(m.complete());
}

}  // namespace
}  // namespace skydive::store
