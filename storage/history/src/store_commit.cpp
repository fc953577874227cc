// The store's half of a LiveGraph mutation (ADR 013): staging encodes the revisions into a
// WriteBatch under the writer lock; the group leader writes the batches of every mutation
// staged meanwhile as one WriteBatch (one WAL write, one fsync under SyncPolicy::Always); only
// then do the mutations become visible and get acknowledged.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>

#include <skydive/graph/job_thread.h>

#include "batch_rep.h"
#include "lazy_point_view.h"
#include "links.h"
#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;
using model::Status;

namespace {

constexpr std::string_view kSeqKey = "seq";

// A batch whose buffer goes back to `buffers` once the batch is dropped (written or not).
struct PooledBatch {
    explicit PooledBatch(std::shared_ptr<BatchBuffers> b) : buffers(std::move(b)) {}
    ~PooledBatch() {
        if (batch) buffers->give(std::move(*batch).takeBuffer());
    }
    PooledBatch(const PooledBatch&) = delete;
    PooledBatch& operator=(const PooledBatch&) = delete;

    /// The batch of `rep`, taking its buffer.
    BatchRep::Batch& emplace(BatchRep&& rep) { return batch.emplace(std::move(rep).batch()); }
    /// REQUIRES: emplaced.
    BatchRep::Batch& operator*() { return *batch; }
    BatchRep::Batch* operator->() { return &*batch; }

    std::shared_ptr<BatchBuffers> buffers;
    // Emplaced, never assigned: RocksDB's move assignment rebuilds a plain WriteBatch in place.
    std::optional<BatchRep::Batch> batch;
};

struct Staged final : graph::StagedCommit {
    explicit Staged(std::shared_ptr<BatchBuffers> b) : batch(std::move(b)) {}

    PooledBatch batch;
    std::vector<LogEntry> entries;
    std::uint64_t last_seq = 0;
    TimelineKey newest;
    Time oldest_time = std::numeric_limits<Time>::max();
    Time stale_from = std::numeric_limits<Time>::max();  // cached views from here on change
    std::size_t changes = 0;
    std::vector<std::uint32_t> defined_shapes;  // shapes the batch defines (FORMAT.md, format 7)
};

// Room for the records write() appends to a staged batch (the `seq` key, a checkpoint range
// deletion): a buffer sized exactly would be copied whole into a new allocation by the first.
constexpr std::size_t kBatchTail = 128;

// Groups of at least this many changes get their window append on the helper thread; smaller
// ones append on the leader (a thread hand-off costs more than their append).
constexpr std::size_t kOverlapChanges = 256;

// A read of the window this recent keeps its indexes built as groups come (RecentWindow::
// indexIfRead); after a longer quiet spell the next read indexes what came meanwhile.
constexpr std::chrono::seconds kWindowReadRecently{5};

}  // namespace

class Store::Impl::Log final : public graph::CommitLog {
public:
    explicit Log(Impl& im) : im_(im) {}
    ~Log() override {
        settle();
        checkpointer_.wait();
    }

    // Under the live graph's writer lock, in commit order. A large mutation's prefix was
    // prepared (and partly encoded on `stage_helper_`) while the rest was applied.
    model::Result<std::unique_ptr<graph::StagedCommit>> stage(
        const std::vector<model::ChangeKind>& kinds,
        const std::vector<graph::ChangeVersions>& versions) override {
        if (versions.size() != kinds.size()) {
            unprepare();
            return makeError(ErrorCode::Internal, "commit log: versions do not match changes");
        }
        if (!prep_) startEntries(kinds.size());
        std::unique_ptr<Staged> s = std::move(prep_);
        std::optional<model::Error> err = std::exchange(prep_error_, std::nullopt);
        if (!err)
            if (auto st = appendEntries(*s, kinds, versions); !st) err = st.error();
        if (!err)
            if (auto st = encodeEntries(*s); !st) err = st.error();
        if (err) {
            discard(*s);
            return *err;
        }
        s->last_seq = prep_seq_ - 1;
        im_.staged_seq = prep_seq_;
        im_.staged_key = s->newest;
        return std::unique_ptr<graph::StagedCommit>(std::move(s));
    }

