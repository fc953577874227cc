#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "record.h"
#include "store_impl.h"

namespace skydive::store {

namespace {

constexpr std::uint64_t kMaxSeq = std::numeric_limits<std::uint64_t>::max();

model::Result<Version> readVersion(Store::Impl& im, const RevKey& ref) {
    auto bytes = im.rocks->get(Cf::Rev, encodeRevKey(ref));
    if (!bytes) return bytes.error();
    if (!*bytes) return Version{};
    return decodeRevRecord(ref, **bytes, im.rocks->shapes());
}

bool hasEndpoint(const Version& v, const model::Str& node) {
    return v.edge && (v.edge->parent == node || v.edge->child == node);
}

// The link keys (FORMAT.md) of a dropped edge revision: written at its UpdatedAt for each
// endpoint. One is still needed when the edge's revision visible at the cutoff (`kept`) has
// that endpoint: later revisions with the same endpoints wrote no link key of their own.
model::Status dropLinks(Store::Impl& im, rocksdb::WriteBatch& batch, const RevKey& ref,
                        const std::map<std::string, RevKey, std::less<>>& kept_edges) {
    auto dropped = readVersion(im, ref);
    if (!dropped) return dropped.error();
    if (!dropped->edge) return {};
    Version kept;
    if (auto k = kept_edges.find(ref.id); k != kept_edges.end()) {
        auto v = readVersion(im, k->second);
        if (!v) return v.error();
        kept = std::move(*v);
    }
    const model::Edge& e = *dropped->edge;
    for (const model::Str* node : {&e.parent, &e.child})
        if (!hasEndpoint(kept, *node))
            batch.Delete(im.rocks->cf(Cf::Rev),
                         toSlice(encodeLinkKey({node->str(), e.updated_at, e.id.str()})));
    return {};
}

// Drops the history that no moment from `cutoff` on can see: timeline entries and checkpoints
// before it, and the revisions that were superseded or deleted before it. A checkpoint at the
// cutoff keeps later views exact. The live graph is not touched: its current revisions are
// visible at the cutoff or later, so they are always kept.
model::Status dropBefore(Store::Impl& im, Time cutoff) {
    auto keep_refs = im.reader.sliceRefs(cutoff, cutoff);
    if (!keep_refs) return keep_refs.error();
    auto state = im.reader.stateBefore(cutoff);
    if (!state) return state.error();
    std::set<RevKey> keep(keep_refs->begin(), keep_refs->end());
    std::map<std::string, RevKey, std::less<>> kept_edges;
    for (const RevKey& k : keep)
        if (k.kind == model::ElementKind::Edge) kept_edges.insert_or_assign(k.id, k);
    std::set<RevKey> dropped_refs;

    rocksdb::WriteBatch batch;
    std::string cut_key = encodeTimelineKey({cutoff, 0});
    std::size_t dropped = 0;
    auto it = im.rocks->iterator(Cf::Timeline);
    for (it->SeekToFirst(); it->Valid() && view(it->key()) < cut_key; it->Next()) {
        auto entries = decodeTimelineValue(view(it->value()));
        if (!entries) return model::makeError(model::ErrorCode::Corruption, "bad timeline record");
        for (const TimelineEntry& entry : *entries) {
            if (keep.count(entry.ref) || !dropped_refs.insert(entry.ref).second) continue;
            if (entry.ref.kind == model::ElementKind::Edge)
                if (auto st = dropLinks(im, batch, entry.ref, kept_edges); !st) return st;
            batch.Delete(im.rocks->cf(Cf::Rev), toSlice(encodeRevKey(entry.ref)));
            ++dropped;
        }
    }
    if (!it->status().ok()) return fromRocks(it->status(), "retention scan");
    std::string cp_key = encodeTimelineKey({cutoff - 1, kMaxSeq});
    deleteCheckpoints(*im.rocks, batch, {}, cp_key);
    batch.Put(im.rocks->cf(Cf::Checkpoint), toSlice(cp_key),
              toSlice(encodeCheckpointValue(*state)));  // newest_checkpoint: found by a seek
    batch.DeleteRange(im.rocks->cf(Cf::Timeline), toSlice(std::string()), toSlice(cut_key));
    if (auto st = im.rocks->write(batch, true); !st) return st;
    std::lock_guard l(im.mu);
    im.cache.remove_if([&](const Store::Impl::CachedView& c) { return c.from < cutoff; });
    if (!im.newest_checkpoint || *im.newest_checkpoint < cutoff - 1)
        im.newest_checkpoint = cutoff - 1;
    return {};
}

model::Result<std::optional<Time>> firstTime(Store::Impl& im) {
    auto it = im.rocks->iterator(Cf::Timeline);
    it->SeekToFirst();
    if (!it->Valid()) return std::optional<Time>();
    auto k = decodeTimelineKey(view(it->key()));
    if (!k) return model::makeError(model::ErrorCode::Corruption, "bad timeline key");
    return std::optional<Time>(k->time);
}

}  // namespace

model::Status Store::enforceRetention() {
    Impl& im = *impl_;
    std::lock_guard rl(im.retention_mu);
    if (im.opts.retention_age_ms > 0) {
        if (auto st = dropBefore(im, im.clock.now() - im.opts.retention_age_ms); !st) return st;
    }
    if (im.opts.retention_bytes == 0) return {};
    // By size: drop the oldest quarter of the remaining period until under the limit.
    for (int round = 0; round < 8; ++round) {
        im.rocks->db().CompactRange(rocksdb::CompactRangeOptions(), im.rocks->cf(Cf::Rev), nullptr,
                                    nullptr);
        im.rocks->db().CompactRange(rocksdb::CompactRangeOptions(), im.rocks->cf(Cf::Timeline),
                                    nullptr, nullptr);
        // Drops the deleted checkpoints' references, so that their blob files go too.
        im.rocks->db().CompactRange(rocksdb::CompactRangeOptions(), im.rocks->cf(Cf::Checkpoint),
                                    nullptr, nullptr);
        if (im.rocks->liveBytes() <= im.opts.retention_bytes) break;
        auto first = firstTime(im);
        if (!first) return first.error();
        Time last;
        {
            std::lock_guard l(im.mu);
            last = im.last_key.time;
        }
        if (!*first || **first >= last) break;
        Time cutoff = **first + std::max<Time>(1, (last - **first) / 4);
        if (auto st = dropBefore(im, cutoff); !st) return st;
    }
    return {};
}

}  // namespace skydive::store
