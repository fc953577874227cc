#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skydive/graph/graph_view.h>
#include <skydive/graph/live_graph.h>
#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::store {

using model::Time;

/// When an acknowledged mutation is durable (ADR 011).
enum class SyncPolicy : std::uint8_t {
    /// fsync of the WAL before every acknowledgement: survives power loss.
    Always,
    /// WAL written before every acknowledgement (survives kill -9), fsynced every
    /// `sync_interval_ms` by a background thread: many commits share one fsync.
    Periodic,
};

struct StoreOptions {
    std::string data_dir = "var/skydive";
    SyncPolicy sync = SyncPolicy::Periodic;
    Time sync_interval_ms = 100;
    /// History older than this (ms) is dropped; 0 = keep forever.
    Time retention_age_ms = 0;
    /// Approximate on-disk size (bytes) above which the oldest history is dropped; 0 = no limit.
    std::uint64_t retention_bytes = 0;
    /// The in-memory recent window: revisions younger than `recent_window_ms`, within
    /// `recent_window_bytes`, are served from memory (0 ms: no age bound; 0 bytes: no window).
    Time recent_window_ms = 10 * 60 * 1000;
    std::size_t recent_window_bytes = 256u << 20;
    /// A checkpoint is written after this many changes or this much time (ms) since the last,
    /// and never before as many changes as the live graph has elements (its cost).
    std::size_t checkpoint_every_changes = 100000;
    Time checkpoint_every_ms = 10 * 60 * 1000;
    /// Whole-graph past views kept for reuse.
    std::size_t view_cache_entries = 8;
    /// RocksDB block cache (bytes).
    std::size_t block_cache_bytes = 64u << 20;
    /// Write `live.image` (every live element) at clean shutdown and open from it when it is
    /// current (ADR 014); otherwise the live graph comes from the newest checkpoint + the tail.
    bool live_image = true;
    /// Threads decoding records while the live graph is rebuilt at open.
    unsigned load_threads = 2;
    graph::LiveGraphOptions live;
};

/// The temporal graph store: a LiveGraph whose every revision is written durably to RocksDB,
/// plus past views (spec §2.8), the API object table and retention. Layout: storage/FORMAT.md.
///
/// Writers use the same API as LiveGraph; a mutation is acknowledged (returns OK) only once its
/// revisions are in the WAL, and it is visible in live() only after that.
class Store final : public graph::GraphSource {
public:
    /// Opens or creates the store and rebuilds the live graph from it. A directory held by
    /// another process gives Unavailable; a newer format gives Unsupported.
    static model::Result<std::unique_ptr<Store>> open(const StoreOptions& options,
                                                      const model::Clock& clock);
    ~Store() override;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    model::Status addNode(model::Node node);
    model::Status addEdge(model::Edge edge);
    model::Status replaceNode(model::Node node);
    model::Status replaceEdge(model::Edge edge);
    model::Status setNodeMetadata(std::string_view id, std::string_view key, model::Value value);
    model::Status deleteNodeMetadata(std::string_view id, std::string_view key);
    model::Status setEdgeMetadata(std::string_view id, std::string_view key, model::Value value);
    model::Status deleteEdgeMetadata(std::string_view id, std::string_view key);
    model::Status deleteNode(std::string_view id, Time at = 0);
    model::Status deleteEdge(std::string_view id, Time at = 0);
    model::Status apply(const model::GraphDelta& delta);

    /// The live graph (for subscriptions and snapshots; write through the Store).
    graph::LiveGraph& liveGraph();

    graph::GraphViewPtr live() const override;
    /// Point view at t (ms): per ID the visible revision with the highest Revision.
    model::Result<graph::GraphViewPtr> at(Time t) const override;
    /// Every revision visible in [from, to] (inclusive), ordered by UpdatedAt.
    model::Result<graph::GraphViewPtr> slice(Time from, Time to) const override;
    /// One element at t, by seek (nullopt when not visible).
    model::Result<std::optional<model::Node>> nodeAt(std::string_view id, Time t) const;
    model::Result<std::optional<model::Edge>> edgeAt(std::string_view id, Time t) const;

