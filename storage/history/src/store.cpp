#include <limits>
#include <unordered_map>

#include "image_build.h"
#include "live_image_file.h"
#include "load_memory_hold.h"
#include "open_phases.h"
#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;
using model::Status;

namespace {

constexpr Time kMaxTime = std::numeric_limits<Time>::max();
constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kSeqKey = "seq";

std::shared_ptr<const graph::IndexConfig> indexConfig(const StoreOptions& o) {
    auto cfg = std::make_shared<graph::IndexConfig>();
    cfg->keys = o.live.indexed_keys;
    return cfg;
}

std::uint64_t readU64(std::string_view s) {
    std::uint64_t v = 0;
    for (char c : s) v = (v << 8) | static_cast<std::uint8_t>(c);
    return v;
}

// The key of the newest checkpoint. The `newest_checkpoint` key names it when present; without
// it, a seek to the last checkpoint, which reads that checkpoint's whole value (its data block:
// ~120 MB of references at 1M live nodes, ~0.85 s of a restart; ADR 014).
model::Result<std::optional<TimelineKey>> newestCheckpointKey(Rocks& rocks) {
    auto marker = rocks.get(Cf::Default, kNewestCheckpointKey);
    if (!marker) return marker.error();
    if (*marker) {
        auto key = decodeTimelineKey(**marker);
        if (!key) return makeError(ErrorCode::Corruption, "bad newest_checkpoint value");
        return std::optional<TimelineKey>(*key);
    }
    auto it = rocks.iterator(Cf::Checkpoint);
    it->SeekToLast();
    if (!it->Valid()) {
        if (!it->status().ok()) return fromRocks(it->status(), "checkpoint seek");
        return std::optional<TimelineKey>();
    }
    auto key = decodeTimelineKey(view(it->key()));
    if (!key) return makeError(ErrorCode::Corruption, "bad checkpoint key");
    return std::optional<TimelineKey>(*key);
}

}  // namespace

Store::Impl::Impl(const StoreOptions& o, const model::Clock& c, std::unique_ptr<Rocks> r)
    : opts(o),
      clock(c),
      rocks(std::move(r)),
      reader(*rocks),
      config(indexConfig(o)),
      live(c, o.live),
      shared(std::make_shared<WindowState>(config)),
      mu(shared->mu),
      latest(shared->latest),
      window(shared->window) {
    // Nothing reads the window's indexes while nobody asks about the past (ADR 015).
    window.setLazyIndexing(true);
}

Store::Impl::~Impl() {
    stopBackground();
    waitForCommitHelper();  // a checkpoint still being written may start an image writer
    joinImageWriter();
}

void Store::Impl::stopBackground() {
    {
        std::lock_guard l(sync_mu);
        stopping = true;
    }
    sync_cv.notify_all();
    if (sync_thread.joinable()) sync_thread.join();
    if (rocks) (void)rocks->syncWal();
}

// Background duties: the periodic WAL fsync (SyncPolicy::Periodic) and retention.
void Store::Impl::syncLoop(Store* store) {
    constexpr auto kRetentionEvery = std::chrono::seconds(60);
    auto next_retention = std::chrono::steady_clock::now() + kRetentionEvery;
    bool retention = opts.retention_age_ms > 0 || opts.retention_bytes > 0;
    std::unique_lock l(sync_mu);
    while (!stopping) {
        sync_cv.wait_for(l, std::chrono::milliseconds(std::max<Time>(1, opts.sync_interval_ms)));
        if (stopping) break;
        l.unlock();
        if (opts.sync == SyncPolicy::Periodic)
            (void)rocks->syncWal();  // a failure surfaces at the next write
        if (retention && std::chrono::steady_clock::now() >= next_retention) {
            (void)store->enforceRetention();
            next_retention = std::chrono::steady_clock::now() + kRetentionEvery;
        }
        l.lock();
    }
}

