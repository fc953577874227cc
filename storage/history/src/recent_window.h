#pragma once

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "record.h"

namespace skydive::store {

/// One change kept in memory: the element before and after it (before is empty for an add,
/// after carries DeletedAt for a delete).
struct LogEntry {
    TimelineKey key;
    TimelineOp op = TimelineOp::Put;
    Version before;
    Version after;
    std::size_t bytes = 0;
};

/// The in-memory recent window (ADR 012): the change log of the last minutes, with a version
/// chain per element, bounded by age and by a memory budget. It can answer At(t) for every
/// t > from(): all the changes after such a t are still here.
class RecentWindow {
public:
    /// `from`: the newest time already out of the window (e.g. the last change on disk).
    explicit RecentWindow(Time from = 0) : from_(from) {}

    void append(LogEntry e);
    /// Evicts entries older than `min_time` and, oldest first, while over `max_bytes`.
    void trim(Time min_time, std::size_t max_bytes);
    void clear(Time from);

    bool covers(Time t) const { return t > from_; }
    Time from() const { return from_; }
    std::size_t size() const { return log_.size(); }
    std::size_t bytes() const { return bytes_; }

    /// The live image rolled back to t. REQUIRES: covers(t).
    graph::GraphImage imageAt(graph::GraphImage live, Time t) const;
    /// One element at t given its live version (empty when absent). REQUIRES: covers(t).
    Version elementAt(model::ElementKind kind, std::string_view id, const Version& live,
                      Time t) const;
    /// Every version visible in [from, to] given the point image at `from`. REQUIRES: covers(from).
    void sliceVersions(const graph::GraphImage& at_from, Time from, Time to,
                       std::vector<Version>& out) const;

private:
    Version finalForm(const Version& v) const;
    struct ChainKey {
        model::ElementKind kind;
        model::Str id;
        friend bool operator==(const ChainKey&, const ChainKey&) = default;
    };
    struct ChainKeyHash {
        std::size_t operator()(const ChainKey& k) const noexcept {
            return model::StrHash{}(k.id) ^ static_cast<std::size_t>(k.kind);
        }
    };
    static ChainKey chainKey(const Version& v) { return {v.kind(), v.base().id}; }

    std::deque<LogEntry> log_;
    // Oldest first; short (the changes of one element inside the window).
    std::unordered_map<ChainKey, std::vector<const LogEntry*>, ChainKeyHash> chains_;
    std::size_t bytes_ = 0;
    Time from_;
};

/// Approximate memory held by one version (for the window's budget).
std::size_t versionBytes(const Version& v);

}  // namespace skydive::store
