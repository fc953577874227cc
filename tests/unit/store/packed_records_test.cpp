// Store formats 6 and 7 (FORMAT.md, ADR 015 24th and 28th rounds): node revisions are written
// as 0x05 records (a shape's number and the flat record's packed values), and a data directory
// of format 5 (node records 0x02) or 6 (0x04) is read as it is and upgraded by writing the
// version.
#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../../../storage/history/src/live_image_file.h"  // the cache file's name (private)
#include "../../../storage/history/src/shape_table.h"
#include "dated_store.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ManualClock;
using testing_dated::openNoWindow;
using testing_dated::valueAt;

struct RecordCounts {
    int v2 = 0, packed = 0, shaped = 0;
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
        c.shaped += it->value()[0] == static_cast<char>(kShapedNodeRecordFormat);
    }
    return c;
}

std::string formatBytes(std::uint32_t version) {
    std::string v;
    putU32(v, version);
    return v;
}

std::uint32_t formatOf(testing::RawDb& raw) {
    std::string v;
    EXPECT_TRUE(
        raw.db().Get(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault), "format", &v).ok());
    return v == formatBytes(kFormatVersion)
               ? kFormatVersion
               : static_cast<std::uint32_t>(v.size() == 4 ? 0xFFFFFFFF : 0);
}

// The shapes a data directory defines, read as the store reads them at open.
void loadShapes(testing::RawDb& raw, ShapeTable& shapes) {
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kDefault)));
    for (it->Seek(std::string(kShapePrefix)); it->Valid() && it->key().starts_with("shape");
         it->Next())
        ASSERT_TRUE(shapes.load(it->key().ToStringView(), it->value().ToStringView()).ok());
}

// Turns a format 7 data directory into the one an older format gives for the same history:
// every node record rewritten as 0x04 (`version` 6) or 0x02 (5), the shape definitions
// removed, the version set, the live image (records too) removed.
void downgradeTo(const std::string& dir, std::uint32_t version) {
    std::filesystem::remove(dir + "/" + std::string(kLiveImageFile));
    testing::RawDb raw(dir, false);
    ASSERT_TRUE(raw.ok());
    ShapeTable shapes;
    loadShapes(raw, shapes);
    ASSERT_GT(shapes.size(), 0u);
    rocksdb::WriteBatch b;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kRev)));
    model::NodeRecBuilder builder;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string_view value = it->value().ToStringView();
        if (it->key()[0] != 'N' || value.empty() ||
            value[0] != static_cast<char>(kShapedNodeRecordFormat))
            continue;
        auto k = decodeRevKey(it->key().ToStringView());
        ASSERT_TRUE(k.has_value());
        auto n = decodeShapedNodeRecordTo(value, k->id, k->created_at, k->updated_at, k->revision,
                                          shapes, builder);
        ASSERT_TRUE(n.ok()) << n.error().message;
        std::string old;
        if (version == 6)
            encodeNodeRecord(old, *n);
        else
            encodeNodeRecordV2(old, n->toNode());
        b.Put(raw.cf(testing::RawDb::kRev), it->key(), old);
    }
    ASSERT_TRUE(it->status().ok());
    b.DeleteRange(raw.cf(testing::RawDb::kDefault), "shape", "shapf");
    b.Put(raw.cf(testing::RawDb::kDefault), "format", formatBytes(version));
    ASSERT_TRUE(raw.db().Write(rocksdb::WriteOptions(), &b).ok());
    const RecordCounts c = countNodeRecords(raw);
    EXPECT_EQ(c.shaped, 0);
    EXPECT_GT(version == 6 ? c.packed : c.v2, 0);
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

TEST(PackedRecords, NewStoresWriteOnlyShapedNodeRecords) {
    testing::TempDir dir;
    ManualClock clock(1000);
    writeHistoryIn(dir.path(), clock);
    testing::RawDb raw(dir.path(), true);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(formatOf(raw), kFormatVersion);
    const RecordCounts c = countNodeRecords(raw);
    EXPECT_EQ(c.v2, 0);
    EXPECT_EQ(c.packed, 0);
    EXPECT_EQ(c.shaped, 9);  // 3 adds, 6 updates (the deletion rewrites b's last one)
    // Two shapes: the nodes share Host and Origin; their keys are {Name} or {Name, V}.
    ShapeTable shapes;
    loadShapes(raw, shapes);
    EXPECT_EQ(shapes.size(), 2u);
}

// A data directory of an older format is read as it is (the live graph rebuilt from its
// records, the past read from them), then upgraded: new node revisions are written shaped.
class OlderFormat : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(OlderFormat, IsReadThenUpgraded) {
    testing::TempDir dir;
    ManualClock clock(1000);
    writeHistoryIn(dir.path(), clock);
    downgradeTo(dir.path(), GetParam());
    {
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
        EXPECT_EQ(formatOf(raw), kFormatVersion);  // an older binary now refuses it
        const RecordCounts c = countNodeRecords(raw);
        EXPECT_GT(GetParam() == 6 ? c.packed : c.v2, 0);
        EXPECT_EQ(c.shaped, 1);  // a's revision at 1700
    }
    auto s = openNoWindow(dir.path(), clock);
    ASSERT_NE(s, nullptr);
    checkHistory(*s);
    EXPECT_EQ(valueAt(*s, "a", 1650), 5);
    EXPECT_EQ(valueAt(*s, "a", 1700), 6);
}

INSTANTIATE_TEST_SUITE_P(Formats, OlderFormat, ::testing::Values(5u, 6u),
                         [](const auto& p) { return "Format" + std::to_string(p.param); });

}  // namespace
}  // namespace skydive::store
