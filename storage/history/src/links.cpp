#include "links.h"

#include "store_impl.h"

namespace skydive::store {

void putLinks(rocksdb::WriteBatch& batch, Rocks& rocks, const Version& before, const Version& after,
              Time time) {
    if (!after.edge) return;
    const model::Edge& e = *after.edge;
    if (before.edge && before.edge->parent == e.parent && before.edge->child == e.child) return;
    static const std::string kValue(1, static_cast<char>(kValueFormat));
    batch.Put(rocks.cf(Cf::Rev), toSlice(encodeLinkKey({e.parent.str(), time, e.id.str()})),
              toSlice(kValue));
    if (e.child != e.parent)
        batch.Put(rocks.cf(Cf::Rev), toSlice(encodeLinkKey({e.child.str(), time, e.id.str()})),
                  toSlice(kValue));
}

void putLateMarker(rocksdb::WriteBatch& batch, Rocks& rocks, const Version& before,
                   const Version& after, const RevKeyView& a) {
    if (!before || !after || before.kind() != a.kind) return;
    // Nearly every revision is dated at or after the one it replaces: that test alone reads
    // two varints of the record, not its whole head (830 instructions a revision otherwise).
    if (a.updated_at >= before.updatedAt()) return;
    const RevKeyView b = before.refView();
    if (a.created_at != b.created_at || a.revision <= b.revision) return;
    putLateMarker(batch, rocks, after.ref());
}

void putLateMarker(rocksdb::WriteBatch& batch, Rocks& rocks, RevKey late) {
    late.updated_at = kLateMarkerTime;
    std::string key = encodeRevKey(late);
    batch.Put(rocks.cf(Cf::Rev), toSlice(key), rocksdb::Slice());
    rocks.noteLateMarker(batch, key);
}

// A store created before link keys existed has edges without them: its past views outside the
// window keep building the image for adjacency.
model::Status Store::Impl::markLinks(bool fresh) {
    constexpr std::string_view kLinksKey = "links";
    auto mark = rocks->get(Cf::Default, kLinksKey);
    if (!mark) return mark.error();
    links_complete = mark->has_value() || fresh;
    if (mark->has_value() || !fresh) return {};
    rocksdb::WriteBatch b;
    b.Put(rocks->cf(Cf::Default), toSlice(kLinksKey), toSlice(std::string(1, '\x01')));
    return rocks->write(b, true);
}

}  // namespace skydive::store
