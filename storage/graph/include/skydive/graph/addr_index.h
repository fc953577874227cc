#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace skydive::graph {

/// An open-addressing map from an address to a pointer, with erase (linear probing, backward
/// shift): the recent window's "which change produced this element version" index (ADR 021),
/// and a large delta's set of the node versions its deferred replacements replace (GraphTxn).
/// A probe hashes the address (no string hashing) and touches one or two cache lines.
template <typename V>
class AddrIndex {
public:
    /// Allocates nothing until the first put().
    AddrIndex() = default;

    /// REQUIRES: key != nullptr.
    void put(const void* key, const V* value) {
        if (2 * (size_ + 1) > slots_.size()) rehash(std::max<std::size_t>(64, 2 * slots_.size()));
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == nullptr || slots_[i].key == key) {
                size_ += slots_[i].key == nullptr ? 1 : 0;
                slots_[i] = {key, value};
                return;
            }
        }
    }

    /// The value put under `key`, or nullptr.
    const V* find(const void* key) const {
        if (slots_.empty()) return nullptr;
        for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) return slots_[i].value;
            if (slots_[i].key == nullptr) return nullptr;
        }
    }

    /// Removes `key` when it maps to `value`.
    void erase(const void* key, const V* value) {
        if (slots_.empty()) return;
        std::size_t i = slot(key);
        for (;; i = (i + 1) & mask_) {
            if (slots_[i].key == nullptr) return;
            if (slots_[i].key == key) break;
        }
        if (slots_[i].value != value) return;
        // Backward shift: move later items of the probe run into the hole.
        for (std::size_t j = (i + 1) & mask_; slots_[j].key != nullptr; j = (j + 1) & mask_) {
            std::size_t home = slot(slots_[j].key);
            bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
            if (movable) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = {};
        --size_;
    }

    void clear() {
        slots_.assign(slots_.size(), Slot{});
        size_ = 0;
    }
    std::size_t size() const { return size_; }

private:
    struct Slot {
        const void* key = nullptr;
        const V* value = nullptr;
    };

    std::size_t slot(const void* key) const {
        auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key) >> 4);
        return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> 17) & mask_;
    }

    void rehash(std::size_t cap) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(cap, Slot{});
        mask_ = cap - 1;
        size_ = 0;
        for (const Slot& s : old)
            if (s.key != nullptr) put(s.key, s.value);
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace skydive::graph
