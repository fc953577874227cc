#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <skydive/graph/graph_image.h>
#include <skydive/model/result.h>
#include <skydive/store/keys.h>

#include "open_phases.h"

namespace skydive::store {

/// `live.image` in the data directory (FORMAT.md, ADR 014): every live element's record as of
/// one commit sequence number, written at clean shutdown so the next open reads one file instead
/// of a checkpoint, a timeline tail and a random read per element. A cache: the store is
/// complete without it, and it is used only when its sequence number is the store's.
inline constexpr std::string_view kLiveImageFile = "live.image";

/// Writes the image (temporary file, fsync, rename: a reader sees the old file or the new one).
/// `base`: the checkpoint (timeline key) the image equals, when written with one; an image with
/// a base can be brought up to date after a crash by replaying the timeline after it.
model::Status writeLiveImage(const std::string& dir, const graph::GraphImage& image,
                             std::uint64_t seq, std::optional<TimelineKey> base = std::nullopt);

struct LiveImage {
    graph::GraphImage image;
    std::uint64_t seq = 0;
    std::optional<TimelineKey> base;
};

/// Reads the image when the file exists and `accept(seq, base)` says it is usable; nullopt
/// when it is absent or refused; Corruption when it is unreadable. Decodes on `threads` threads.
model::Result<std::optional<LiveImage>> readLiveImage(
    const std::string& dir,
    const std::function<bool(std::uint64_t, const std::optional<TimelineKey>&)>& accept,
    std::shared_ptr<const graph::IndexConfig> config, unsigned threads,
    PhaseClock* phase = nullptr);

}  // namespace skydive::store
