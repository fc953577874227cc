// Store format 6 (FORMAT.md, ADR 015 24th round): node revisions are written as 0x04 records
// (the flat record's packed values), and a format 5 data directory, whose node records are all
// 0x02, is read as it is and upgraded by writing the version.
#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../../../storage/history/src/live_image_file.h"  // the cache file's name (private)
#include "dated_store.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ManualClock;
using testing_dated::openNoWindow;
using testing_dated::valueAt;

struct RecordCounts {
    int v2 = 0, packed = 0;
};

// The node records in `rev` by format byte.
RecordCounts countNodeRecords(testing::RawDb& raw) {
    RecordCounts c;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kRev)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->key().empty() || it->key()[0] != 'N' || it->value().empty()) continue;
        c.v2 += it->value()[0] == static_cast<char>(kRecordFormat);
        c.packed += it->value()[0] == static_cast<char>(kPackedNodeRecordFormat);
    }
    return c;
}

std::uint32_t formatOf(testing::RawDb& raw) {
    std::string v;
    EXPECT_TRUE(
        raw.db().Get(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault), "format", &v).ok());
    std::string want;
    putU32(want, kFormatVersion);
    return v == want ? kFormatVersion : static_cast<std::uint32_t>(v.size() == 4 ? 0xFFFFFFFF : 0);
}

// Turns a format 6 data directory into the format 5 one the same history gives: every node
// record rewritten as 0x02, the version set to 5, the live image (records too) removed.
void downgradeToFormatFive(const std::string& dir) {
    std::filesystem::remove(dir + "/" + std::string(kLiveImageFile));
    testing::RawDb raw(dir, false);
    ASSERT_TRUE(raw.ok());
    rocksdb::WriteBatch b;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kRev)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string_view value(it->value().data(), it->value().size());
        if (it->key()[0] != 'N' || value.empty() ||
            value[0] != static_cast<char>(kPackedNodeRecordFormat))
            continue;
        auto n = decodeNodeRecord(value);
        ASSERT_TRUE(n.ok()) << n.error().message;
        std::string v2;
        encodeNodeRecordV2(v2, *n);
        b.Put(raw.cf(testing::RawDb::kRev), it->key(), v2);
    }
    ASSERT_TRUE(it->status().ok());
    std::string five;
    putU32(five, 5);
    b.Put(raw.cf(testing::RawDb::kDefault), "format", five);
    ASSERT_TRUE(raw.db().Write(rocksdb::WriteOptions(), &b).ok());
    const RecordCounts c = countNodeRecords(raw);
    EXPECT_EQ(c.packed, 0);
    EXPECT_GT(c.v2, 0);
}

// a: V = 1..5 at 1100..1500; b: added at 1000, deleted at 1600; c: added at 1000, V = 7.
void writeHistory(Store& s, ManualClock& clock) {
    clock.set(1000);
    for (const char* id : {"a", "b", "c"}) {
        model::Node n;
        n.id = id;
        n.metadata.mutableObject().set("Name", std::string("eth-") + id);
        ASSERT_TRUE(s.addNode(n));
    }
    ASSERT_TRUE(s.setNodeMetadata("c", "V", 7));
    for (int i = 1; i <= 5; ++i) {
        clock.set(1000 + 100 * i);
        ASSERT_TRUE(s.setNodeMetadata("a", "V", i));
    }
    clock.set(1600);
    ASSERT_TRUE(s.deleteNode("b"));
}

void checkHistory(const Store& s) {
    EXPECT_EQ(valueAt(s, "a", 1000), 0);
    for (int i = 1; i <= 5; ++i) {
        EXPECT_EQ(valueAt(s, "a", 1000 + 100 * i), i);
        EXPECT_EQ(valueAt(s, "a", 1050 + 100 * i), i);
    }
    EXPECT_EQ(valueAt(s, "b", 1600), 0);  // visible at its DeletedAt (spec 2.8)
    EXPECT_EQ(valueAt(s, "b", 1601), -1);
    EXPECT_EQ(valueAt(s, "c", 1000), 7);
    auto live = s.nodeAt("c", 2000);
    ASSERT_TRUE(live.ok() && live->has_value());
    EXPECT_EQ((*live)->metadata.path("Name")->asString(), "eth-c");
}

// writeHistory into a new store at `dir`, checked, then the store closed.
void writeHistoryIn(const std::string& dir, ManualClock& clock) {
    auto s = openNoWindow(dir, clock);
    ASSERT_NE(s, nullptr);
    writeHistory(*s, clock);
    checkHistory(*s);
}

TEST(PackedRecords, NewStoresWriteOnlyPackedNodeRecords) {
    testing::TempDir dir;
    ManualClock clock(1000);
    writeHistoryIn(dir.path(), clock);
    testing::RawDb raw(dir.path(), true);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(formatOf(raw), kFormatVersion);
    const RecordCounts c = countNodeRecords(raw);
    EXPECT_EQ(c.v2, 0);
    EXPECT_EQ(c.packed, 9);  // 3 adds, 6 updates (the deletion rewrites b's last one)
}

TEST(PackedRecords, AFormatFiveDataDirectoryIsReadThenUpgraded) {
    testing::TempDir dir;
    ManualClock clock(1000);
    writeHistoryIn(dir.path(), clock);
    downgradeToFormatFive(dir.path());
    {
        // The live graph is rebuilt from 0x02 records, the past read from them.
        auto s = openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        checkHistory(*s);
        clock.set(1700);
        ASSERT_TRUE(s->setNodeMetadata("a", "V", 6));
        EXPECT_EQ(valueAt(*s, "a", 1700), 6);
    }
    {
        testing::RawDb raw(dir.path(), true);
        ASSERT_TRUE(raw.ok());
        EXPECT_EQ(formatOf(raw), kFormatVersion);  // a format 5 binary now refuses it
        const RecordCounts c = countNodeRecords(raw);
        EXPECT_GT(c.v2, 0);
        EXPECT_EQ(c.packed, 1);  // a's revision at 1700
    }
    auto s = openNoWindow(dir.path(), clock);
    ASSERT_NE(s, nullptr);
    checkHistory(*s);
    EXPECT_EQ(valueAt(*s, "a", 1650), 5);
    EXPECT_EQ(valueAt(*s, "a", 1700), 6);
}

}  // namespace
}  // namespace skydive::store
