#pragma once

#include <memory>
#include <vector>

#include "history.h"
#include "open_phases.h"
#include "record.h"

namespace skydive::store {

/// Builds an image from decoded versions (one element each) with GraphImage::build: each trie
/// built once from sorted entries, on two threads (ADR 014).
/// `parts` are consumed (their pointers moved into the image).
graph::GraphImage buildImage(std::shared_ptr<const graph::IndexConfig> config,
                             std::vector<std::vector<Version>>& parts);

/// The whole image at t from RocksDB: the references of the checkpoint before t and the
/// timeline replay, their records in one MultiGet, then buildImage. Laps `phase` when given.
model::Result<graph::GraphImage> imageFromDisk(const HistoryReader& reader,
                                               std::shared_ptr<const graph::IndexConfig> config,
                                               Time t, PhaseClock* phase = nullptr);

}  // namespace skydive::store
