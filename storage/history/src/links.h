#pragma once

#include "record.h"
#include "rocks.h"

namespace skydive::store {

/// Writes the link keys of one edge revision (FORMAT.md, `rev` link family, ADR 017): when the
/// edge is new or its endpoints changed, each endpoint gets a key at `time`. What lets a past
/// view outside the recent window find a node's edges without building the graph.
void putLinks(rocksdb::WriteBatch& batch, Rocks& rocks, const Version& before, const Version& after,
              Time time);

/// Writes the late marker of `after` (FORMAT.md, `rev`) when it is a revision of the same
/// incarnation as `before` dated before it: the time order of the incarnation's keys then no
/// longer follows revision order, and point lookups scan the incarnation. `a` is
/// `after.refView()`, which the caller has already walked.
void putLateMarker(rocksdb::WriteBatch& batch, Rocks& rocks, const Version& before,
                   const Version& after, const RevKeyView& a);
/// Writes the late marker of the incarnation of `late` (a revision known to be dated before an
/// earlier-numbered one).
void putLateMarker(rocksdb::WriteBatch& batch, Rocks& rocks, RevKey late);

}  // namespace skydive::store
