#include "rocks.h"

#include <cstdio>
#include <filesystem>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>

#include <skydive/store/keys.h>

#include "crc32c.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

model::Error fromRocks(const rocksdb::Status& st, std::string_view what) {
    std::string msg = std::string(what) + ": " + st.ToString();
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
        return makeError(ErrorCode::Unavailable, std::string(what) +
                                                     ": data directory is in use by another "
                                                     "process (" +
                                                     st.ToString() + ")");
    if (st.IsNotFound()) return makeError(ErrorCode::NotFound, msg);
    if (st.IsCorruption()) return makeError(ErrorCode::Corruption, msg);
    if (st.IsInvalidArgument()) return makeError(ErrorCode::InvalidArgument, msg);
    if (st.IsNotSupported()) return makeError(ErrorCode::Unsupported, msg);
    if (st.IsBusy() || st.IsTryAgain() || st.IsTimedOut())
        return makeError(ErrorCode::Unavailable, msg);
    return makeError(ErrorCode::Internal, msg);
}

namespace {
constexpr std::array<const char*, kCfCount> kCfNames = {
    "default", "rev", "timeline", "checkpoint", "flow", "flowtime", "metric", "api"};

// The `rev` keys of one element (kind | idlen u16 | id | ...; link keys: 'L' | node) sort
// together, and its revisions arrive in increasing order: the prefix up to the end of the ID
// names an insert hint, so a new revision's memtable insert starts at the element's previous
// revision instead of searching the whole skiplist (ADR 015, seventh round).
class ElementPrefix final : public rocksdb::SliceTransform {
public:
    const char* Name() const override { return "skydive.ElementPrefix"; }
    rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
        return rocksdb::Slice(key.data(), 3 + idLen(key));
    }
    bool InDomain(const rocksdb::Slice& key) const override {
        return key.size() >= 3 && key.size() >= 3 + idLen(key);
    }

private:
    static std::size_t idLen(const rocksdb::Slice& key) {
        return (static_cast<std::size_t>(static_cast<unsigned char>(key[1])) << 8) |
               static_cast<unsigned char>(key[2]);
    }
};
// The smallest UpdatedAt of a file's element keys (`N`/`E` kind, every entry type), as its 8
// key bytes (flipped big-endian: byte order = time order); ff..ff when it has none (only link
// keys). Late markers carry the largest UpdatedAt and never lower it.
constexpr const char* kMinUpdatedProperty = "skydive.rev.min-updated";

class MinUpdatedCollector final : public rocksdb::TablePropertiesCollector {
public:
    rocksdb::Status AddUserKey(const rocksdb::Slice& key, const rocksdb::Slice&, rocksdb::EntryType,
                               rocksdb::SequenceNumber, std::uint64_t) override {
        if (key.size() < 3 || (key[0] != 'N' && key[0] != 'E')) return rocksdb::Status::OK();
        std::size_t id_len = (static_cast<std::size_t>(static_cast<unsigned char>(key[1])) << 8) |
                             static_cast<unsigned char>(key[2]);
        if (key.size() != 3 + id_len + 24) return rocksdb::Status::OK();
        std::string_view updated(key.data() + 3 + id_len + 8, 8);
        if (updated < min_) min_.assign(updated);
        return rocksdb::Status::OK();
    }
    rocksdb::Status Finish(rocksdb::UserCollectedProperties* props) override {
        (*props)[kMinUpdatedProperty] = min_;
        return rocksdb::Status::OK();
    }
    rocksdb::UserCollectedProperties GetReadableProperties() const override { return {}; }
    const char* Name() const override { return "skydive.MinUpdated"; }

private:
    std::string min_ = std::string(8, '\xff');
};

class MinUpdatedFactory final : public rocksdb::TablePropertiesCollectorFactory {
public:
    rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
        rocksdb::TablePropertiesCollectorFactory::Context) override {
        return new MinUpdatedCollector;
    }
    const char* Name() const override { return "skydive.MinUpdatedFactory"; }
};

}  // namespace

