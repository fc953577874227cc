#pragma once

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
    }

    /// REQUIRES: at most `expected` distinct keys, key != nullptr.
    void put(const void* key, V value) {
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].first == nullptr || slots_[i].first == key) {
                slots_[i] = {key, std::move(value)};
                return;
            }
        }
    }

    /// The value of `key`, or nullptr when absent.
    const V* find(const void* key) const {
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

    std::vector<std::pair<const void*, V>> slots_;
    std::size_t mask_ = 0;
};

}  // namespace skydive::store
