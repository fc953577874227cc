#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace skydive::store {

/// A fixed-size open-addressing map keyed by address, filled once then only read: what a
/// lazy view's scan probes for every element of the latest image (ADR 017), so a probe must
/// cost a few nanoseconds (no string hashing, no division, one cache line).
template <typename V>
class PtrMap {
public:
    explicit PtrMap(std::size_t expected = 0) {
        std::size_t cap = 16;
        while (cap < 2 * expected) cap *= 2;
        slots_.resize(cap);
        mask_ = cap - 1;
        // >= 16 bits a key, two of them set, in one word: ~1-2% of absent keys pass (one bit of
        // 8 let ~12% pass, each then a slot load, often a miss; ADR 011). In L1/L2.
        filter_.assign(std::max<std::size_t>(cap / 8, 1), 0);
        filter_mask_ = filter_.size() - 1;
    }

    PtrMap(const PtrMap&) = delete;
    PtrMap& operator=(const PtrMap&) = delete;
    PtrMap(PtrMap&&) noexcept = default;
    PtrMap& operator=(PtrMap&&) noexcept = default;

    /// Requests the slot that put(key) writes first (a build puts many keys in a row).
    void prefetchSlot(const void* key) const { __builtin_prefetch(&slots_[slot(key)], 1); }

    /// REQUIRES: at most `expected` distinct keys, key != nullptr.
    void put(const void* key, V value) {
        const auto [word, bits] = filterBits(key);
        filter_[word] |= bits;
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].first == nullptr || slots_[i].first == key) {
                size_ += slots_[i].first == nullptr ? 1 : 0;
                slots_[i] = {key, std::move(value)};
                return;
            }
        }
    }

    bool empty() const { return size_ == 0; }

    /// False when `key` is surely absent; true for every key put (and a few others).
    bool mayContain(const void* key) const {
        const auto [word, bits] = filterBits(key);
        return (filter_[word] & bits) == bits;
    }

    /// The value of `key`, or nullptr when absent.
    const V* find(const void* key) const {
        // Most probes miss (the element did not change): the filter says so without touching
        // the slots.
        if (!mayContain(key)) return nullptr;
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].first == key) return &slots_[i].second;
            if (slots_[i].first == nullptr) return nullptr;
        }
    }

private:
    // A full 64-bit mix of the address (MurmurHash3's finaliser). A single multiplication let
    // 5% of absent keys through the filter on a heap that had been through a store's open and
    // close (the unit test), against the ~0.7% expected.
    static std::uint64_t mix(const void* key) {
        auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key));
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDULL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 33;
        return h;
    }

    std::size_t slot(const void* key) const {
        return static_cast<std::size_t>(mix(key) >> 20) & mask_;
    }

    // The filter word of `key` (low bits of the mix) and its two bits there (the top ones).
    std::pair<std::size_t, std::uint64_t> filterBits(const void* key) const {
        const std::uint64_t h = mix(key);
        const std::uint64_t bits =
            (std::uint64_t{1} << (h >> 58)) | (std::uint64_t{1} << ((h >> 52) & 63));
        return {static_cast<std::size_t>(h) & filter_mask_, bits};
    }

    std::vector<std::uint64_t> filter_;
    std::size_t filter_mask_ = 0;
    std::vector<std::pair<const void*, V>> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace skydive::store
