#pragma once

// Writing a group's records straight into the byte layout RocksDB writes (ADR 015, sixteenth
// round): no `WriteBatch::Put` per record, no temporary record string, and buffers reused from
// one group to the next instead of faulting in fresh pages.

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

namespace skydive::store {

/// Records in RocksDB's `WriteBatch` representation (db/write_batch.cc):
///
///     rep    := sequence fixed64 | count fixed32 (little-endian) | record*
///     record := 0x01 | key varstring | value varstring                       (default family)
///             | 0x05 | family varint32 | key varstring | value varstring    (other families)
///     varstring := length varint32 | bytes
///
/// The header stays zero until batch(): RocksDB sets the sequence when it writes.
class BatchRep {
public:
    static constexpr std::size_t kHeader = 12;

    BatchRep() { clear(); }
    explicit BatchRep(std::string&& buffer) : rep_(std::move(buffer)) { clear(); }

    /// Empty again, keeping the buffer's capacity.
    void clear() {
        rep_.assign(kHeader, '\0');
        count_ = 0;
    }

    void put(std::uint32_t family, std::string_view key, std::string_view value) {
        start(family, key);
        putVarint32(value.size());
        rep_.append(value);
        ++count_;
    }

    /// A record whose value `encode(std::string&)` appends in place. The length before it takes
    /// two bytes (values of 128 to 16383 bytes, a node record's usual size); other sizes move
    /// the value once.
    template <typename Encode>
    void putEncoded(std::uint32_t family, std::string_view key, const Encode& encode) {
        start(family, key);
        const std::size_t at = rep_.size();
        rep_.append(2, '\0');
        encode(rep_);
        const std::size_t len = rep_.size() - at - 2;
        char v[5];
        const std::size_t n = varint32(v, static_cast<std::uint32_t>(len));
        if (n == 2)
            std::memcpy(rep_.data() + at, v, 2);
        else
            rep_.replace(at, 2, v, n);
        ++count_;
    }

    /// Appends the records of `b` (any RocksDB batch) after these.
    void append(const rocksdb::WriteBatch& b) {
        if (b.Count() == 0) return;
        rep_.append(b.Data(), kHeader, std::string::npos);
        count_ += b.Count();
    }
    /// Appends the records of `other` after these.
    void append(const BatchRep& other) {
        rep_.append(other.rep_, kHeader, std::string::npos);
        count_ += other.count_;
    }

    std::uint32_t count() const { return count_; }
    /// Bytes of the records, header included.
    std::size_t size() const { return rep_.size(); }
    void reserve(std::size_t bytes) { rep_.reserve(bytes); }
    std::size_t capacity() const { return rep_.capacity(); }

    /// The records as a batch to write, taking the buffer (this is left empty).
    class Batch;
    Batch batch() &&;

private:
    void start(std::uint32_t family, std::string_view key) {
        if (family == 0) {
            rep_.push_back('\x01');
        } else {
            rep_.push_back('\x05');
            putVarint32(family);
        }
        putVarint32(key.size());
        rep_.append(key);
    }
    static std::size_t varint32(char* out, std::uint32_t v) {
        std::size_t n = 0;
        while (v >= 0x80) {
            out[n++] = static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        out[n++] = static_cast<char>(v);
        return n;
    }
    void putVarint32(std::size_t v) {
        char b[5];
        rep_.append(b, varint32(b, static_cast<std::uint32_t>(v)));
    }

    std::string rep_;
    std::uint32_t count_ = 0;
};

/// A batch whose buffer can be taken back once written, to be reused. Construct it, never
/// assign to it: RocksDB's move assignment destroys the target and builds a plain WriteBatch
/// in its place (UBSan then rightly rejects calling takeBuffer() on it).
class BatchRep::Batch final : public rocksdb::WriteBatch {
public:
    Batch() = default;
    explicit Batch(std::string&& rep) : rocksdb::WriteBatch(std::move(rep)) {}
    /// The representation, for reuse; the batch is empty afterwards and must not be written.
    std::string takeBuffer() && { return std::move(rep_); }
};

inline BatchRep::Batch BatchRep::batch() && {
    for (std::size_t i = 0; i < 4; ++i) rep_[8 + i] = static_cast<char>((count_ >> (8 * i)) & 0xff);
    count_ = 0;
    return Batch(std::move(rep_));
}

/// Containers handed back once used, so that the next group reuses their memory instead of
/// faulting in fresh pages (~14 us a fault on this machine; ADR 015). `capacity` counts what
/// T's capacity() counts. Any thread.
template <typename T, std::size_t kMaxCapacity>
class Spares {
public:
    /// An empty container with the capacity of an earlier one, or a new one.
    T take() {
        std::lock_guard l(mu_);
        if (free_.empty()) return {};
        T s = std::move(free_.back());
        free_.pop_back();
        return s;
    }
    /// Empties `s` (on the giving thread) and keeps it for reuse unless enough are kept or it
    /// is too large to keep for good.
    void give(T&& s) {
        constexpr std::size_t kKeep = 4;
        if (s.capacity() == 0 || s.capacity() > kMaxCapacity) return;
        s.clear();
        std::lock_guard l(mu_);
        if (free_.size() < kKeep) free_.push_back(std::move(s));
    }

private:
    std::mutex mu_;
    std::vector<T> free_;
};

/// Buffers of written batches.
using BatchBuffers = Spares<std::string, (8u << 20)>;

}  // namespace skydive::store
