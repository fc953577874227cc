#pragma once

// The flat node record (ADR 002, eighth round). The block's layout is in-memory only and can
// change freely, but the packed values are also what the store writes for a node revision since
// its format 6 (storage/FORMAT.md, node record 0x04, via NodeRef::packedValues): a change to
// the packed value encoding below needs a new store format.
//
// RecBlock, one allocation:
//   0   u32 refs (atomic)
//   4   u32 size            bytes of the body
//   8   Shape* shape        interned sorted metadata key list (ADR 002); nullptr: no keys
//   16  body:
//       varint idlen, id bytes
//       varint metalen, then metalen bytes:
//           varint zz(CreatedAt), varint zz(UpdatedAt - CreatedAt), varint zz(DeletedAt),
//           varint zz(Revision), host, origin
//           where host/origin = varint (interned id + 1), or 0 then varint len + bytes
//       offsets of values 1..n-1 from the start of the values (value 0 is at 0):
//           u16 little-endian each, u32 when size >= 65536
//       values, n packed values in key order
//
// Packed value (tag byte first):
//   0x00 null | 0x01 false | 0x02 true | 0x03 int: varint zz | 0x04 double: 8 bytes LE bits
//   0x05 string: varint len, bytes | 0x80 + len (len < 128): short string, bytes
//   0x06 list:   varint nbytes, then nbytes: varint count, packed items
//   0x07 object: varint nbytes, then nbytes: varint count, (varint keylen, key, packed value)*
//                keys ascending, unique
// varint: unsigned LEB128; zz(x): zigzag of an int64.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <skydive/model/node_rec.h>

#include "object_block.h"

namespace skydive::model::detail {

struct RecBlock {
    std::atomic<std::uint32_t> refs{1};
    std::uint32_t size = 0;
    Shape* shape = nullptr;

    const unsigned char* body() const noexcept {
        return reinterpret_cast<const unsigned char*>(this + 1);
    }
    unsigned char* body() noexcept { return reinterpret_cast<unsigned char*>(this + 1); }
    bool wideOffsets() const noexcept { return size >= 65536; }
};
static_assert(sizeof(RecBlock) == 16);

enum RecTag : unsigned char {
    kTagNull = 0x00,
    kTagFalse = 0x01,
    kTagTrue = 0x02,
    kTagInt = 0x03,
    kTagDouble = 0x04,
    kTagString = 0x05,
    kTagList = 0x06,
    kTagObject = 0x07,
    kTagShortString = 0x80,  // + length
};
constexpr std::size_t kShortStringMax = 127;

inline std::uint64_t zigzag(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// Writes a varint at p (room for 10 bytes) and returns the end.
inline char* writeVarint(char* p, std::uint64_t v) noexcept {
    while (v >= 0x80) {
        *p++ = static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}

inline void putVarint(std::string& out, std::uint64_t v) {
    char buf[10];
    out.append(buf, static_cast<std::size_t>(writeVarint(buf, v) - buf));
}

inline std::size_t varintSize(std::uint64_t v) noexcept {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

/// Reads a varint and advances p. REQUIRES: a well-formed record (only our encoder writes them).
inline std::uint64_t getVarint(const unsigned char*& p) noexcept {
    std::uint64_t v = *p & 0x7F;
    if (*p++ < 0x80) return v;
    for (int shift = 7;; shift += 7) {
        unsigned char c = *p++;
        v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
        if (c < 0x80) return v;
    }
}

/// A string after its varint length; advances p past it.
inline std::string_view getString(const unsigned char*& p) noexcept {
    auto n = static_cast<std::size_t>(getVarint(p));
    std::string_view s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
}

/// Bytes of the packed value at p, tag included (ValueRef::encodedSize).
inline std::size_t packedSize(const unsigned char* v) noexcept {
    const unsigned char t = *v;
    if (t >= kTagShortString) return 1 + (t - 0x80u);
    const unsigned char* p = v + 1;
    switch (static_cast<RecTag>(t)) {
        case kTagNull:
        case kTagFalse:
        case kTagTrue:
        case kTagShortString: return 1;
        case kTagInt: (void)getVarint(p); break;
        case kTagDouble: return 9;
        case kTagString:
        case kTagList:
        case kTagObject: {
            auto n = static_cast<std::size_t>(getVarint(p));
            p += n;
            break;
        }
    }
    return static_cast<std::size_t>(p - v);
}

/// Host or origin: an interned id or the string inline.
std::string_view getInternedOrInline(const unsigned char*& p) noexcept;

/// Packs values into `out` from `at` through a pointer, making room a value at a time: a
/// push_back per byte was a third of NodeRec::encode (ADR 015, 23rd round). Writers keep
/// their buffer at its size from record to record (room is then rarely made) and call
/// finish() once a record's values are written.
class Packer {
public:
    Packer(std::string& out, std::size_t at) : out_(out), at_(at) {}
    Packer(const Packer&) = delete;
    Packer& operator=(const Packer&) = delete;

    /// Bytes of `out` written so far.
    std::size_t size() const noexcept { return at_; }
    void value(const Value& v);
    void nullValue() { *room(1) = static_cast<char>(kTagNull), ++at_; }
    void boolValue(bool b) { *room(1) = static_cast<char>(b ? kTagTrue : kTagFalse), ++at_; }
    void intValue(std::int64_t i) {
        char* p = room(11);
        *p = static_cast<char>(kTagInt);
        at_ = static_cast<std::size_t>(writeVarint(p + 1, zigzag(i)) - out_.data());
    }
    void stringValue(std::string_view s) {
        char* p = room(s.size() + 11);
        if (s.size() <= kShortStringMax) {
            *p++ = static_cast<char>(kTagShortString + s.size());
        } else {
            *p++ = static_cast<char>(kTagString);
            p = writeVarint(p, s.size());
        }
        std::memcpy(p, s.data(), s.size());
        at_ = static_cast<std::size_t>(p + s.size() - out_.data());
    }
    /// Drops the slack: `out` ends with the last value.
    void finish() { out_.resize(at_); }
    /// Whether a list or an object was packed.
    bool nested() const noexcept { return nested_; }

private:
    [[gnu::always_inline]] char* room(std::size_t n) {
        if (out_.size() - at_ < n) [[unlikely]]
            grow(n);
        return out_.data() + at_;
    }
    void grow(std::size_t n) { out_.resize(std::max(2 * out_.size(), at_ + n + 64)); }
    void varint(std::uint64_t v) {
        at_ = static_cast<std::size_t>(writeVarint(room(10), v) - out_.data());
    }
    void bytes(std::string_view s) {
        std::memcpy(room(s.size()), s.data(), s.size());
        at_ += s.size();
    }
    template <typename Fill>
    void container(unsigned char tag, Fill&& fill);

    std::string& out_;
    std::size_t at_;
    bool nested_ = false;
};

}  // namespace skydive::model::detail