// Checks the format, restores the sequence counter and rebuilds the live graph from the newest
// checkpoint plus the timeline after it.
Status Store::Impl::load() {
    const LoadMemoryHold hold;  // freed pages reused, fresh ones in huge pages
    // Timed into a list of its own: stats() reads open_phases under `mu` while a reload runs
    // (an import), so it is replaced under `mu` at the end.
    PhaseClock::Phases phases;
    PhaseClock phase(&phases);
    auto fmt = rocks->get(Cf::Default, kFormatKey);
    if (!fmt) return fmt.error();
    // Format 3 changed the `rev` key layout (time-ordered) and the references to it, format 4
    // the timeline's keys and values (one key per commit and time): an older store is
    // refused, with its version named, and left untouched (FORMAT.md). Format 5 added the late
    // marker index, which a format 4 store gets here from one scan of `rev`. Format 6 writes
    // node records 0x04 and reads the 0x02 ones of formats 4 and 5, format 7 node records 0x05
    // (shaped) and reads the others: upgrading them is writing the version, so that an older
    // binary refuses the records it cannot read.
    bool index_markers = false;
    bool upgrade = false;
    if (*fmt && (*fmt)->size() != 4)
        return makeError(ErrorCode::Corruption, "store format key is not 4 bytes");
    if (*fmt) {
        std::uint64_t found = readU64(**fmt);
        index_markers = found == 4;
        upgrade = found >= 4 && found < kFormatVersion;
        if (found != kFormatVersion && !upgrade)
            return makeError(
                ErrorCode::Unsupported,
                "data directory has store format " + std::to_string(found) +
                    ", this binary reads formats 4 to " + std::to_string(kFormatVersion) +
                    (found < 4 ? " only (format 4 lists a commit's changes under one timeline "
                                 "key; start from an empty data directory)"
                               : ""));
    }
    if (auto st = rocks->loadLateMarkers(index_markers); !st) return st;
    if (auto st = rocks->loadShapes(); !st) return st;
    if (!*fmt || upgrade) {
        std::string v;
        putU32(v, kFormatVersion);
        rocksdb::WriteBatch b;
        b.Put(rocks->cf(Cf::Default), toSlice(kFormatKey), toSlice(v));
        if (auto st = rocks->write(b, true); !st) return st;
    }
    auto seq = rocks->get(Cf::Default, kSeqKey);
    if (!seq) return seq.error();
    std::uint64_t seq_now = *seq ? readU64(**seq) : 0;
    auto last = reader.lastTimelineKey();
    if (!last) return last.error();
    auto cp = newestCheckpointKey(*rocks);
    if (!cp) return cp.error();
    phase.lap("meta");
    if (auto st = markLinks(!*last && !*cp); !st) return st;
    phase.lap("mark_links");
    // A live.image written at the last commit is the live graph; a stale or unreadable one is
    // ignored (it is a cache: checkpoint + tail give the same image).
    // live.image is the live graph when written at the last commit (clean shutdown), or the
    // image of a checkpoint that still exists, brought up to date with the timeline after it
    // (crash). A stale or unreadable one is ignored: checkpoint + tail give the same image.
    std::optional<LiveImage> cached;
    if (opts.live_image) {
        auto li = readLiveImage(
            opts.data_dir,
            [&](std::uint64_t s, const std::optional<TimelineKey>& base) {
                return s == seq_now || (base && checkpointExists(*base));
            },
            config, opts.load_threads, &phase);
        if (li && *li) {
            cached = std::move(*li);
            if (cached->seq != seq_now) {
                if (!applyTail(cached->image, *cached->base)) cached.reset();
                phase.lap("image_tail");
            }
        }
    }
    bool from_image = cached.has_value();
    auto img = cached ? model::Result<graph::GraphImage>(std::move(cached->image))
                      : store::imageFromDisk(reader, config, kMaxTime, &phase);
    if (!img) return img.error();
    // Lock order: the live graph's writer lock, then `mu` (a failed group write takes `mu`
    // under it), so reset() runs before `mu` is taken, never under it.
    live.reset(*img);
    phase.lap("live_reset");
    {
        std::lock_guard cl(checkpoint_mu);
        newest_checkpoint_key = *cp;
    }
    std::lock_guard l(mu);
    next_seq = seq_now + 1;
    last_key = *last ? **last : TimelineKey{};
    newest_checkpoint = *cp ? std::optional<Time>((*cp)->time) : std::nullopt;
    loaded_from_image = from_image;
    setLatest(std::move(*img));
    window.clear(*last ? (*last)->time : std::numeric_limits<Time>::min());
    phase.lap("window");
    open_phases = std::move(phases);
    last_checkpoint_at = clock.now();
    staged_seq = next_seq;
    staged_key = last_key;
    return {};
}

Status Store::Impl::writeCheckpoint(const graph::GraphImage& image, TimelineKey key,
                                    std::uint64_t seq, bool wait) {
    std::vector<RevKey> refs;
    refs.reserve(image.nodeCount() + image.edgeCount());
    image.forEachNodeBatch([&](std::span<const model::NodeRef> batch) {
        for (model::NodeRef n : batch)
            refs.push_back({model::ElementKind::Node, std::string(n.id()), n.createdAt(),
                            n.updatedAt(), n.revision()});
        return true;
    });
    image.forEachEdge([&](const model::Edge& e) {
        refs.push_back(
            {model::ElementKind::Edge, e.id.str(), e.created_at, e.updated_at, e.revision});
        return true;
    });
    rocksdb::WriteBatch batch;
    batch.Put(rocks->cf(Cf::Checkpoint), toSlice(encodeTimelineKey(key)),
              toSlice(encodeCheckpointValue(refs)));
    {
        // The newest checkpoint written so far, this one or a later one written first by a
        // concurrent call: never an older one (late data is detected against it). Held only
        // around the write (lock order: never with `mu`).
        std::lock_guard cl(checkpoint_mu);
        if (!newest_checkpoint_key || *newest_checkpoint_key < key) newest_checkpoint_key = key;
        batch.Put(rocks->cf(Cf::Default), toSlice(kNewestCheckpointKey),
                  toSlice(encodeTimelineKey(*newest_checkpoint_key)));
        if (auto st = rocks->write(batch, opts.sync == SyncPolicy::Always); !st) return st;
    }
    {
        std::lock_guard l(mu);
        newest_checkpoint = std::max(newest_checkpoint.value_or(key.time), key.time);
        ++checkpoints;
        changes_since_checkpoint = 0;
        last_checkpoint_at = clock.now();
    }
    // The image file of this checkpoint, off the commit path: a crash restart then reads it
    // and the timeline after the checkpoint (ADR 014). Skipped while the previous one runs.
    if (wait) joinImageWriter();  // an explicit checkpoint writes its own image
    if (opts.live_image && !image_busy.exchange(true)) {
        std::lock_guard l(image_mu);
        if (image_thread.joinable()) image_thread.join();
        image_thread = std::thread([this, copy = image, seq, key] {
            (void)writeLiveImage(opts.data_dir, copy, seq, key);
            image_busy = false;
        });
    }
    if (wait) joinImageWriter();
    return {};
}

