#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <skydive/model/value.h>

namespace skydive::model::detail {

/// The sorted key list of an object (ADR 002). Interned shapes are immutable and shared by every
/// object with the same key set; the table of interned shapes holds no reference, so a shape
/// dies with its last object and the table stays as large as the live key sets. A private
/// (not interned) shape belongs to one block that is being filled by a decoder.
struct Shape {
    std::atomic<std::uint32_t> refs{1};
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;
    bool interned = false;
    bool unsorted = false;  // private only: appended keys out of order or duplicated
    std::size_t hash = 0;   // interned only
    // Interned only: the key list packed as a node record stores it (count vu, then each key
    // as length vu + bytes; NodeRef::packedKeys()), in the same block after the keys.
    std::uint32_t packed_keys_size = 0;
    const char* packedKeys() const noexcept { return reinterpret_cast<const char*>(keys() + size); }

    Str* keys() noexcept { return reinterpret_cast<Str*>(this + 1); }
    const Str* keys() const noexcept { return reinterpret_cast<const Str*>(this + 1); }
};

/// An object's values, 16 bytes each, after a 16-byte header.
struct ObjectBlock {
    std::atomic<std::uint32_t> refs{1};
    std::uint32_t capacity = 0;
    Shape* shape = nullptr;  // nullptr while empty

    std::uint32_t size() const noexcept { return shape ? shape->size : 0; }
    Value* values() noexcept { return reinterpret_cast<Value*>(this + 1); }
};
static_assert(sizeof(ObjectBlock) == 16);

void retainObjectBlock(ObjectBlock* b) noexcept;
void releaseObjectBlock(ObjectBlock* b) noexcept;

/// Shape operations; each returns a shape the caller owns one reference to (nullptr = no keys).
void retainShape(Shape* s) noexcept;
void releaseShape(Shape* s) noexcept;
/// The interned shape of `keys` (sorted, unique).
Shape* internShape(const Str* keys, std::size_t n);
/// The interned shape of `s` (nullptr: none) with `key` inserted at `pos`. Cached per thread.
Shape* shapeWithKey(Shape* s, std::size_t pos, std::string_view key);
/// The interned shape of `s` without the key at `pos`.
Shape* shapeWithoutKey(Shape* s, std::size_t pos);
/// A private shape with room for `capacity` keys (and `extra` bytes after them: an interned
/// shape's packed key list); a private copy of `s` with room for max(capacity, s->size) keys.
Shape* privateShape(std::size_t capacity, std::size_t extra = 0);
Shape* clonePrivate(const Shape* s, std::size_t capacity);
/// Number of interned shapes alive (tests).
std::size_t internedShapeCount();

}  // namespace skydive::model::detail