namespace {
bool mayHoldUpTo(const rocksdb::TableProperties& p, std::string_view bound) {
    if (p.num_range_deletions > 0) return true;
    auto it = p.user_collected_properties.find(kMinUpdatedProperty);
    // Files written before the property existed are always read.
    return it == p.user_collected_properties.end() || it->second.size() != 8 ||
           std::string_view(it->second) <= bound;
}
}  // namespace

bool mayHoldKeysUpTo(const rocksdb::TableProperties& p, model::Time t) {
    std::string bound;
    putI64f(bound, t);
    return mayHoldUpTo(p, bound);
}

void skipFilesAfter(rocksdb::ReadOptions& ro, model::Time t) {
    std::string bound;
    putI64f(bound, t);
    ro.table_filter = [bound = std::move(bound)](const rocksdb::TableProperties& p) {
        return mayHoldUpTo(p, bound);
    };
}

void Rocks::noteLateMarker(rocksdb::WriteBatch& batch, std::string_view marker_key) {
    // kind | idlen | id | CreatedAt (| UpdatedAt | Revision): the incarnation's first bytes.
    std::string_view incarnation = marker_key.substr(0, marker_key.size() - 16);
    batch.Put(cf(Cf::Default), toSlice(lateIndexKey(incarnation)), rocksdb::Slice());
    late_.add(incarnation);
}

model::Status Rocks::loadLateMarkers(bool scan_rev) {
    if (scan_rev) {
        rocksdb::ReadOptions ro;
        ro.fill_cache = false;
        rocksdb::WriteBatch batch;
        auto it = iterator(Cf::Rev, ro);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            auto k = decodeRevKey(view(it->key()));
            if (k && isLateMarker(*k)) {
                std::string_view key = view(it->key());
                batch.Put(cf(Cf::Default), toSlice(lateIndexKey(key.substr(0, key.size() - 16))),
                          rocksdb::Slice());
            }
        }
        if (!it->status().ok()) return fromRocks(it->status(), "late marker scan");
        if (auto st = write(batch, true); !st) return st;
    }
    auto it = iterator(Cf::Default);
    for (it->Seek(toSlice(kLateIndexPrefix)); it->Valid(); it->Next()) {
        std::string_view key = view(it->key());
        if (!key.starts_with(kLateIndexPrefix)) break;
        late_.add(key.substr(kLateIndexPrefix.size()));
    }
    if (!it->status().ok()) return fromRocks(it->status(), "late marker index");
    return {};
}

model::Status Rocks::loadShapes() {
    auto it = iterator(Cf::Default);
    for (it->Seek(toSlice(kShapePrefix)); it->Valid(); it->Next()) {
        std::string_view key = view(it->key());
        if (!key.starts_with(kShapePrefix)) break;
        if (auto st = shapes_.load(key, view(it->value())); !st) return st;
    }
    if (!it->status().ok()) return fromRocks(it->status(), "shape table");
    return {};
}

