#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <skydive/model/clock.h>
#include <skydive/model/result.h>

#include "late_markers.h"
#include "shape_table.h"

namespace skydive::store {

/// The column families of storage/FORMAT.md, in open order.
enum class Cf : std::uint8_t { Default, Rev, Timeline, Checkpoint, Flow, FlowTime, Metric, Api };
inline constexpr std::size_t kCfCount = 8;

/// The one place where rocksdb::Status becomes a model::Error (STYLE.md "Errors").
model::Error fromRocks(const rocksdb::Status& st, std::string_view what);

/// The opened RocksDB database with its column families. Only this module sees RocksDB.
class Rocks {
public:
    static model::Result<std::unique_ptr<Rocks>> open(const std::string& dir,
                                                      std::size_t block_cache_bytes);
    ~Rocks();

    rocksdb::DB& db() { return *db_; }
    rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[static_cast<std::size_t>(c)]; }

    model::Status write(rocksdb::WriteBatch& batch, bool sync);
    model::Result<std::optional<std::string>> get(Cf c, std::string_view key) const;
    std::unique_ptr<rocksdb::Iterator> iterator(Cf c, const rocksdb::ReadOptions& ro = {}) const;
    model::Status syncWal();
    std::uint64_t liveBytes() const;

    /// The incarnations with a late marker (FORMAT.md, format 5).
    const LateMarkers& lateMarkers() const { return late_; }
    /// Lists the incarnation of `marker_key` (a late marker's `rev` key) in `batch` and in
    /// lateMarkers().
    void noteLateMarker(rocksdb::WriteBatch& batch, std::string_view marker_key);
    /// Loads lateMarkers() from the `default` index keys; with `scan_rev` (a format 4 store,
    /// which has no index) first writes the index from the markers found in `rev`.
    model::Status loadLateMarkers(bool scan_rev);

    /// The node record shapes (FORMAT.md, format 7).
    ShapeTable& shapes() { return shapes_; }
    const ShapeTable& shapes() const { return shapes_; }
    /// Loads shapes() from the `default` shape keys.
    model::Status loadShapes();

    /// A read error a lazy past view met and cannot return (GraphView has no error channel):
    /// logged and counted (Store::Stats::read_errors); the view answers without what it could
    /// not read.
    void noteReadError(const model::Error& err);
    std::uint64_t readErrors() const { return read_errors_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> read_errors_{0};
    LateMarkers late_;
    ShapeTable shapes_;
    std::unique_ptr<rocksdb::DB> db_;
    std::array<rocksdb::ColumnFamilyHandle*, kCfCount> handles_{};
};

/// Makes the iterators of `ro` on `rev` skip the SST files whose element keys are all dated
/// after t (the smallest UpdatedAt of a file's element keys is a table property, ADR 021): a
/// lookup at t reads no file written only by later changes. Late markers (UpdatedAt = max) are
/// hidden with them: callers that use it consult lateMarkers() instead.
void skipFilesAfter(rocksdb::ReadOptions& ro, model::Time t);
/// The test of skipFilesAfter for one file: false when its element keys are all dated after t.
bool mayHoldKeysUpTo(const rocksdb::TableProperties& p, model::Time t);

inline rocksdb::Slice toSlice(std::string_view s) {
    return rocksdb::Slice(s.data(), s.size());
}
inline std::string_view view(const rocksdb::Slice& s) {
    return std::string_view(s.data(), s.size());
}

}  // namespace skydive::store
