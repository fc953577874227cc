#pragma once

#include <memory>
#include <mutex>

#include "gate_mutex.h"
#include "recent_window.h"
#include "rocks.h"

namespace skydive::store {

struct PointOverlay;  // lazy_point_view.h

/// The store's in-memory recent state, shared between the store and its lazy point views so
/// that a view stays usable for its whole lifetime (ADR 017). `mu` guards both members.
struct WindowState {
    explicit WindowState(std::shared_ptr<const graph::IndexConfig> config)
        : latest(std::move(config)) {}

    GateMutex mu;
    graph::GraphImage latest;  // the image after the newest change in `window`
    RecentWindow window;
    // The RocksDB snapshot lazy views share while no commit happens (taken at `snap_seq`).
    std::shared_ptr<const rocksdb::Snapshot> snap;
    std::uint64_t snap_seq = 0;
    // The last whole-scan overlay a lazy view built (ADR 021, "overlay reuse"): views of the
    // same latest image at earlier moments add only the changes between the two moments.
    std::shared_ptr<const PointOverlay> overlay;
};

}  // namespace skydive::store
