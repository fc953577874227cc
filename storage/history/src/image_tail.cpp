// After a crash, live.image is the image of a checkpoint (written with it, ADR 014): the live
// graph is that image plus the timeline after the checkpoint, whose records are read in one
// MultiGet. This replaces reading one record per live element.
#include <unordered_map>

#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

bool Store::Impl::checkpointExists(const TimelineKey& key) const {
    auto v = rocks->get(Cf::Checkpoint, encodeTimelineKey(key));
    return v && v->has_value();
}

model::Status Store::Impl::applyTail(graph::GraphImage& img, const TimelineKey& base) const {
    // The last change per element after `base`: a reference to read, or a deletion.
    struct Last {
        RevKey ref;
        bool deleted = false;
    };
    std::unordered_map<std::string, Last> tail;
    auto it = rocks->iterator(Cf::Timeline);
    std::string start = encodeTimelineKey(base);
    it->Seek(toSlice(start));
    if (it->Valid() && view(it->key()) == start) it->Next();
    std::string mk;
    for (; it->Valid(); it->Next()) {
        auto entries = decodeTimelineValue(view(it->value()));
        if (!entries) return makeError(ErrorCode::Corruption, "bad timeline record");
        for (TimelineEntry& entry : *entries) {
            mk.assign(1, entry.ref.kind == model::ElementKind::Node ? 'N' : 'E');
            mk.append(entry.ref.id);
            auto [pos, fresh] = tail.try_emplace(mk);
            if (entry.op == TimelineOp::Delete) {
                pos->second = Last{std::move(entry.ref), true};
                continue;
            }
            // As in a replay: a Put older than the element's current revision (skewed clock)
            // was superseded before it was written.
            if (!fresh && !pos->second.deleted && entry.ref < pos->second.ref) continue;
            if (fresh) {
                Version cur = findVersion(img, entry.ref.kind, entry.ref.id);
                if (cur && entry.ref < cur.ref()) {
                    tail.erase(pos);
                    continue;
                }
            }
            pos->second = Last{std::move(entry.ref), false};
        }
    }
    if (!it->status().ok()) return fromRocks(it->status(), "timeline scan");
    std::vector<RevKey> refs;
    for (auto& [k, last] : tail) {
        if (last.deleted)
            removeVersion(img, last.ref.kind, last.ref.id);
        else
            refs.push_back(last.ref);
    }
    auto versions = reader.fetch(refs);
    if (!versions) return versions.error();
    for (const Version& v : *versions) putVersion(img, v);
    return {};
}

}  // namespace skydive::store