    /// Writes a checkpoint of the live graph now.
    model::Status checkpoint();
    /// Drops history older than the retention limits (also run periodically). Never touches
    /// live elements: their current revision is kept whatever its age.
    model::Status enforceRetention();
    /// Waits until everything acknowledged is fsynced.
    model::Status sync();
    /// Waits for the store's own background work (the last large group's publication and
    /// checkpoint, the `live.image` file a checkpoint is writing), then until
    /// RocksDB has no flush or compaction pending or running (or `timeout_ms` passed: then
    /// Unavailable). For benchmarks that time reads on a settled store.
    model::Status waitForCompactions(std::int64_t timeout_ms = 600000) const;
    /// The shape of the `rev` column family's LSM tree, one line: entries in the active
    /// memtable, files per level, live data size. Outside-window lookups cost one seek per
    /// sorted run, so benchmarks print it beside their figures. With t: also the files per
    /// level a lookup at t reads (the others hold only keys dated after t, FORMAT.md).
    std::string revShape(std::optional<Time> t = std::nullopt) const;

    /// API objects (captures, alerts, rules, users): JSON objects by kind and ID.
    model::Status putApiObject(std::string_view kind, std::string_view id,
                               const model::Value& object);
    model::Result<model::Value> getApiObject(std::string_view kind, std::string_view id) const;
    model::Result<std::vector<std::pair<std::string, model::Value>>> listApiObjects(
        std::string_view kind) const;
    model::Status deleteApiObject(std::string_view kind, std::string_view id);

    /// Flows (FORMAT.md `flow` / `flowtime`): the latest state of each flow by UUID, found by the
    /// time of its last update. `flow` is a JSON object; re-putting a UUID with a new `last`
    /// moves it in time.
    model::Status putFlow(std::string_view uuid, Time last, const model::Value& flow);
    model::Result<model::Value> getFlow(std::string_view uuid) const;
    /// Flows whose last update is in [from, to] (inclusive), oldest first.
    model::Result<std::vector<model::Value>> flowsUpdatedBetween(Time from, Time to) const;
    /// Metric series (FORMAT.md `metric`): one JSON object per [start, last] period of a node.
    model::Status putMetric(std::string_view node_id, Time start, Time last,
                            const model::Value& metric);
    /// The node's metrics whose period intersects [from, to], by start time.
    model::Result<std::vector<model::Value>> metricsBetween(std::string_view node_id, Time from,
                                                            Time to) const;

    /// Writes stored revision records as they are (history import, conformance fixtures):
    /// `records` sorted by UpdatedAt, each a Change with its final form (DeletedAt set for a
    /// deleted revision). Live ones (no DeletedAt, last revision) go to the live graph.
    model::Status importRevisions(const std::vector<model::Change>& records);

    struct Stats {
        std::size_t recent_entries = 0;
        std::size_t recent_bytes = 0;
        Time recent_from = 0;  ///< the window serves t >= recent_from
        std::size_t checkpoints = 0;
        std::uint64_t revisions_written = 0;
        std::uint64_t mutations_committed = 0;
        std::uint64_t commit_groups = 0;      ///< durable writes; fewer than mutations when grouped
        bool loaded_from_live_image = false;  ///< open() read live.image (ADR 014)
        /// Wall time (ms) of each phase of the last open(), in order (ADR 014), the whole
        /// open() and the CPU time the process spent meanwhile (every thread).
        std::vector<std::pair<std::string, double>> open_phases_ms;
        double open_wall_ms = 0;
        double open_cpu_ms = 0;
        /// Read errors (I/O, corruption) met by lazy past views, which cannot return an error
        /// (GraphView): such a view answers without what it could not read. Each is logged.
        std::uint64_t read_errors = 0;
    };
    Stats stats() const;

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Loads history records in the Elasticsearch layout of the conformance fixtures
/// (`{"Records":[{"_Type":"node"|"edge", ..., "ArchivedAt":...}]}` or a bare list).
model::Status loadHistoryRecords(Store& store, const model::Value& records);

}  // namespace skydive::store