    // Under the writer lock: the changes applied so far get their log entries, and the helper
    // encodes their complete chunks while the caller applies the rest (ADR 015, twentieth
    // round).
    void prepare(const std::vector<model::ChangeKind>& kinds,
                 const std::vector<graph::ChangeVersions>& versions) override {
        if (versions.size() != kinds.size()) return;  // stage() reports it
        if (!prep_) startEntries(versions.capacity());
        if (prep_error_) return;
        if (auto st = appendEntries(*prep_, kinds, versions); !st) {
            prep_error_ = st.error();
            return;
        }
        const std::size_t claimable = prep_->entries.size() / kChunk;
        entries_ready_.store(prep_->entries.size(), std::memory_order_relaxed);
        claimable_.store(claimable, std::memory_order_release);
        if (claimable > next_chunk_.load())
            (void)stage_helper_.tryStart([this, s = prep_.get()] { encodeChunks(*s); });
    }

    void unprepare() override {
        if (!prep_) return;
        discard(*prep_);
        prep_.reset();
        prep_error_.reset();
    }

    // The group leader, one group at a time, after the previous group's committed().
    Status write(std::span<graph::StagedCommit* const> group) override {
        settle();  // the previous group's window append and publication
        Time oldest = std::numeric_limits<Time>::max();
        std::size_t changes = 0;
        for (auto* g : group) {
            oldest = std::min(oldest, static_cast<Staged*>(g)->oldest_time);
            changes += static_cast<Staged*>(g)->changes;
        }
        // Data late for the checkpoint being written deletes it: it must be written first.
        std::optional<Time> running;
        {
            std::lock_guard l(ckpt_mu_);
            running = ckpt_running_;
        }
        if (running && oldest <= *running) checkpointer_.wait();
        std::optional<Time> newest_checkpoint;
        {
            std::lock_guard l(im_.mu);
            newest_checkpoint = im_.newest_checkpoint;
        }
        // Several mutations: their records laid end to end under one header, one copy of the
        // bytes instead of decoding and re-putting every record (ADR 015, ninth round).
        PooledBatch merged(buffers_);
        rocksdb::WriteBatch* out = &*static_cast<Staged*>(group[0])->batch;
        if (group.size() > 1) {
            std::size_t bytes = BatchRep::kHeader + kBatchTail;
            for (auto* g : group)
                bytes += static_cast<Staged*>(g)->batch->GetDataSize() - BatchRep::kHeader;
            BatchRep joined(buffers_->take());
            joined.reserve(bytes);
            for (auto* g : group) joined.append(*static_cast<Staged*>(g)->batch);
            out = &merged.emplace(std::move(joined));
        }
        // Late data: checkpoints from that time on no longer describe the past.
        late_ = newest_checkpoint && oldest <= *newest_checkpoint;
        if (late_) {
            std::string to(17, '\xff');
            deleteCheckpoints(*im_.rocks, *out, encodeTimelineKey({oldest, 0}), to);
        }
        std::string seq_bytes;
        putU64(seq_bytes, static_cast<Staged*>(group.back())->last_seq);
        out->Put(im_.rocks->cf(Cf::Default), toSlice(kSeqKey), toSlice(seq_bytes));
        if (changes < kOverlapChanges)
            return im_.rocks->write(*out, im_.opts.sync == SyncPolicy::Always);
        // A large group: the helper takes `mu`, appends the group to the recent window while
        // this thread writes it, then waits for committed() to hand it the image to publish
        // (or for a failed write). The caller is acknowledged without waiting for the append:
        // `mu` is closed to every other thread from before the write until the helper has moved
        // the window and `latest` together (GateMutex), so no view sees the window ahead of the
        // durable state or misses an acknowledged revision. The group's entries move to the
        // job: the staged commits may be gone before it ends.
        std::vector<std::vector<LogEntry>> entries;
        entries.reserve(group.size());
        for (auto* g : group) entries.push_back(std::move(static_cast<Staged*>(g)->entries));
        handoff_ = Handoff{};
        helper_busy_ = true;
        helper_.start([this, entries = std::move(entries)]() mutable { publishJob(entries); });
        im_.mu.closeFor(helper_.id());
        Status st = im_.rocks->write(*out, im_.opts.sync == SyncPolicy::Always);
        if (!st) {
            hand(Handoff::Verdict::Failed, Published());
            settle();
        }
        return st;
    }

