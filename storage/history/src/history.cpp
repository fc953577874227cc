#include "history.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

constexpr Time kMaxTime = std::numeric_limits<Time>::max();

model::Error corrupt(std::string what) {
    return makeError(ErrorCode::Corruption, std::move(what));
}

// The revision a point lookup at t returns, given its key and record.
model::Result<Version> visibleAt(const RevKeyView& key, std::string_view record, Time t,
                                 const RecordShapes& shapes) {
    auto v = decodeRevRecord(key, record, shapes);
    if (!v) return v.error();
    if (v->deletedAt() != 0 && v->deletedAt() < t) return Version{};
    return std::move(*v);
}

std::string revTarget(const std::string& prefix, Time created, Time updated, std::int64_t rev) {
    std::string out = prefix;
    putI64f(out, created);
    putI64f(out, updated);
    putI64f(out, rev);
    return out;
}

}  // namespace

model::Result<std::optional<HistoryReader::Checkpoint>> HistoryReader::checkpointBefore(
    Time t, const rocksdb::Snapshot* snap) const {
    using Out = std::optional<Checkpoint>;
    if (t == std::numeric_limits<Time>::min()) return Out();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    auto it = rocks_.iterator(Cf::Checkpoint, ro);
    it->SeekForPrev(toSlice(encodeTimelineKey({t - 1, std::numeric_limits<std::uint64_t>::max()})));
    if (!it->Valid()) {
        if (!it->status().ok()) return fromRocks(it->status(), "checkpoint seek");
        return Out();
    }
    auto key = decodeTimelineKey(view(it->key()));
    auto refs = decodeCheckpointValue(view(it->value()));
    if (!key || !refs) return corrupt("bad checkpoint record");
    return Out(Checkpoint{*key, std::move(*refs)});
}

model::Result<std::optional<TimelineKey>> HistoryReader::lastTimelineKey() const {
    auto it = rocks_.iterator(Cf::Timeline);
    it->SeekToLast();
    if (!it->Valid()) {
        if (!it->status().ok()) return fromRocks(it->status(), "timeline seek");
        return std::optional<TimelineKey>();
    }
    auto key = decodeTimelineKey(view(it->key()));
    std::size_t count = timelineValueCount(view(it->value()));
    if (!key || count == 0) return corrupt("bad timeline record");
    // The key names the first change it lists; the last one has the following seqs.
    return std::optional<TimelineKey>(TimelineKey{key->time, key->seq + count - 1});
}

namespace {

// One change of a replay at `time` (see replay below).
void replayEntry(Time time, Time from, TimelineEntry& entry, RefTable& refs,
                 std::vector<RevKey>* archived) {
    RefTable::Entry* old = refs.find(entry.ref);
    const bool present = old != nullptr && old->alive;
    // A revision dated before a higher one already replayed (skewed clock) was superseded
    // before it was written: the point view keeps the highest revision (spec §2.8).
    bool stale = entry.op == TimelineOp::Put && present && entry.ref < old->ref;
    auto put = [&] {
        if (old == nullptr) return refs.insert(std::move(entry.ref));
        old->ref = std::move(entry.ref);
        old->alive = true;
    };
    if (time < from) {
        if (entry.op == TimelineOp::Delete) {
            if (present) old->alive = false;
        } else if (!stale) {
            put();
        }
        return;
    }
    if (entry.op != TimelineOp::Put || stale) return;  // deleted in range: still visible
    if (present && archived && old->ref != entry.ref) archived->push_back(old->ref);
    put();
}

}  // namespace

