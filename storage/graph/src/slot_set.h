#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "pmap.h"

namespace skydive::graph::detail {

/// A persistent set of 4-byte slots (ADR 002, seventh round): the members of an index term
/// that names more than one node. Slots are grouped by their high bits into chunks of 4096;
/// a chunk is a sorted array of 16-bit offsets while it holds at most 256 members and a
/// 4096-bit bitmap above that (both at most 512 bytes), so a term naming every node costs
/// ~1 bit per member and a sparse one ~2 bytes. The chunks sit in a PMap by chunk number:
/// copies are O(1) and a writer copies a chunk only when it is shared (copy on write).
///
/// REQUIRES: one thread mutates a given set; copies may be read from any thread.
class SlotSet {
    static constexpr unsigned kChunkBits = 12;
    static constexpr std::uint32_t kChunkSlots = 1u << kChunkBits;
    static constexpr std::uint16_t kMaxArray = 256;

    struct Chunk {
        std::atomic<std::uint32_t> refs{1};
        std::uint16_t count = 0;
        std::uint16_t cap = 0;  // array capacity; 0: a bitmap
        bool bitmap() const noexcept { return cap == 0; }
        std::uint16_t* array() noexcept { return reinterpret_cast<std::uint16_t*>(this + 1); }
        const std::uint16_t* array() const noexcept {
            return reinterpret_cast<const std::uint16_t*>(this + 1);
        }
        std::uint64_t* bits() noexcept { return reinterpret_cast<std::uint64_t*>(this + 1); }
        const std::uint64_t* bits() const noexcept {
            return reinterpret_cast<const std::uint64_t*>(this + 1);
        }
    };
    static_assert(sizeof(Chunk) == 8);