    void committed(std::span<graph::StagedCommit* const> group,
                   const graph::GraphImage* after) override {
        Published p;
        p.groups = group.size();
        p.late = late_;
        if (after) p.after = *after;
        for (auto* g : group) {
            auto* s = static_cast<Staged*>(g);
            // Written: later batches need not define these shapes again.
            im_.rocks->shapes().markDurable(s->defined_shapes);
            p.last_seq = s->last_seq;
            if (p.newest < s->newest) p.newest = s->newest;
            p.stale_from = std::min(p.stale_from, s->stale_from);
            p.changes += s->changes;
        }
        if (helper_busy_) {
            hand(Handoff::Verdict::Publish, std::move(p));  // the helper holds `mu`
            return;
        }
        std::vector<graph::GraphViewPtr> unpinned;  // dropped after `mu` is released
        std::unique_lock l(im_.mu);
        for (auto* g : group) {
            std::vector<LogEntry>& list = static_cast<Staged*>(g)->entries;
            for (LogEntry& e : list) im_.window.append(std::move(e), im_.config.get());
            entry_spares_.give(std::move(list));
        }
        trimWindow(unpinned);
        bool want_checkpoint = publish(p);
        l.unlock();
        if (want_checkpoint) checkpoint(*p.after);
    }

    // The helper drops the previous live image with the window versions it frees (at the end
    // of its current job or the next one), off the caller's path (ADR 015, tenth round).
    // Likewise a large group's change versions: the last references of the replaced element
    // versions, one cache-missing decrement each, 4% of the caller's samples (ADR 015).
    void retire(graph::GraphImage&& old) override { keepForHelper(retired_.images, old); }
    void retire(std::vector<graph::ChangeVersions>&& versions) override {
        keepForHelper(retired_.versions, versions);
    }

    // A checkpoint is due but the commits published no image: the next one publishes its own.
    bool wantsImage() override { return image_wanted_.load(std::memory_order_relaxed); }

    // Under the writer lock, nothing unwritten: a reader's demand after commits that published
    // no image. `mu` is closed until the last group's publication, so the window holds every
    // committed change when `latest` becomes this image.
    void republish(const graph::GraphImage& image) override {
        std::lock_guard l(im_.mu);
        im_.setLatest(image);
    }

    // Any thread: returns once the helpers have no job (a group's publication, a checkpoint).
    void waitIdle() {
        helper_.wait();
        checkpointer_.wait();
    }

    // Under the writer lock: staging restarts from the last durable sequence number.
    void aborted() override {
        settle();
        std::lock_guard l(im_.mu);
        im_.staged_seq = im_.next_seq;
        im_.staged_key = im_.last_key;
    }

private:
    // What committed() hands to the helper that holds `mu` for an overlapped group.
    struct Published {
        std::size_t groups = 0, changes = 0;
        std::uint64_t last_seq = 0;
        TimelineKey newest;
        Time stale_from = std::numeric_limits<Time>::max();
        bool late = false;
        std::optional<graph::GraphImage> after;  // set by committed()
    };
    struct Handoff {
        enum class Verdict { Pending, Publish, Failed };
        Verdict verdict = Verdict::Pending;
        Published published;
    };

    void hand(Handoff::Verdict v, Published p) {
        std::lock_guard hl(handoff_mu_);
        handoff_.verdict = v;
        handoff_.published = std::move(p);
        handoff_cv_.notify_all();
    }

    // Waits for the helper's job of the previous group (append, publication, checkpoint).
    void settle() {
        if (!helper_busy_) return;
        helper_.wait();
        helper_busy_ = false;
    }

