// skydive.yml keys of the embedded store (docs/compat/store.md, "Configuration").
#include "store_config.h"

#include <functional>
#include <optional>

#include <spdlog/spdlog.h>

namespace skydive::server {

namespace {

using model::ErrorCode;

/// Reads a non-negative integer key; nullopt when absent.
model::Result<std::optional<std::int64_t>> nonNegative(const Config& config,
                                                       const std::string& key) {
    auto v = config.getInt(key);
    if (!v.ok()) {
        if (v.error().code == ErrorCode::NotFound) return std::optional<std::int64_t>();
        return v.error();
    }
    if (*v < 0)
        return model::makeError(ErrorCode::InvalidArgument, "configuration key '" + key +
                                                                "' must not be negative (got " +
                                                                std::to_string(*v) + ")");
    return std::optional<std::int64_t>(*v);
}

}  // namespace

model::Result<store::StoreOptions> storeOptionsFromConfig(const Config& config,
                                                          std::string data_dir) {
    store::StoreOptions o;
    o.data_dir = std::move(data_dir);
    auto backend = config.getString("analyzer.topology.backend");
    if (!backend.ok()) return backend.error();
    const std::string prefix = "storage." + *backend + ".";
    if (auto driver = config.getString(prefix + "driver"); driver.ok()) {
        if (*driver != "rocksdb" && *driver != "memory")
            spdlog::warn("{}driver '{}' is not supported: using the embedded RocksDB store", prefix,
                         *driver);
    }
    if (auto sync = config.getString(prefix + "sync"); sync.ok()) {
        if (*sync == "always") {
            o.sync = store::SyncPolicy::Always;
        } else if (*sync == "periodic") {
            o.sync = store::SyncPolicy::Periodic;
        } else {
            return model::makeError(ErrorCode::InvalidArgument,
                                    "configuration key '" + prefix + "sync' must be 'always' or " +
                                        "'periodic' (got '" + *sync + "')");
        }
    } else if (sync.error().code != ErrorCode::NotFound) {
        return sync.error();
    }
    struct Key {
        const char* name;
        std::int64_t scale;  // to the StoreOptions unit
        std::function<void(std::int64_t)> set;
    };
    const Key keys[] = {
        {"sync_interval", 1, [&](std::int64_t v) { o.sync_interval_ms = v; }},
        {"retention_age", 1000, [&](std::int64_t v) { o.retention_age_ms = v; }},
        {"retention_size", 1, [&](std::int64_t v) { o.retention_bytes = std::uint64_t(v); }},
        {"recent_window", 1000, [&](std::int64_t v) { o.recent_window_ms = v; }},
        {"recent_window_memory", 1,
         [&](std::int64_t v) { o.recent_window_bytes = std::size_t(v); }},
        {"checkpoint_changes", 1,
         [&](std::int64_t v) { o.checkpoint_every_changes = std::size_t(v); }},
        {"checkpoint_interval", 1000, [&](std::int64_t v) { o.checkpoint_every_ms = v; }},
    };
    for (const Key& k : keys) {
        auto v = nonNegative(config, prefix + k.name);
        if (!v.ok()) return v.error();
        if (*v) k.set(**v * k.scale);
    }
    if (o.sync == store::SyncPolicy::Periodic && o.sync_interval_ms == 0)
        return model::makeError(
            ErrorCode::InvalidArgument,
            "configuration key '" + prefix + "sync_interval' must be positive with sync: periodic");
    return o;
}

}  // namespace skydive::server
