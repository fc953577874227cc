#include <string>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "../../../storage/history/src/batch_rep.h"  // private to the store

namespace skydive::store {
namespace {

// Column family stand-ins: the representation only carries their IDs.
class FakeFamily final : public rocksdb::ColumnFamilyHandle {
public:
    explicit FakeFamily(std::uint32_t id) : id_(id) {}
    const std::string& GetName() const override { return name_; }
    std::uint32_t GetID() const override { return id_; }
    rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
        return rocksdb::Status::NotSupported();
    }
    const rocksdb::Comparator* GetComparator() const override {
        return rocksdb::BytewiseComparator();
    }

private:
    std::uint32_t id_;
    std::string name_ = "fake";
};

// Values whose length prefix takes 1, 2, 3 bytes, and the edges between.
const std::size_t kSizes[] = {0, 1, 127, 128, 200, 16383, 16384, 70000};

TEST(BatchRep, SameBytesAsRocksDbPuts) {
    FakeFamily def(0), rev(1), far(300);  // 300: a two-byte family varint
    for (bool encoded : {false, true}) {
        rocksdb::WriteBatch expected;
        BatchRep rep;
        std::size_t n = 0;
        for (std::size_t size : kSizes) {
            for (auto* family : {&def, &rev, &far}) {
                const std::string key = "k" + std::to_string(n++);
                const std::string value(size, static_cast<char>('a' + n % 26));
                ASSERT_TRUE(expected.Put(family, key, value).ok());
                if (encoded)
                    rep.putEncoded(family->GetID(), key, [&](std::string& o) { o += value; });
                else
                    rep.put(family->GetID(), key, value);
            }
        }
        EXPECT_EQ(rep.count(), expected.Count());
        auto batch = std::move(rep).batch();
        EXPECT_EQ(batch.Data(), expected.Data()) << "encoded: " << encoded;
        EXPECT_EQ(batch.Count(), expected.Count());
        EXPECT_TRUE(batch.HasPut());
    }
}

TEST(BatchRep, AppendsKeepOrderAndCount) {
    FakeFamily def(0), rev(1);
    rocksdb::WriteBatch expected, side;
    BatchRep a, b;
    ASSERT_TRUE(expected.Put(&rev, "a", "1").ok());
    a.put(1, "a", "1");
    ASSERT_TRUE(expected.Put(&def, "b", std::string(300, 'x')).ok());
    b.put(0, "b", std::string(300, 'x'));
    ASSERT_TRUE(expected.Put(&rev, "c", "").ok());
    ASSERT_TRUE(side.Put(&rev, "c", "").ok());
    a.append(b);
    a.append(side);
    a.append(rocksdb::WriteBatch());  // nothing
    EXPECT_EQ(a.count(), 3u);
    EXPECT_EQ(std::move(a).batch().Data(), expected.Data());
}

TEST(BatchRep, ReusedBuffersStartEmpty) {
    BatchBuffers pool;
    BatchRep first;
    first.put(1, "key", std::string(5000, 'v'));
    auto written = std::move(first).batch();
    const std::size_t capacity = written.Data().capacity();
    pool.give(std::move(written).takeBuffer());
    BatchRep again(pool.take());
    EXPECT_EQ(again.count(), 0u);
    EXPECT_EQ(again.size(), BatchRep::kHeader);
    EXPECT_GE(again.capacity(), capacity);  // the same memory, not a new allocation
    again.put(0, "k", "v");
    rocksdb::WriteBatch expected;
    FakeFamily def(0);
    ASSERT_TRUE(expected.Put(&def, "k", "v").ok());
    EXPECT_EQ(std::move(again).batch().Data(), expected.Data());
    EXPECT_LT(pool.take().capacity(), capacity);  // the pool gave its one buffer away
}

}  // namespace
}  // namespace skydive::store
