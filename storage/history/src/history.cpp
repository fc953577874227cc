#include "history.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

constexpr Time kMaxTime = std::numeric_limits<Time>::max();

std::string refMapKey(const RevKey& k) {
    std::string s;
    s.reserve(k.id.size() + 1);
    s.push_back(k.kind == model::ElementKind::Node ? 'N' : 'E');
    s.append(k.id);
    return s;
}

model::Error corrupt(std::string what) {
    return makeError(ErrorCode::Corruption, std::move(what));
}

// UpdatedAt of a binary (0x02) `rev` record read from its header (FORMAT.md: format byte, three
// strings, CreatedAt, UpdatedAt) without decoding the rest; nullopt for a JSON (0x01) record or
// a header that does not parse (then the caller decodes it whole, which reports corruption).
std::optional<Time> peekUpdatedAt(std::string_view rec) {
    if (rec.empty() || static_cast<std::uint8_t>(rec[0]) != 0x02) return std::nullopt;
    std::size_t pos = 1;
    auto varint = [&](std::uint64_t& v) {
        v = 0;
        for (unsigned shift = 0; shift < 64 && pos < rec.size(); shift += 7) {
            auto b = static_cast<std::uint8_t>(rec[pos++]);
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    };
    std::uint64_t v = 0;
    for (int i = 0; i < 3; ++i) {  // id, host, origin
        if (!varint(v) || v > rec.size() - pos) return std::nullopt;
        pos += static_cast<std::size_t>(v);
    }
    if (!varint(v) || !varint(v)) return std::nullopt;  // CreatedAt, then UpdatedAt
    return static_cast<Time>((v >> 1) ^ (~(v & 1) + 1));
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
    if (!key) return corrupt("bad timeline key");
    return std::optional<TimelineKey>(*key);
}

// Replays the timeline over the newest checkpoint before `from`: entries before `from` build
// the state, entries in [from, to] add revisions (and, when `archived` is set, report the
// revisions they superseded, which are visible at `from` too).
model::Status HistoryReader::replay(Time from, Time to, RefMap& refs,
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
        for (RevKey& k : (*cp)->refs) {
            std::string mk = refMapKey(k);
            refs.emplace(std::move(mk), std::move(k));
        }
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
        auto entry = decodeTimelineValue(view(it->value()));
        if (!key || !entry) return corrupt("bad timeline record");
        std::string mk = refMapKey(entry->ref);
        auto old = refs.find(mk);
        // A revision dated before a higher one already replayed (skewed clock) was superseded
        // before it was written: the point view keeps the highest revision (spec §2.8).
        bool stale = entry->op == TimelineOp::Put && old != refs.end() && entry->ref < old->second;
        if (key->time < from) {
            if (entry->op == TimelineOp::Delete)
                refs.erase(mk);
            else if (!stale)
                refs.insert_or_assign(std::move(mk), std::move(entry->ref));
            continue;
        }
        if (entry->op != TimelineOp::Put || stale) continue;  // deleted in range: still visible
        if (old != refs.end()) {
            if (archived && old->second != entry->ref) archived->push_back(old->second);
            old->second = std::move(entry->ref);
        } else {
            refs.emplace(std::move(mk), std::move(entry->ref));
        }
    }
    if (!it->status().ok()) return fromRocks(it->status(), "timeline scan");
    return {};
}

model::Result<std::vector<RevKey>> HistoryReader::pointRefs(Time t) const {
    RefMap refs;
    if (auto st = replay(t, t, refs, nullptr); !st) return st.error();
    std::vector<RevKey> out;
    out.reserve(refs.size());
    for (auto& [k, v] : refs) out.push_back(std::move(v));
    return out;
}

model::Result<std::vector<RevKey>> HistoryReader::stateBefore(Time t) const {
    RefMap refs;
    if (t == std::numeric_limits<Time>::min()) return std::vector<RevKey>();
    if (auto st = replay(t, t - 1, refs, nullptr); !st) return st.error();
    std::vector<RevKey> out;
    out.reserve(refs.size());
    for (auto& [k, v] : refs) out.push_back(std::move(v));
    return out;
}

model::Result<std::vector<RevKey>> HistoryReader::sliceRefs(Time from, Time to) const {
    RefMap refs;
    std::vector<RevKey> out;
    if (auto st = replay(from, to, refs, &out); !st) return st.error();
    out.reserve(out.size() + refs.size());
    for (auto& [k, v] : refs) out.push_back(std::move(v));
    return out;
}

model::Result<std::vector<Version>> HistoryReader::fetch(const std::vector<RevKey>& refs) const {
    // Keys in byte order: MultiGet then walks memtables and SST blocks sequentially.
    std::vector<std::pair<std::string, std::size_t>> sorted;
    sorted.reserve(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) sorted.emplace_back(encodeRevKey(refs[i]), i);
    std::sort(sorted.begin(), sorted.end());
    std::vector<rocksdb::Slice> slices;
    slices.reserve(sorted.size());
    for (const auto& [k, i] : sorted) slices.push_back(toSlice(k));
    std::vector<std::string> keys(slices.size());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), rocks_.cf(Cf::Rev));
    std::vector<std::string> values;
    auto sts = rocks_.db().MultiGet(readOptions(), cfs, slices, &values);
    std::vector<Version> out;
    out.reserve(refs.size());
    for (std::size_t j = 0; j < sorted.size(); ++j) {
        if (sts[j].IsNotFound()) continue;  // dropped by retention
        if (!sts[j].ok()) return fromRocks(sts[j], "rev read");
        auto v = decodeRecord(refs[sorted[j].second].kind, values[j]);
        if (!v) return v.error();
        out.push_back(std::move(*v));
    }
    return out;
}

model::Result<Version> HistoryReader::elementAt(model::ElementKind kind, std::string_view id,
                                                Time t) const {
    std::string prefix = revPrefix(kind, id);
    std::string target = prefix;
    putI64f(target, t);
    putI64f(target, std::numeric_limits<std::int64_t>::max());
    auto it = rocks_.iterator(Cf::Rev, readOptions());
    // The key orders an incarnation's revisions by number, not by time: the walk passes every
    // revision written after t, so each is judged by its header's UpdatedAt alone.
    for (it->SeekForPrev(toSlice(target)); it->Valid(); it->Prev()) {
        std::string_view key = view(it->key());
        if (key.substr(0, prefix.size()) != prefix) break;
        if (auto updated = peekUpdatedAt(view(it->value())); updated && *updated > t) continue;
        auto v = decodeRecord(kind, view(it->value()));
        if (!v) return v.error();
        const auto& b = v->base();
        if (b.updated_at > t) continue;
        if (b.deleted_at != 0 && b.deleted_at < t) return Version{};
        return std::move(*v);
    }
    if (!it->status().ok()) return fromRocks(it->status(), "rev seek");
    return Version{};
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