model::Result<std::unique_ptr<Rocks>> Rocks::open(const std::string& dir,
                                                  std::size_t block_cache_bytes) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return makeError(ErrorCode::Unavailable,
                         "cannot create data directory " + dir + ": " + ec.message());
    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    opts.max_background_jobs = 2;
    opts.bytes_per_sync = 1 << 20;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
    rocksdb::ColumnFamilyOptions cf_opts(opts);
    cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cf_opts.compression = rocksdb::kNoCompression;
    // Timeline keys (time | seq) arrive in increasing order: a memtable insert hint (one prefix,
    // the empty one) starts each insert's skiplist search at the previous key (ADR 015).
    rocksdb::ColumnFamilyOptions timeline_opts(cf_opts);
    timeline_opts.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(0));
    rocksdb::ColumnFamilyOptions rev_opts(cf_opts);
    // A whole-key Bloom filter per `rev` file: a view's MultiGet of the records its checkpoint
    // names then skips the files that do not hold a key instead of reading a block of each
    // (at 10M revisions most keys live in the last level, under every L0 and L1 file; ADR 011).
    rocksdb::BlockBasedTableOptions rev_table(table);
    rev_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    rev_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(rev_table));
    rev_opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<ElementPrefix>();
    rev_opts.table_properties_collector_factories.push_back(std::make_shared<MinUpdatedFactory>());
    // A checkpoint value lists every live element (~9 MB at 300k): inline, each one fills a
    // block of its own, and the SeekForPrev that finds the checkpoint before t read such a
    // block in every level and L0 file it searched, 11-15% of a cold whole-graph view outside
    // the window (ADR 011). In blob files the LSM holds only small references: the seek reads
    // those, then one blob. Compactions no longer rewrite the values either. Whole blob files
    // go once no checkpoint in them is referenced; garbage collection relocates the survivors
    // of files mostly deleted (retention, late data).
    rocksdb::ColumnFamilyOptions checkpoint_opts(cf_opts);
    checkpoint_opts.enable_blob_files = true;
    checkpoint_opts.min_blob_size = 0;  // every one: the tests then cover blobs too
    checkpoint_opts.blob_file_size = 64u << 20;
    checkpoint_opts.enable_blob_garbage_collection = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : kCfNames) {
        std::string_view n(name);
        cfs.emplace_back(name, n == "timeline"     ? timeline_opts
                               : n == "rev"        ? rev_opts
                               : n == "checkpoint" ? checkpoint_opts
                                                   : cf_opts);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto st = rocksdb::DB::Open(rocksdb::DBOptions(opts), dir, cfs, &handles, &raw);
    if (!st.ok()) return fromRocks(st, "open " + dir);
    auto r = std::unique_ptr<Rocks>(new Rocks);
    r->db_.reset(raw);
    (void)crc32cInHardware();  // links crc32c.cpp, whose Extend RocksDB then calls
    for (std::size_t i = 0; i < kCfCount; ++i) r->handles_[i] = handles[i];
    return r;
}

Rocks::~Rocks() {
    if (!db_) return;
    // A clean shutdown flushes the memtables, so the next open has no WAL to replay (restart
    // time); after kill -9 the WAL replay restores what was acknowledged.
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
    (void)db_->Flush(rocksdb::FlushOptions(), cfs);
    for (auto* h : handles_)
        if (h) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
}

model::Status Rocks::write(rocksdb::WriteBatch& batch, bool sync) {
    // RocksDB counts every memtable key comparison in a thread-local perf context by default:
    // a quarter of a write's CPU (ADR 015). The store reads none of those counters.
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    auto st = db_->Write(wo, &batch);
    if (!st.ok()) return fromRocks(st, "write");
    return {};
}

model::Result<std::optional<std::string>> Rocks::get(Cf c, std::string_view key) const {
    std::string out;
    auto st = db_->Get(rocksdb::ReadOptions(), cf(c), toSlice(key), &out);
    if (st.IsNotFound()) return std::optional<std::string>();
    if (!st.ok()) return fromRocks(st, "get");
    return std::optional<std::string>(std::move(out));
}

std::unique_ptr<rocksdb::Iterator> Rocks::iterator(Cf c, const rocksdb::ReadOptions& ro) const {
    return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, cf(c)));
}

model::Status Rocks::syncWal() {
    auto st = db_->FlushWAL(true);
    if (!st.ok()) return fromRocks(st, "sync WAL");
    return {};
}

void Rocks::noteReadError(const model::Error& err) {
    std::fprintf(stderr, "skydive store: past view read failed, result incomplete: %s\n",
                 err.toString().c_str());
    read_errors_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Rocks::liveBytes() const {
    std::uint64_t total = 0;
    for (auto* h : handles_) {
        std::uint64_t v = 0;
        if (db_->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) total += v;
        if (db_->GetIntProperty(h, "rocksdb.total-blob-file-size", &v)) total += v;
        if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
    }
    return total;
}

}  // namespace skydive::store