void Store::Impl::joinImageWriter() {
    std::lock_guard l(image_mu);
    if (image_thread.joinable()) image_thread.join();
}

model::Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options,
                                                  const model::Clock& clock) {
    auto start = std::chrono::steady_clock::now();
    double cpu0 = processCpuMs();
    auto rocks = Rocks::open(options.data_dir, options.block_cache_bytes);
    if (!rocks) return rocks.error();
    double rocks_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    auto impl = std::make_unique<Impl>(options, clock, std::move(*rocks));
    if (auto st = impl->load(); !st) return st.error();
    impl->open_phases.insert(impl->open_phases.begin(), {"rocksdb_open", rocks_ms});
    impl->open_wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    impl->open_cpu_ms = processCpuMs() - cpu0;
    Impl* raw = impl.get();
    impl->log = impl->makeLog();
    impl->live.setCommitLog(impl->log.get());
    auto store = std::unique_ptr<Store>(new Store(std::move(impl)));
    if (options.sync == SyncPolicy::Periodic || options.retention_age_ms > 0 ||
        options.retention_bytes > 0) {
        Store* sp = store.get();
        raw->sync_thread = std::thread([raw, sp] { raw->syncLoop(sp); });
    }
    return store;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() {
    impl_->stopBackground();
    impl_->joinImageWriter();
    if (impl_->opts.live_image) {
        auto l = impl_->lockFresh();
        // A failure only costs the next open its shortcut.
        (void)writeLiveImage(impl_->opts.data_dir, impl_->latest, impl_->next_seq - 1);
    }
}

Status Store::addNode(model::Node n) {
    return impl_->live.addNode(std::move(n));
}
Status Store::addEdge(model::Edge e) {
    return impl_->live.addEdge(std::move(e));
}
Status Store::replaceNode(model::Node n) {
    return impl_->live.replaceNode(std::move(n));
}
Status Store::replaceEdge(model::Edge e) {
    return impl_->live.replaceEdge(std::move(e));
}
Status Store::setNodeMetadata(std::string_view id, std::string_view key, model::Value value) {
    return impl_->live.setNodeMetadata(id, key, std::move(value));
}
Status Store::deleteNodeMetadata(std::string_view id, std::string_view key) {
    return impl_->live.deleteNodeMetadata(id, key);
}
Status Store::setEdgeMetadata(std::string_view id, std::string_view key, model::Value value) {
    return impl_->live.setEdgeMetadata(id, key, std::move(value));
}
Status Store::deleteEdgeMetadata(std::string_view id, std::string_view key) {
    return impl_->live.deleteEdgeMetadata(id, key);
}
Status Store::deleteNode(std::string_view id, Time at) {
    return impl_->live.deleteNode(id, at);
}
Status Store::deleteEdge(std::string_view id, Time at) {
    return impl_->live.deleteEdge(id, at);
}
Status Store::apply(const model::GraphDelta& delta) {
    return impl_->live.apply(delta);
}

graph::LiveGraph& Store::liveGraph() {
    return impl_->live;
}
graph::GraphViewPtr Store::live() const {
    return impl_->live.snapshot();
}

Status Store::checkpoint() {
    graph::GraphImage img(impl_->config);
    TimelineKey key;
    std::uint64_t seq;
    {
        auto l = impl_->lockFresh();
        img = impl_->latest;
        key = impl_->last_key;
        seq = impl_->next_seq - 1;
    }
    return impl_->writeCheckpoint(img, key, seq, true);
}

Status Store::sync() {
    return impl_->rocks->syncWal();
}

Store::Stats Store::stats() const {
    std::lock_guard l(impl_->mu);
    Stats s;
    s.recent_entries = impl_->window.size();
    s.recent_bytes = impl_->window.bytes();
    s.recent_from = impl_->window.from();
    s.checkpoints = impl_->checkpoints;
    s.revisions_written = impl_->revisions_written;
    s.mutations_committed = impl_->mutations_committed;
    s.commit_groups = impl_->commit_groups;
    s.loaded_from_live_image = impl_->loaded_from_image;
    s.open_phases_ms = impl_->open_phases;
    s.open_wall_ms = impl_->open_wall_ms;
    s.open_cpu_ms = impl_->open_cpu_ms;
    s.read_errors = impl_->rocks->readErrors();
    return s;
}

}  // namespace skydive::store
