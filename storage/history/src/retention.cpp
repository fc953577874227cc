#include <algorithm>
#include <limits>
#include <set>

#include "store_impl.h"

namespace skydive::store {

namespace {

constexpr std::uint64_t kMaxSeq = std::numeric_limits<std::uint64_t>::max();

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

    rocksdb::WriteBatch batch;
    std::string cut_key = encodeTimelineKey({cutoff, 0});
    std::size_t dropped = 0;
    auto it = im.rocks->iterator(Cf::Timeline);
    for (it->SeekToFirst(); it->Valid() && view(it->key()) < cut_key; it->Next()) {
        auto entry = decodeTimelineValue(view(it->value()));
        if (!entry) return model::makeError(model::ErrorCode::Corruption, "bad timeline record");
        if (!keep.count(entry->ref)) {
            batch.Delete(im.rocks->cf(Cf::Rev), toSlice(encodeRevKey(entry->ref)));
            ++dropped;
        }
    }
    if (!it->status().ok()) return fromRocks(it->status(), "retention scan");
    std::string cp_key = encodeTimelineKey({cutoff - 1, kMaxSeq});
    batch.DeleteRange(im.rocks->cf(Cf::Checkpoint), toSlice(std::string()), toSlice(cp_key));
    batch.Put(im.rocks->cf(Cf::Checkpoint), toSlice(cp_key),
              toSlice(encodeCheckpointValue(*state)));
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
