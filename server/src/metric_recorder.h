#pragma once

#include <chrono>
#include <memory>

#include <skydive/graph/live_graph.h>

namespace skydive::store {
class Store;
}

namespace skydive::server {

/// Stores interface metrics (spec §3.6): each node revision that carries a new
/// `LastUpdateMetric` {Start, Last, counters...} becomes one row of the store's metric table,
/// keyed by node ID and [Start, Last], read back with Store::metricsBetween. Rows are written
/// from the subscription's dispatch thread, off the graph's write path; a resync that repeats
/// a period rewrites the same key (idempotent).
class MetricRecorder {
public:
    /// Subscribes to `graph`; `store` must outlive the recorder.
    MetricRecorder(graph::LiveGraph& graph, store::Store& store);
    ~MetricRecorder();
    MetricRecorder(const MetricRecorder&) = delete;
    MetricRecorder& operator=(const MetricRecorder&) = delete;

    /// Waits until every change seen so far has been recorded; false on timeout.
    bool drain(std::chrono::milliseconds timeout);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::server