// Replays the timeline over the newest checkpoint before `from`: entries before `from` build
// the state, entries in [from, to] add revisions (and, when `archived` is set, report the
// revisions they superseded, which are visible at `from` too).
model::Status HistoryReader::replay(Time from, Time to, RefTable& refs,
                                    std::vector<RevKey>* archived) const {
    // One snapshot for the checkpoint and the timeline: retention may rewrite both meanwhile.
    std::shared_ptr<const rocksdb::Snapshot> snap;
    if (snap_ != nullptr)
        snap = std::shared_ptr<const rocksdb::Snapshot>(snap_, [](const rocksdb::Snapshot*) {});
    else
        snap.reset(rocks_.db().GetSnapshot(),
                   [this](const rocksdb::Snapshot* s) { rocks_.db().ReleaseSnapshot(s); });
    auto cp = checkpointBefore(from, snap.get());
    if (!cp) return cp.error();
    std::string start;
    if (*cp) {
        refs.reserve((*cp)->refs.size() + (*cp)->refs.size() / 4);
        for (RevKey& k : (*cp)->refs) refs.insert(std::move(k));
        start = encodeTimelineKey((*cp)->key);
    }
    std::string upper;
    rocksdb::Slice upper_slice;
    rocksdb::ReadOptions ro;
    ro.snapshot = snap.get();
    if (to != kMaxTime) {
        upper = encodeTimelineKey({to + 1, 0});
        upper_slice = toSlice(upper);
        ro.iterate_upper_bound = &upper_slice;
    }
    auto it = rocks_.iterator(Cf::Timeline, ro);
    if (start.empty()) {
        it->SeekToFirst();
    } else {
        it->Seek(toSlice(start));
        if (it->Valid() && view(it->key()) == start) it->Next();
    }
    for (; it->Valid(); it->Next()) {
        auto key = decodeTimelineKey(view(it->key()));
        auto entries = decodeTimelineValue(view(it->value()));
        if (!key || !entries) return corrupt("bad timeline record");
        for (TimelineEntry& entry : *entries) replayEntry(key->time, from, entry, refs, archived);
    }
    if (!it->status().ok()) return fromRocks(it->status(), "timeline scan");
    return {};
}

model::Result<std::vector<RevKey>> HistoryReader::pointRefs(Time t) const {
    RefTable refs;
    if (auto st = replay(t, t, refs, nullptr); !st) return st.error();
    return std::move(refs).take();
}

model::Result<std::vector<RevKey>> HistoryReader::stateBefore(Time t) const {
    RefTable refs;
    if (t == std::numeric_limits<Time>::min()) return std::vector<RevKey>();
    if (auto st = replay(t, t - 1, refs, nullptr); !st) return st.error();
    return std::move(refs).take();
}

model::Result<std::vector<RevKey>> HistoryReader::sliceRefs(Time from, Time to) const {
    RefTable refs;
    std::vector<RevKey> out;
    if (auto st = replay(from, to, refs, &out); !st) return st.error();
    std::vector<RevKey> alive = std::move(refs).take();
    out.insert(out.end(), std::make_move_iterator(alive.begin()),
               std::make_move_iterator(alive.end()));
    return out;
}

model::Result<std::vector<Version>> HistoryReader::fetch(const std::vector<RevKey>& refs) const {
    // Keys in byte order, read with RocksDB's batched MultiGet (sorted input): it looks a run of
    // keys up file by file and block by block. The vector form of MultiGet is one Get per key,
    // each searching every level from the top: at 10M revisions that was 27% of a cold
    // whole-graph view (ADR 011). Runs of kRun keys, so that the blocks their values pin stay
    // few.
    constexpr std::size_t kRun = 1024;
    std::vector<std::pair<std::string, std::size_t>> sorted;
    sorted.reserve(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) sorted.emplace_back(encodeRevKey(refs[i]), i);
    std::sort(sorted.begin(), sorted.end());
    std::vector<rocksdb::Slice> slices;
    slices.reserve(sorted.size());
    for (const auto& [k, i] : sorted) slices.push_back(toSlice(k));
    std::vector<rocksdb::PinnableSlice> values(std::min(kRun, sorted.size()));
    std::vector<rocksdb::Status> sts(values.size());
    const rocksdb::ReadOptions ro = readOptions();
    std::vector<Version> out;
    out.reserve(refs.size());
    for (std::size_t from = 0; from < sorted.size(); from += kRun) {
        const std::size_t n = std::min(kRun, sorted.size() - from);
        rocks_.db().MultiGet(ro, rocks_.cf(Cf::Rev), n, slices.data() + from, values.data(),
                             sts.data(), /*sorted_input=*/true);
        for (std::size_t j = 0; j < n; ++j) {
            if (sts[j].IsNotFound()) continue;  // dropped by retention
            if (!sts[j].ok()) return fromRocks(sts[j], "rev read");
            auto v =
                decodeRevRecord(refs[sorted[from + j].second], view(values[j]), rocks_.shapes());
            if (!v) return v.error();
            out.push_back(std::move(*v));
            values[j].Reset();  // unpins its block
        }
    }
    return out;
}