    // On the helper: `mu` is closed to others from before the group's write; the helper holds
    // it from the append to the publication, then opens it.
    void publishJob(std::vector<std::vector<LogEntry>>& entries) {
        std::vector<graph::GraphViewPtr> unpinned;  // dropped after `mu` is released
        std::unique_lock l(im_.mu);
        for (auto& list : entries)
            for (LogEntry& e : list) im_.window.append(std::move(e), im_.config.get());
        trimWindow(unpinned);
        Published p;
        {
            std::unique_lock hl(handoff_mu_);
            handoff_cv_.wait(hl, [&] { return handoff_.verdict != Handoff::Verdict::Pending; });
            if (handoff_.verdict == Handoff::Verdict::Failed) {
                // Readers of the past go to disk instead of seeing the unwritten group.
                im_.window.clear(im_.last_key.time);
                l.unlock();
                im_.mu.open();
                return;
            }
            p = std::move(handoff_.published);
        }
        bool want_checkpoint = publish(p);
        l.unlock();
        im_.mu.open();
        for (auto& list : entries) entry_spares_.give(std::move(list));  // off the ack path
        {
            Retired gone;
            {
                std::lock_guard hl(handoff_mu_);
                std::swap(gone, retired_);
            }
        }  // released here
        if (want_checkpoint) checkpoint(*p.after);
    }

    // Under `mu`, the window holding the group: moves the durable state and `latest` on.
    // Returns whether a checkpoint is due.
    bool publish(const Published& p) {
        im_.next_seq = p.last_seq + 1;
        if (im_.last_key < p.newest) im_.last_key = p.newest;
        im_.revisions_written += p.changes;
        im_.changes_since_checkpoint += p.changes;
        im_.mutations_committed += p.groups;
        im_.commit_groups += 1;
        if (p.late) {
            auto cp = im_.reader.checkpointBefore(std::numeric_limits<Time>::max());
            im_.newest_checkpoint = cp && *cp ? std::optional<Time>((*cp)->key.time) : std::nullopt;
        }
        Time now = im_.clock.now();
        if (p.after) {
            im_.setLatest(*p.after);
        } else if (!im_.latest_stale) {
            // Dropped, not kept stale: it would make the writer copy on write again.
            im_.latest = graph::GraphImage(im_.config);
            im_.latest_stale = true;
        }
        im_.published.reset();  // views made before keep theirs
        im_.cache.remove_if([&](const CachedView& c) { return c.to >= p.stale_from; });
        // A checkpoint costs one reference per live element: it waits for at least as
        // many changes, so its cost per change stays O(1) whatever the graph's size (at
        // 3M live elements, one every 100k changes made history build 30x slower).
        std::size_t floor = im_.latest_elements;
        std::size_t due = std::max(im_.opts.checkpoint_every_changes, floor);
        bool by_time = im_.opts.checkpoint_every_ms > 0 &&
                       now - im_.last_checkpoint_at >= im_.opts.checkpoint_every_ms;
        ckpt_key_ = im_.last_key;
        ckpt_seq_ = im_.next_seq - 1;
        const bool due_now = im_.changes_since_checkpoint >= due ||
                             (by_time && im_.changes_since_checkpoint >= floor);
        // Without the image, the next commit is asked to publish its own (wantsImage()).
        image_wanted_.store(due_now && !p.after, std::memory_order_relaxed);
        return due_now && p.after;
    }

    // Writes the checkpoint due after publish() on `checkpointer_`, off the commit path: the
    // next group's write waited for it (4-6 ms at 10k live elements, a checkpoint every 100
    // groups of the ingest benchmark; it grows with the graph; ADR 015, sixteenth round).
    // Skipped while one is written: the next group asks again. A failed checkpoint is not a
    // failed mutation: the revisions are durable, and the next one is tried later.
    void checkpoint(const graph::GraphImage& after) {
        {
            std::lock_guard l(ckpt_mu_);
            if (ckpt_running_) return;
            ckpt_running_ = ckpt_key_.time;
        }
        const bool started =
            checkpointer_.tryStart([this, after, key = ckpt_key_, seq = ckpt_seq_] {
                (void)im_.writeCheckpoint(after, key, seq);
                std::lock_guard l(ckpt_mu_);
                ckpt_running_.reset();
            });
        if (!started) {  // the last one's job is ending
            std::lock_guard l(ckpt_mu_);
            ckpt_running_.reset();
        }
    }

    // A mutation's staging state: its entries, from the sequence number staging is at.
    void startEntries(std::size_t expected) {
        prep_ = std::make_unique<Staged>(buffers_);
        prep_->entries = entry_spares_.take();
        prep_->entries.reserve(expected);
        prep_->newest = im_.staged_key;
        prep_seq_ = im_.staged_seq;
        next_chunk_.store(0);
        claimable_.store(0);
        entries_ready_.store(0);
    }

