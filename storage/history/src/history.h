#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "record.h"
#include "rocks.h"

namespace skydive::store {

/// Reads past states from RocksDB: checkpoint + timeline replay for whole-graph views, a seek
/// in `rev` for one element (FORMAT.md).
class HistoryReader {
public:
    explicit HistoryReader(Rocks& rocks) : rocks_(rocks) {}

    /// References of the revisions visible at t (point: the newest per element). A deletion at
    /// exactly t keeps the element (inclusive bounds).
    model::Result<std::vector<RevKey>> pointRefs(Time t) const;
    /// References of every revision visible at some moment of [from, to].
    model::Result<std::vector<RevKey>> sliceRefs(Time from, Time to) const;
    /// Reads the records of `refs` (one MultiGet).
    model::Result<std::vector<Version>> fetch(const std::vector<RevKey>& refs) const;
    model::Result<Version> elementAt(model::ElementKind kind, std::string_view id, Time t) const;

    struct Checkpoint {
        TimelineKey key;
        std::vector<RevKey> refs;
    };
    /// The newest checkpoint whose time is strictly before t.
    model::Result<std::optional<Checkpoint>> checkpointBefore(
        Time t, const rocksdb::Snapshot* snap = nullptr) const;
    /// References of the elements alive after every change strictly before t.
    model::Result<std::vector<RevKey>> stateBefore(Time t) const;
    /// The newest timeline key (nullopt when the timeline is empty).
    model::Result<std::optional<TimelineKey>> lastTimelineKey() const;

private:
    using RefMap = std::unordered_map<std::string, RevKey>;
    model::Status replay(Time from, Time to, RefMap& refs, std::vector<RevKey>* archived) const;

    Rocks& rocks_;
};

}  // namespace skydive::store
