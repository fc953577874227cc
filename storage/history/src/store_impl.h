#pragma once

#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

#include <skydive/store/store.h>

#include "history.h"
#include "open_phases.h"
#include "recent_window.h"
#include "rocks.h"
#include "view_cache.h"
#include "window_state.h"

namespace skydive::store {

/// `default` key: the key of the newest checkpoint (`checkpoint` key layout), written with each
/// checkpoint and deleted whenever checkpoints are deleted (late data, retention, import).
/// Absent: unknown, found by a seek (which reads the newest checkpoint's whole value; FORMAT.md).
inline constexpr std::string_view kNewestCheckpointKey = "newest_checkpoint";

/// Deletes the checkpoints with keys in [from, to) and, in the same batch, the
/// `newest_checkpoint` record that may name one of them: every checkpoint deletion goes here.
inline void deleteCheckpoints(Rocks& rocks, rocksdb::WriteBatch& batch, std::string_view from,
                              std::string_view to) {
    batch.DeleteRange(rocks.cf(Cf::Checkpoint), toSlice(from), toSlice(to));
    batch.Delete(rocks.cf(Cf::Default), toSlice(kNewestCheckpointKey));
}

struct Store::Impl {
    StoreOptions opts;
    const model::Clock& clock;
    std::shared_ptr<Rocks> rocks;  // shared with the lazy views (ADR 017)
    HistoryReader reader;
    std::shared_ptr<const graph::IndexConfig> config;
    graph::LiveGraph live;

    // `mu` guards everything below. Taken by the commit hook (under the live graph's writer
    // lock) and by readers for O(1) copies; never held across a RocksDB read. The mutex, the
    // latest image and the window live in a block that lazy point views share (ADR 017).
    std::shared_ptr<WindowState> shared;
    GateMutex& mu;
    graph::GraphImage& latest;  // the image matching `window` (may lead live() by a commit)...
    bool latest_stale = false;  // ...unless commits published none since (ADR 046)
    std::size_t latest_elements = 0;  // nodes and edges of the last published image
    RecentWindow& window;
    // `latest` as lazy point views share it: made on the first view after a commit (one copy
    // per commit at most, none when nobody reads the past), dropped when `latest` changes.
    mutable std::shared_ptr<const graph::GraphImage> published;
    std::uint64_t next_seq = 1;
    TimelineKey last_key{};
    bool links_complete = false;  // every edge has its link keys (ADR 017)
    std::optional<Time> newest_checkpoint;
    std::size_t checkpoints = 0;
    std::size_t changes_since_checkpoint = 0;
    Time last_checkpoint_at = 0;
    std::uint64_t revisions_written = 0;
    std::uint64_t mutations_committed = 0;
    std::uint64_t commit_groups = 0;
    bool loaded_from_image = false;  // the last load() used live.image
    PhaseClock::Phases open_phases;  // wall ms of each phase of the last open()/load()
    double open_wall_ms = 0, open_cpu_ms = 0;
    // Staging state (ADR 013), under the live graph's writer lock: the next sequence number
    // and newest timeline key including staged, not yet durable mutations.
    std::uint64_t staged_seq = 1;
    TimelineKey staged_key{};
    class Log;
    std::unique_ptr<graph::CommitLog> log;  // registered with `live`

    using CachedView = store::CachedView;
    mutable ViewCache cache;

    std::mutex retention_mu;   // one retention pass at a time
    std::mutex checkpoint_mu;  // guards newest_checkpoint_key; never held with `mu`
    /// The key the `newest_checkpoint` record names (the newest checkpoint written since open).
    std::optional<TimelineKey> newest_checkpoint_key;
    std::mutex sync_mu;
    std::condition_variable sync_cv;
    bool stopping = false;
    std::thread sync_thread;
    std::mutex image_mu;  // guards image_thread; one live.image write at a time
    std::thread image_thread;
    std::atomic<bool> image_busy{false};

    Impl(const StoreOptions& o, const model::Clock& c, std::unique_ptr<Rocks> r);
    ~Impl();

    model::Status load();
    std::unique_ptr<graph::CommitLog> makeLog();
    /// Waits for the job a large group left on the commit helper (its window append,
    /// publication, and the checkpoint it may write): the store's own background work.
    void waitForCommitHelper();
    /// Sets links_complete: the store has written link keys since it was created (links.cpp).
    model::Status markLinks(bool fresh);
    /// Writes the checkpoint's references and, on a background thread (one at a time),
    /// live.image with the checkpoint as its base (image_tail.cpp); `wait`: join that write.
    /// `seq`: the commit sequence number the image reflects.
    model::Status writeCheckpoint(const graph::GraphImage& image, TimelineKey key,
                                  std::uint64_t seq, bool wait = false);
    bool checkpointExists(const TimelineKey& key) const;
    /// Brings a checkpoint image up to date with the timeline after `base` (crash restart).
    model::Status applyTail(graph::GraphImage& img, const TimelineKey& base) const;
    void joinImageWriter();
    /// `latest` becomes `image`, the image of the newest commit. REQUIRES: `mu` held.
    void setLatest(graph::GraphImage image);
    /// Takes `mu` with `latest` up to date: after commits that published no image (nobody
    /// read lately, ADR 046), the live graph publishes it first.
    std::unique_lock<GateMutex> lockFresh() const;
    /// `published`, made from `latest` if a commit dropped it. REQUIRES: `mu` held.
    const std::shared_ptr<const graph::GraphImage>& publishedLatest() const;
    graph::GraphViewPtr cached(graph::ViewKind kind, Time from, Time to) const;
    /// Caches `view`; the views it evicts go to `evicted`, to be dropped after `mu` (ViewCache).
    void remember(graph::ViewKind kind, Time from, Time to, graph::GraphViewPtr view,
                  std::vector<graph::GraphViewPtr>& evicted) const;
    void syncLoop(Store* store);
    void stopBackground();
};

}  // namespace skydive::store
