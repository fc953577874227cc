#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <skydive/graph/graph_image.h>
#include <skydive/model/result.h>

#include "open_phases.h"

namespace skydive::store {

/// `live.image` in the data directory (FORMAT.md, ADR 014): every live element's record as of
/// one commit sequence number, written at clean shutdown so the next open reads one file instead
/// of a checkpoint, a timeline tail and a random read per element. A cache: the store is
/// complete without it, and it is used only when its sequence number is the store's.
inline constexpr std::string_view kLiveImageFile = "live.image";

/// Writes the image (temporary file, fsync, rename: a reader sees the old file or the new one).
model::Status writeLiveImage(const std::string& dir, const graph::GraphImage& image,
                             std::uint64_t seq);

/// Reads the image when the file exists and was written at `seq`; nullopt when it is absent or
/// stale; Corruption when it is unreadable. Decodes on `threads` threads.
model::Result<std::optional<graph::GraphImage>> readLiveImage(
    const std::string& dir, std::uint64_t seq, std::shared_ptr<const graph::IndexConfig> config,
    unsigned threads, PhaseClock* phase = nullptr);

}  // namespace skydive::store