    // Drops a mutation that will not be written, once the helper no longer reads its entries.
    void discard(Staged& s) {
        stage_helper_.wait();
        entry_spares_.give(std::move(s.entries));
    }

    // The log entries of changes [s.entries.size(), kinds.size()). The helper may be encoding
    // complete chunks of the entries before: the vector and the chunk buffers grow only once it
    // is done.
    Status appendEntries(Staged& s, const std::vector<model::ChangeKind>& kinds,
                         const std::vector<graph::ChangeVersions>& versions) {
        const std::size_t n = kinds.size();
        const std::size_t chunks = (n + kChunk - 1) / kChunk;
        if (s.entries.capacity() < n || chunk_reps_.size() < chunks) {
            stage_helper_.wait();
            if (s.entries.capacity() < n) s.entries.reserve(std::max(n, 2 * s.entries.capacity()));
            const std::size_t room = std::max(chunks, (s.entries.capacity() + kChunk - 1) / kChunk);
            if (chunk_reps_.size() < room) chunk_reps_.resize(room);
            if (chunk_shapes_.size() < room) chunk_shapes_.resize(room);
        }
        for (std::size_t i = s.entries.size(); i < n; ++i) {
            const graph::ChangeVersions& cv = versions[i];
            LogEntry e;
            e.after = Version{cv.node_after, cv.edge_after};
            e.before = Version{cv.node_before, cv.edge_before};
            // The window's config is the live graph's; all bits: not known (or all changed).
            e.keys_changed = cv.keys_changed;
            e.keys_known = cv.keys_changed != ~std::uint64_t{0};
            const Version& b = e.after;
            if (b.id().size() > kMaxKeyString)
                return makeError(ErrorCode::InvalidArgument, "element ID longer than 65535 bytes");
            bool del = kinds[i] == model::ChangeKind::NodeDeleted ||
                       kinds[i] == model::ChangeKind::EdgeDeleted;
            e.op = del ? TimelineOp::Delete : TimelineOp::Put;
            e.key = TimelineKey{del ? b.deletedAt() : b.updatedAt(), prep_seq_++};
            s.oldest_time = std::min(s.oldest_time, e.key.time);
            // A deletion rewrites its revision's record: views since that revision change too.
            s.stale_from = std::min(s.stale_from, del ? b.updatedAt() : e.key.time);
            if (s.newest < e.key) s.newest = e.key;
            s.entries.push_back(std::move(e));
        }
        s.changes = s.entries.size();
        return {};
    }

    // Encodes the chunks of `s` not taken yet, up to `claimable_`, each into its own buffer
    // (any thread; each chunk is taken once). The caller may be appending entries meanwhile:
    // their number is read from `entries_ready_`, published with `claimable_`.
    void encodeChunks(const Staged& s) {
        for (;;) {
            std::size_t c = next_chunk_.load();
            do {
                if (c >= claimable_.load(std::memory_order_acquire)) return;
            } while (!next_chunk_.compare_exchange_weak(c, c + 1));
            const std::size_t ready = entries_ready_.load(std::memory_order_relaxed);
            chunk_reps_[c].clear();
            chunk_shapes_[c].clear();
            encodeRange(chunk_reps_[c], chunk_shapes_[c], s.entries, c * kChunk,
                        std::min(ready, (c + 1) * kChunk));
        }
    }