    // An intrusive, copyable reference to a chunk (the PMap value).
    class ChunkRef {
    public:
        ChunkRef() = default;
        explicit ChunkRef(Chunk* c) noexcept : c_(c) {}
        ChunkRef(const ChunkRef& o) noexcept : c_(o.c_) {
            if (c_) c_->refs.fetch_add(1, std::memory_order_relaxed);
        }
        ChunkRef(ChunkRef&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
        ChunkRef& operator=(ChunkRef o) noexcept {
            std::swap(c_, o.c_);
            return *this;
        }
        ~ChunkRef() {
            if (c_ && c_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) freeChunk(c_);
        }
        const Chunk* get() const noexcept { return c_; }
        Chunk* mut() noexcept { return c_; }
        void reset(Chunk* c) noexcept { *this = ChunkRef(c); }

    private:
        Chunk* c_ = nullptr;
    };
    struct IdHash {
        std::size_t operator()(std::uint32_t k) const noexcept { return k; }
    };
    struct IdEq {
        bool operator()(std::uint32_t a, std::uint32_t b) const noexcept { return a == b; }
    };
    using Chunks = PMap<std::uint32_t, ChunkRef, IdHash, IdEq>;

public:
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    bool contains(std::uint32_t slot) const {
        const ChunkRef* r = chunks_.find(slot >> kChunkBits);
        return r != nullptr && has(*r->get(), static_cast<std::uint16_t>(slot & (kChunkSlots - 1)));
    }
    /// Returns true when the slot was new.
    bool insert(std::uint32_t slot) {
        auto off = static_cast<std::uint16_t>(slot & (kChunkSlots - 1));
        if (contains(slot)) return false;
        ChunkRef& r = chunks_.getOrInsert(slot >> kChunkBits);
        const Chunk* c = r.get();
        if (c == nullptr) {
            r.reset(newArray(4));
        } else if (!c->bitmap() && c->count == c->cap) {
            r.reset(c->count == kMaxArray ? toBitmap(*c) : copyOf(*c, grown(c->cap)));
        } else if (c->refs.load(std::memory_order_acquire) != 1) {
            r.reset(c->bitmap() ? toBitmap(*c) : copyOf(*c, c->cap));
        }
        Chunk* m = r.mut();
        if (m->bitmap()) {
            m->bits()[off >> 6] |= std::uint64_t{1} << (off & 63u);
        } else {
            std::uint16_t* a = m->array();
            std::uint16_t* at = std::lower_bound(a, a + m->count, off);
            std::memmove(at + 1, at, static_cast<std::size_t>(a + m->count - at) * 2);
            *at = off;
        }
        ++m->count;
        ++size_;
        return true;
    }
    /// Returns true when the slot was a member.
    bool erase(std::uint32_t slot) {
        auto off = static_cast<std::uint16_t>(slot & (kChunkSlots - 1));
        if (!contains(slot)) return false;
        const std::uint32_t key = slot >> kChunkBits;
        --size_;
        ChunkRef& r = *chunks_.findMut(key);
        if (r.get()->count == 1) {
            chunks_.erase(key);
            return true;
        }
        const Chunk* c = r.get();
        if (c->bitmap() && c->count <= kMaxArray / 2) {
            r.reset(toArray(*c, c->count));  // hysteresis: back to an array well below 256
        } else if (c->refs.load(std::memory_order_acquire) != 1) {
            r.reset(c->bitmap() ? toBitmap(*c) : copyOf(*c, c->cap));
        }
        Chunk* m = r.mut();
        if (m->bitmap()) {
            m->bits()[off >> 6] &= ~(std::uint64_t{1} << (off & 63u));
        } else {
            std::uint16_t* a = m->array();
            std::uint16_t* at = std::lower_bound(a, a + m->count, off);
            std::memmove(at, at + 1, static_cast<std::size_t>(a + m->count - at - 1) * 2);
        }
        --m->count;
        return true;
    }
    /// The set of `slots` (any order, repeats allowed) built at once.
    static SlotSet build(std::vector<std::uint32_t> slots) {
        std::sort(slots.begin(), slots.end());
        slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
        std::vector<PEntry<std::uint32_t, ChunkRef>> entries;
        for (std::size_t a = 0; a < slots.size();) {
            std::size_t b = a;
            const std::uint32_t key = slots[a] >> kChunkBits;
            while (b < slots.size() && slots[b] >> kChunkBits == key) ++b;
            const auto n = static_cast<std::uint16_t>(b - a);
            Chunk* c = n > kMaxArray ? newBitmap() : newArray(n);
            for (std::size_t i = a; i < b; ++i) {
                auto off = static_cast<std::uint16_t>(slots[i] & (kChunkSlots - 1));
                if (c->bitmap())
                    c->bits()[off >> 6] |= std::uint64_t{1} << (off & 63u);
                else
                    c->array()[i - a] = off;
            }
            c->count = n;
            entries.push_back({key, ChunkRef(c)});
            a = b;
        }
        SlotSet s;
        s.size_ = slots.size();
        s.chunks_ = Chunks::build(std::move(entries));
        return s;
    }
    /// Calls fn(slot) per member (ascending within a chunk) until it returns false.
    template <typename Fn>
    bool forEach(const Fn& fn) const {
        return chunks_.forEach([&](std::uint32_t key, const ChunkRef& r) {
            const Chunk& c = *r.get();
            const std::uint32_t base = key << kChunkBits;
            if (!c.bitmap()) {
                for (unsigned i = 0; i < c.count; ++i)
                    if (!fn(base + c.array()[i])) return false;
                return true;
            }
            for (unsigned w = 0; w < kChunkSlots / 64; ++w)
                for (std::uint64_t bits = c.bits()[w]; bits != 0; bits &= bits - 1)
                    if (!fn(base + w * 64 + static_cast<unsigned>(std::countr_zero(bits))))
                        return false;
            return true;
        });
    }

private:
    static bool has(const Chunk& c, std::uint16_t off) {
        if (c.bitmap()) return (c.bits()[off >> 6] >> (off & 63u)) & 1u;
        return std::binary_search(c.array(), c.array() + c.count, off);
    }
    static std::uint16_t grown(std::uint16_t cap) {
        return static_cast<std::uint16_t>(std::min<unsigned>(kMaxArray, cap + cap / 2 + 4));
    }
    static Chunk* allocate(std::size_t payload) {
        return new (::operator new(sizeof(Chunk) + payload)) Chunk;
    }
    static Chunk* newArray(std::uint16_t cap) {
        Chunk* c = allocate(std::size_t{cap} * 2);
        c->cap = cap;
        return c;
    }
    static Chunk* newBitmap() {
        Chunk* c = allocate(kChunkSlots / 8);
        std::memset(c->bits(), 0, kChunkSlots / 8);
        return c;
    }
    static Chunk* copyOf(const Chunk& c, std::uint16_t cap) {
        Chunk* n = newArray(cap);
        std::memcpy(n->array(), c.array(), std::size_t{c.count} * 2);
        n->count = c.count;
        return n;
    }
    static Chunk* toBitmap(const Chunk& c) {
        Chunk* n = newBitmap();
        if (c.bitmap()) {
            std::memcpy(n->bits(), c.bits(), kChunkSlots / 8);
        } else {
            for (unsigned i = 0; i < c.count; ++i)
                n->bits()[c.array()[i] >> 6] |= std::uint64_t{1} << (c.array()[i] & 63u);
        }
        n->count = c.count;
        return n;
    }
    static Chunk* toArray(const Chunk& c, std::uint16_t cap) {
        Chunk* n = newArray(cap);
        std::uint16_t k = 0;
        for (unsigned w = 0; w < kChunkSlots / 64; ++w)
            for (std::uint64_t bits = c.bits()[w]; bits != 0; bits &= bits - 1)
                n->array()[k++] = static_cast<std::uint16_t>(w * 64 + std::countr_zero(bits));
        n->count = c.count;
        return n;
    }
    static void freeChunk(Chunk* c) noexcept {
        c->~Chunk();
        ::operator delete(c);
    }

    Chunks chunks_;
    std::size_t size_ = 0;
};

}  // namespace skydive::graph::detail
