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

using testing_dated::openNoWindow;
using testing_dated::putDated;
using testing_dated::valueAt;

TEST(TimeOrderedKeys, LateRevisionsStayVisibleAfterLaterWritesAndARestart) {
    testing::TempDir dir;
    ManualClock clock(1000);
    auto s = openNoWindow(dir.path(), clock);
    model::Node a;
    a.id = "a";
    ASSERT_TRUE(s->addNode(a));
    for (int i = 1; i <= 20; ++i) {
        clock.set(1000 + 10 * i);
        ASSERT_TRUE(s->setNodeMetadata("a", "V", i));
    }
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
