// A lazy past view cannot return an error (GraphView has none): a record it cannot read leaves
// its answer incomplete, and the store must make that visible (logged, counted in stats).
#include <skydive/store/keys.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

// Overwrites one `rev` record with bytes that do not decode (the store must be closed).
void damageRecord(const std::string& dir, const RevKey& key) {
    testing::RawDb raw(dir, false);
    ASSERT_TRUE(raw.ok());
    EXPECT_TRUE(raw.db()
                    .Put(rocksdb::WriteOptions(), raw.cf(testing::RawDb::kRev), encodeRevKey(key),
                         "\x02\xff\xff")
                    .ok());
}

TEST(ReadError, LazyViewCountsUnreadableRecord) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = 0;  // past views come from RocksDB
    auto s = Store::open(o, clock).value();
    for (int i = 0; i < 3; ++i) {
        model::Node n;
        n.id = "n" + std::to_string(i);
        ASSERT_TRUE(s->addNode(n));
    }
    clock.advance(10);
    ASSERT_TRUE(s->setNodeMetadata("n1", "V", 1));  // n1 revision 2
    Time before_update = 1005;
    EXPECT_EQ((*s->at(before_update))->nodeCount(), 3u);
    EXPECT_EQ(s->stats().read_errors, 0u);
    s.reset();
    damageRecord(dir.path(), {model::ElementKind::Node, "n1", 1000, 1000, 1});  // n1 rev 1

    s = Store::open(o, clock).value();  // from live.image: the damaged record is not live
    EXPECT_EQ(s->live()->nodeCount(), 3u);
    auto v = s->at(before_update).value();
    std::size_t seen = 0;
    v->forEachNode([&](model::NodeHandle) { return ++seen, true; });
    EXPECT_LT(seen, 3u);                    // the view could not be complete...
    EXPECT_EQ(s->stats().read_errors, 1u);  // ...and says so
}

}  // namespace
}  // namespace skydive::store
