#pragma once

#include <atomic>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace skydive::store {

/// The incarnations (`kind | idlen | id | CreatedAt`, the first bytes of their `rev` keys) that
/// have a late marker, held in memory so that a lookup at t knows without a seek whether the
/// incarnation's time order is its revision order (FORMAT.md, format 5, ADR 021). The writer
/// adds an incarnation when it puts the marker (before the batch is written: a failed write
/// leaves an extra entry, which only costs the slower lookup); the open loads the `default`
/// index keys. Past `limit` entries the set is dropped and reports itself incomplete: lookups
/// then find markers by seeking, as before the set existed.
class LateMarkers {
public:
    static constexpr std::size_t kDefaultLimit = std::size_t{1} << 18;

    explicit LateMarkers(std::size_t limit = kDefaultLimit) : limit_(limit) {}

    void add(std::string_view incarnation);
    /// False only when the set is complete and does not hold `incarnation`.
    bool mayBeLate(std::string_view incarnation) const;
    /// Every marker of the store is in the set (no overflow).
    bool complete() const { return complete_.load(std::memory_order_acquire); }
    std::size_t size() const { return size_.load(std::memory_order_relaxed); }

private:
    const std::size_t limit_;
    mutable std::shared_mutex mu_;
    std::unordered_set<std::string> set_;
    std::atomic<bool> complete_{true};
    std::atomic<std::size_t> size_{0};
};

/// The `default` key that lists one incarnation with a late marker: "late" | incarnation.
std::string lateIndexKey(std::string_view incarnation);
inline constexpr std::string_view kLateIndexPrefix = "late";

}  // namespace skydive::store
