#pragma once

#include <memory>
#include <vector>

#include "record.h"

namespace skydive::store {

/// Builds an image from decoded versions (one element each) with GraphImage::build: each trie
/// built once from sorted entries, on two threads (ADR 014).
/// `parts` are consumed (their pointers moved into the image).
graph::GraphImage buildImage(std::shared_ptr<const graph::IndexConfig> config,
                             std::vector<std::vector<Version>>& parts);

}  // namespace skydive::store