// Keys order an incarnation's revisions by (UpdatedAt, Revision) (FORMAT.md, format 3). With
// `created` (the CreatedAt of the element's newest incarnation, at or before t) one seek
// inside that incarnation lands on its newest revision dated at or before t; otherwise the
// first seek lands on the last key of the newest incarnation created at or before t and, when
// that key is dated after t, a second seek inside the incarnation does. That revision is the
// highest one dated at or before t unless the incarnation has a late revision (listed in
// lateMarkers(), or marked by a key after all its revisions): then its keys are scanned. An
// incarnation with no revision dated at or before t hands over to the one before it. While
// every marker is listed in memory, SST files holding only keys dated after t are skipped.
model::Result<Version> HistoryReader::elementAt(model::ElementKind kind, std::string_view id,
                                                Time t, std::optional<Time> created) const {
    const std::string prefix = revPrefix(kind, id);
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const LateMarkers& markers = rocks_.lateMarkers();
    rocksdb::ReadOptions ro = readOptions();
    skipFilesAfter(ro, t);
    auto it = rocks_.iterator(Cf::Rev, ro);
    // Read after the iterator's implicit snapshot: a marker it sees was listed before, unless
    // the list overflowed; then markers are only found by seeking, in every file.
    const bool listed = markers.complete();
    if (!listed) it = rocks_.iterator(Cf::Rev, readOptions());
    auto late = [&](std::string_view key, const RevKey& k) {
        return isLateMarker(k) ||
               (listed && markers.mayBeLate(key.substr(0, prefix.size() + sizeof(Time))));
    };
    if (created && *created <= t)
        it->SeekForPrev(toSlice(revTarget(prefix, *created, t, kMax)));
    else
        it->SeekForPrev(toSlice(revTarget(prefix, t, kMax, kMax)));
    bool inside = false;  // `it` is on a key dated at or before t of the incarnation it names
    while (it->Valid()) {
        std::string_view key = view(it->key());
        if (!key.starts_with(prefix)) break;
        auto k = decodeRevKey(key);
        if (!k) return corrupt("bad rev key");
        if (late(key, *k)) {
            auto found = highestUpTo(*it, prefix, k->created_at, t);
            if (!found) return found.error();
            if (*found) return visibleAt((*found)->key, (*found)->record, t, rocks_.shapes());
            // Nothing of this incarnation at or before t: `it` is before its first key.
            inside = false;
            continue;
        }
        if (inside || k->updated_at <= t)
            return visibleAt(*k, view(it->value()), t, rocks_.shapes());
        Time inc = k->created_at;
        it->SeekForPrev(toSlice(revTarget(prefix, inc, t, kMax)));
        if (!it->Valid()) break;
        auto landed = decodeRevKey(view(it->key()));
        inside = landed && landed->created_at == inc && view(it->key()).starts_with(prefix);
    }
    if (!it->status().ok()) return fromRocks(it->status(), "rev seek");
    return Version{};
}

// Scans the keys of incarnation `created` for the highest revision dated at or before t (the
// answer when a late revision breaks time order = revision order). Leaves `it` on the last key
// before the incarnation.
model::Result<std::optional<HistoryReader::Found>> HistoryReader::highestUpTo(
    rocksdb::Iterator& it, const std::string& prefix, Time created, Time t) const {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    std::string first = revTarget(prefix, created, kMin, kMin);
    std::optional<Found> best;
    for (it.Seek(toSlice(first)); it.Valid(); it.Next()) {
        std::string_view key = view(it.key());
        if (!key.starts_with(prefix)) break;
        auto k = decodeRevKey(key);
        if (!k) return corrupt("bad rev key");
        if (k->created_at != created || isLateMarker(*k)) break;
        if (k->updated_at <= t && (!best || k->revision > best->key.revision))
            best.emplace(Found{std::move(*k), std::string(view(it.value()))});
    }
    if (!it.status().ok()) return fromRocks(it.status(), "rev scan");
    if (best) return best;
    it.SeekForPrev(toSlice(first));
    if (!it.status().ok()) return fromRocks(it.status(), "rev seek");
    return best;
}

model::Status HistoryReader::linkedEdges(std::string_view node_id, Time t,
                                         const std::function<void(std::string_view)>& fn) const {
    std::string prefix = linkPrefix(node_id);
    auto it = rocks_.iterator(Cf::Rev, readOptions());
    for (it->Seek(toSlice(prefix)); it->Valid(); it->Next()) {
        std::string_view key = view(it->key());
        if (key.substr(0, prefix.size()) != prefix) break;
        auto link = decodeLinkKey(key);
        if (!link) return corrupt("bad link key");
        if (link->time > t) break;  // keys of one node are in time order
        fn(link->edge_id);
    }
    if (!it->status().ok()) return fromRocks(it->status(), "link scan");
    return {};
}

}  // namespace skydive::store
