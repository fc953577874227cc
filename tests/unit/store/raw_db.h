#pragma once

// The store's RocksDB opened directly (the store must be closed), for tests that read or damage
// what the store wrote. Column families in the store's order: default, rev, timeline, ...
#include <rocksdb/db.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace skydive::store::testing {

class RawDb {
public:
    enum Cf : int { kDefault = 0, kRev = 1 };  // other families by their index, e.g. Cf(3)

    RawDb(const std::string& dir, bool read_only) {
        std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
        for (const char* n :
             {"default", "rev", "timeline", "checkpoint", "flow", "flowtime", "metric", "api"})
            cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
        auto st = read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, cfs,
                                                           &handles_, &db_)
                            : rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles_, &db_);
        EXPECT_TRUE(st.ok()) << st.ToString();
    }
    ~RawDb() {
        for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
        delete db_;
    }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    bool ok() const { return db_ != nullptr; }
    rocksdb::DB& db() { return *db_; }
    rocksdb::ColumnFamilyHandle* cf(Cf c) { return handles_[c]; }

private:
    rocksdb::DB* db_ = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace skydive::store::testing
