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
        filter_.assign(std::max<std::size_t>(cap / 16, 1), 0);  // >= 8 bits a key: in L1/L2
        filter_mask_ = filter_.size() * 64 - 1;
    }

    /// REQUIRES: at most `expected` distinct keys, key != nullptr.
    void put(const void* key, V value) {
        const std::size_t f = filterBit(key);
        filter_[f >> 6] |= std::uint64_t{1} << (f & 63);
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].first == nullptr || slots_[i].first == key) {
                size_ += slots_[i].first == nullptr ? 1 : 0;
                slots_[i] = {key, std::move(value)};
                return;
            }
        }
    }

    bool empty() const { return size_ == 0; }

    /// The value of `key`, or nullptr when absent.
    const V* find(const void* key) const {
        // Most probes miss (the element did not change): a bit in a small filter says so
        // without touching the slots.
        const std::size_t f = filterBit(key);
        if ((filter_[f >> 6] & (std::uint64_t{1} << (f & 63))) == 0) return nullptr;
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].first == key) return &slots_[i].second;
            if (slots_[i].first == nullptr) return nullptr;
        }
    }

private:
    std::size_t slot(const void* key) const {
        auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key) >> 4);
        return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
    }

    std::size_t filterBit(const void* key) const {
        auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key) >> 4);
        return static_cast<std::size_t>((h * 0xC2B2AE3D27D4EB4FULL) >> 24) & filter_mask_;
    }

    std::vector<std::uint64_t> filter_;
    std::size_t filter_mask_ = 0;
    std::vector<std::pair<const void*, V>> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace skydive::store
