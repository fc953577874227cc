#include <algorithm>
#include <limits>
#include <tuple>

#include <skydive/model/json.h>

#include "links.h"
#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

// Imported revisions come in any order: an incarnation whose revisions, in revision order, are
// not in time order gets a late marker (FORMAT.md) at each revision dated before the previous.
void putImportMarkers(rocksdb::WriteBatch& batch, Rocks& rocks,
                      const std::vector<model::Change>& records) {
    std::vector<RevKey> refs;
    refs.reserve(records.size());
    for (const model::Change& c : records) refs.push_back(Version::of(c).ref());
    std::sort(refs.begin(), refs.end(), [](const RevKey& a, const RevKey& b) {
        return std::tie(a.kind, a.id, a.created_at, a.revision) <
               std::tie(b.kind, b.id, b.created_at, b.revision);
    });
    for (std::size_t i = 1; i < refs.size(); ++i) {
        const RevKey& prev = refs[i - 1];
        const RevKey& cur = refs[i];
        if (cur.kind != prev.kind || cur.id != prev.id || cur.created_at != prev.created_at ||
            cur.updated_at >= prev.updated_at)
            continue;
        putLateMarker(batch, rocks, cur);
    }
}

}  // namespace

// Writes the records as stored revisions: a `rev` record each, a timeline Put at UpdatedAt and,
// for a deleted revision, a Delete at DeletedAt. The live graph, the window and the view cache
// are then rebuilt from disk, as after a restart.
model::Status Store::importRevisions(const std::vector<model::Change>& records) {
    Impl& im = *impl_;
    rocksdb::WriteBatch batch;
    std::uint64_t seq;
    {
        std::lock_guard l(im.mu);
        seq = im.next_seq;
    }
    for (const model::Change& c : records) {
        Version v = Version::of(c);
        const model::Element& b = c.base();
        if (auto st = graph::validateElement(b); !st) return st;
        if (b.id.size() > kMaxKeyString)
            return makeError(ErrorCode::InvalidArgument, "element ID longer than 65535 bytes");
        RevKey ref = v.ref();
        batch.Put(im.rocks->cf(Cf::Rev), toSlice(encodeRevKey(ref)), toSlice(encodeRecord(v)));
        putLinks(batch, *im.rocks, Version{}, v, b.updated_at);
        batch.Put(im.rocks->cf(Cf::Timeline), toSlice(encodeTimelineKey({b.updated_at, seq++})),
                  toSlice(encodeTimelineValue({TimelineEntry{TimelineOp::Put, ref}})));
        if (b.deleted_at != 0)
            batch.Put(im.rocks->cf(Cf::Timeline), toSlice(encodeTimelineKey({b.deleted_at, seq++})),
                      toSlice(encodeTimelineValue({TimelineEntry{TimelineOp::Delete, ref}})));
    }
    putImportMarkers(batch, *im.rocks, records);
    std::string seq_bytes;
    putU64(seq_bytes, seq - 1);
    batch.Put(im.rocks->cf(Cf::Default), toSlice("seq"), toSlice(seq_bytes));
    // Imported history may predate checkpoints: drop them all, replay covers everything.
    deleteCheckpoints(*im.rocks, batch, {}, std::string(17, '\xff'));
    if (auto st = im.rocks->write(batch, true); !st) return st;
    // load() reads RocksDB and resets the live graph: it takes `mu` itself, only to publish
    // (holding `mu` here across it deadlocked against a failed group write, which takes `mu`
    // under the live graph's writer lock, and blocked every reader for the whole reload).
    if (auto st = im.load(); !st) return st;
    std::lock_guard l(im.mu);
    im.cache.clear();
    return {};
}

namespace {

model::Result<model::Change> recordToChange(const model::Value& rec) {
    if (!rec.isObject()) return makeError(ErrorCode::InvalidArgument, "record is not an object");
    const model::Value* type = rec.asObject().find("_Type");
    if (type == nullptr || !type->isString())
        return makeError(ErrorCode::InvalidArgument, "record without _Type");
    if (type->asString() == "node") {
        auto n = model::nodeFromValue(rec, 0);
        if (!n) return n.error();
        return model::Change{model::ChangeKind::NodeUpdated, std::move(*n)};
    }
    if (type->asString() == "edge") {
        auto e = model::edgeFromValue(rec, 0);
        if (!e) return e.error();
        return model::Change{model::ChangeKind::EdgeUpdated, std::move(*e)};
    }
    return makeError(ErrorCode::InvalidArgument, "unknown _Type " + std::string(type->asString()));
}

}  // namespace

model::Status loadHistoryRecords(Store& store, const model::Value& records) {
    const model::Value* list = &records;
    if (records.isObject()) list = records.asObject().find("Records");
    if (list == nullptr || !list->isList())
        return makeError(ErrorCode::InvalidArgument, "history records: expected a Records list");
    std::vector<model::Change> changes;
    for (const model::Value& rec : list->asList()) {
        auto c = recordToChange(rec);
        if (!c) return c.error();
        changes.push_back(std::move(*c));
    }
    std::stable_sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
        return a.base().updated_at < b.base().updated_at;
    });
    return store.importRevisions(changes);
}

}  // namespace skydive::store
