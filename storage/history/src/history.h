#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "record.h"
#include "ref_table.h"
#include "rocks.h"

namespace skydive::store {

/// Reads past states from RocksDB: checkpoint + timeline replay for whole-graph views, a seek
/// in `rev` for one element (FORMAT.md).
class HistoryReader {
public:
    /// With `snap`, every read sees that RocksDB snapshot (a lazy view's moment, ADR 017).
    explicit HistoryReader(Rocks& rocks, const rocksdb::Snapshot* snap = nullptr)
        : rocks_(rocks), snap_(snap) {}

    /// References of the revisions visible at t (point: the newest per element). A deletion at
    /// exactly t keeps the element (inclusive bounds).
    model::Result<std::vector<RevKey>> pointRefs(Time t) const;
    /// References of every revision visible at some moment of [from, to].
    model::Result<std::vector<RevKey>> sliceRefs(Time from, Time to) const;
    /// Reads the records of `refs` (one MultiGet).
    model::Result<std::vector<Version>> fetch(const std::vector<RevKey>& refs) const;
    /// The revision of one element visible at t. `created`: the CreatedAt of its newest
    /// incarnation when the caller knows it (the live graph), which saves a seek when <= t.
    model::Result<Version> elementAt(model::ElementKind kind, std::string_view id, Time t,
                                     std::optional<Time> created = std::nullopt) const;
    /// IDs of the edges that got `node_id` as an endpoint at or before t (link keys, possibly
    /// repeated; some may be gone at t). Complete only when Store::Impl::links_complete.
    model::Status linkedEdges(std::string_view node_id, Time t,
                              const std::function<void(std::string_view)>& fn) const;

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
    /// A revision found by highestUpTo: its key and record.
    struct Found {
        RevKey key;
        std::string record;
    };
    model::Result<std::optional<Found>> highestUpTo(rocksdb::Iterator& it,
                                                    const std::string& prefix, Time created,
                                                    Time t) const;
    model::Status replay(Time from, Time to, RefTable& refs, std::vector<RevKey>* archived) const;

    rocksdb::ReadOptions readOptions() const {
        rocksdb::ReadOptions ro;
        ro.snapshot = snap_;
        return ro;
    }

    Rocks& rocks_;
    const rocksdb::Snapshot* snap_;
};

}  // namespace skydive::store