    // Encodes the rev record, rev key, timeline key and value (and link keys) of every entry
    // into the staged batch. A large mutation is encoded in chunks that this thread and
    // `stage_helper_` take in turn, each into a buffer of its own, joined in order (same bytes
    // as one pass, except that each chunk starts its own timeline key): the second core is
    // idle while a single writer stages (ADR 015). Chunks rather than halves: a helper that
    // wakes late or shares its core with a flush takes fewer of them instead of making this
    // thread wait for its half (~0.2 ms per 1000 changes measured; ADR 015, tenth round). The
    // chunks' buffers and the batch's are reused from group to group (sixteenth round). The
    // chunks of a prepared prefix may be encoded already, or be in progress on the helper.
    Status encodeEntries(Staged& s) {
        const std::size_t n = s.entries.size();
        BatchRep out(buffers_->take());
        if (n < kOverlapChanges && next_chunk_.load() == 0) {
            encodeRange(out, s.defined_shapes, s.entries, 0, n);
            s.batch.emplace(std::move(out));
            return {};
        }
        const std::size_t chunks = (n + kChunk - 1) / kChunk;
        entries_ready_.store(n, std::memory_order_relaxed);
        claimable_.store(chunks, std::memory_order_release);
        // When a prepare() job still runs, it goes on taking chunks up to the new limit.
        const bool started = stage_helper_.tryStart([this, &s] { encodeChunks(s); });
        encodeChunks(s);
        if (!started || !stage_helper_.cancelIfNotStarted()) stage_helper_.wait();
        std::size_t bytes = BatchRep::kHeader + kBatchTail;
        for (std::size_t c = 0; c < chunks; ++c) bytes += chunk_reps_[c].size() - BatchRep::kHeader;
        out.reserve(bytes);
        for (std::size_t c = 0; c < chunks; ++c) {
            out.append(chunk_reps_[c]);
            s.defined_shapes.insert(s.defined_shapes.end(), chunk_shapes_[c].begin(),
                                    chunk_shapes_[c].end());
            // One huge delta must not pin its chunks' memory for good.
            if (chunk_reps_[c].capacity() > (4u << 20)) chunk_reps_[c] = BatchRep();
        }
        s.batch.emplace(std::move(out));
        return {};
    }

    // A run of entries with the same time (consecutive seqs) gets one timeline key, the first
    // entry's, listing them all (format 4): one memtable insert per run instead of one per
    // revision (ADR 015, eighth round). Records go straight into `out`; the rare link keys, late
    // markers and shape definitions (their numbers added to `defined`) through a batch of their
    // own, appended at the end (distinct keys: their order in the batch does not matter).
    void encodeRange(BatchRep& out, std::vector<std::uint32_t>& defined,
                     const std::vector<LogEntry>& entries, std::size_t from, std::size_t to) const {
        const std::uint32_t rev_cf = im_.rocks->cf(Cf::Rev)->GetID();
        const std::uint32_t timeline_cf = im_.rocks->cf(Cf::Timeline)->GetID();
        rocksdb::WriteBatch side;
        std::string key, timeline;  // reused encode buffers
        ShapedEncoder shaped(im_.rocks->shapes());
        const auto define = [&](const std::string& k, std::string_view def) {
            side.Put(im_.rocks->cf(Cf::Default), toSlice(k), toSlice(def));
        };
        for (std::size_t i = from; i < to; ++i) {
            const LogEntry& e = entries[i];
            // A node's head is walked once, for its key and its record.
            model::NodeRef::Head head;
            RevKeyView ref;
            if (e.after.node) {
                head = e.after.node.head();
                ref = Version::refOf(head);
            } else {
                ref = e.after.refView();
            }
            encodeRevKeyTo(key, ref);
            out.putEncoded(rev_cf, key, [&](std::string& o) {
                if (e.after.node)
                    shaped.encode(o, e.after.node, head, defined, define);
                else
                    encodeRecordTo(o, e.after);
            });
            if (i == from || e.key.time != entries[i - 1].key.time) startTimelineValue(timeline);
            appendTimelineEntry(timeline, e.op, ref);
            if (e.op == TimelineOp::Put) {
                putLinks(side, *im_.rocks, e.before, e.after, e.key.time);
                putLateMarker(side, *im_.rocks, e.before, e.after, ref);
            }
            if (i + 1 == to || entries[i + 1].key.time != e.key.time) {
                const std::size_t n = timelineValueCount(timeline);
                encodeTimelineKeyTo(key, {e.key.time, e.key.seq + 1 - n});
                out.put(timeline_cf, key, timeline);
            }
        }
        out.append(side);
    }

