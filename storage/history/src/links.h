#pragma once

#include "record.h"
#include "rocks.h"

namespace skydive::store {

/// Writes the link keys of one edge revision (FORMAT.md, `rev` link family, ADR 017): when the
/// edge is new or its endpoints changed, each endpoint gets a key at `time`. What lets a past
/// view outside the recent window find a node's edges without building the graph.
void putLinks(rocksdb::WriteBatch& batch, Rocks& rocks, const Version& before, const Version& after,
              Time time);

}  // namespace skydive::store
