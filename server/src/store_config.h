#pragma once

#include <string>

#include <skydive/model/result.h>
#include <skydive/server/config.h>
#include <skydive/store/store.h>

namespace skydive::server {

/// The embedded store's options from `storage.<analyzer.topology.backend>.*` (docs/compat/
/// store.md): sync, sync_interval (ms), retention_age (s), retention_size (bytes),
/// recent_window (s), recent_window_memory (bytes), checkpoint_changes, checkpoint_interval (s).
/// Absent keys keep the StoreOptions defaults; a negative, mistyped or unknown value is an
/// InvalidArgument naming the key.
model::Result<store::StoreOptions> storeOptionsFromConfig(const Config& config,
                                                          std::string data_dir);

}  // namespace skydive::server