    // Under `mu` (or on the helper, while the leader holds it). A scan's overlay pins the
    // window's changes since its moment (RecentWindow::pin): the cached views with such an
    // overlay whose moment this trim passes leave the cache (to `unpinned`), and so does the
    // window's last overlay; a view a query still holds keeps the trim back until it ends.
    void trimWindow(std::vector<graph::GraphViewPtr>& unpinned) {
        const Time now = im_.clock.now();
        const Time min_time = im_.opts.recent_window_ms > 0 ? now - im_.opts.recent_window_ms
                                                            : std::numeric_limits<Time>::min();
        const std::size_t max_bytes = im_.opts.recent_window_bytes;
        // Without pins (no past scan alive) nothing holds the trim back: no walk ahead of it.
        const Time from = im_.window.from();
        const Time through = im_.window.pinned() ? im_.window.trimmedThrough(min_time, max_bytes)
                                                 : std::numeric_limits<Time>::min();
        if (through > from) {
            std::shared_ptr<const PointOverlay>& last = im_.shared->overlay;
            if (last && last->t <= through) last.reset();
            im_.cache.remove_if(
                [&](const CachedView& c) {
                    if (c.kind != graph::ViewKind::Point || c.from <= from || c.from > through)
                        return false;
                    const auto* lazy = dynamic_cast<const LazyPointView*>(c.view.get());
                    return lazy != nullptr && lazy->pinsWindow();
                },
                &unpinned);
        }
        im_.window.trim(min_time, max_bytes);
        // While the past is being read, the window indexes each group here rather than making
        // the next read index a backlog under `mu` (lazy indexing, ADR 015 eighteenth round).
        im_.window.indexIfRead(std::chrono::steady_clock::now(), kWindowReadRecently);
    }

    Impl& im_;
    std::atomic<bool> image_wanted_{false};  // a checkpoint waits for a published image
    bool late_ = false;     // set by write(), read by the committed() that follows it
    TimelineKey ckpt_key_;  // the checkpoint due after publish(): its key and sequence
    std::uint64_t ckpt_seq_ = 0;
    std::mutex handoff_mu_;  // the leader and the helper publishing a group
    std::condition_variable handoff_cv_;
    Handoff handoff_;
    // What retire() handed over, released by the helper after its current or next job.
    struct Retired {
        std::vector<graph::GraphImage> images;
        std::vector<std::vector<graph::ChangeVersions>> versions;
    };
    // Small groups (no helper job): released on the caller, where retire() leaves them.
    template <typename T>
    void keepForHelper(std::vector<T>& list, T& released) {
        if (!helper_busy_) return;
        std::lock_guard hl(handoff_mu_);
        list.push_back(std::move(released));
    }
    Retired retired_;
    bool helper_busy_ = false;  // the leader's: a group's job started and not yet settled
    // The leader's: window append and publication of large groups.
    graph::JobThread helper_;
    // The writer lock holder's: chunks of a large mutation's encoding, into `chunk_reps_`,
    // taken in order through `next_chunk_` up to `claimable_` (the complete ones so far).
    static constexpr std::size_t kChunk = 256;
    graph::JobThread stage_helper_;
    std::vector<BatchRep> chunk_reps_;
    std::vector<std::vector<std::uint32_t>> chunk_shapes_;  // the shapes each chunk defines
    std::atomic<std::size_t> next_chunk_{0}, claimable_{0}, entries_ready_{0};
    // The writer lock holder's: the mutation being staged (from its first prepare() to its
    // stage()), the sequence number of its next entry, and an error met while preparing it.
    std::unique_ptr<Staged> prep_;
    std::uint64_t prep_seq_ = 0;
    std::optional<model::Error> prep_error_;
    // Writes due checkpoints; `ckpt_running_` is the time of the one it writes.
    graph::JobThread checkpointer_;
    std::mutex ckpt_mu_;
    std::optional<Time> ckpt_running_;
    std::shared_ptr<BatchBuffers> buffers_ = std::make_shared<BatchBuffers>();
    // Any thread's: the entry lists of appended groups, for the next stage().
    Spares<std::vector<LogEntry>, (1u << 16)> entry_spares_;
};

std::unique_ptr<graph::CommitLog> Store::Impl::makeLog() {
    return std::make_unique<Log>(*this);
}

void Store::Impl::waitForCommitHelper() {
    if (log) static_cast<Log&>(*log).waitIdle();
}

}  // namespace skydive::store
