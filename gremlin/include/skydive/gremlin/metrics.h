#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include <skydive/model/clock.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::gremlin {

/// Metric series as the Metrics() step produces them (spec §3.6): an Object mapping a node ID or
/// flow UUID to the List of its metrics in Start order. A metric is an Object of counters
/// (`RxBytes`, `ABPackets`, ...) with `Start` and `Last` in ms.

/// A metric's `Start` or `Last` in ms (an int, or a finite double clamped to int64); 0 when
/// missing or not a number.
model::Time metricTime(const model::Value& metric, std::string_view key);

/// The counters of upstream's InterfaceMetric then FlowMetric, in their JSON field order.
inline constexpr std::array<std::string_view, 27> kMetricCounters = {
    "Collisions",        "Multicast",    "RxBytes",        "RxCompressed",    "RxCrcErrors",
    "RxDropped",         "RxErrors",     "RxFifoErrors",   "RxFrameErrors",   "RxLengthErrors",
    "RxMissedErrors",    "RxOverErrors", "RxPackets",      "TxAbortedErrors", "TxBytes",
    "TxCarrierErrors",   "TxCompressed", "TxDropped",      "TxErrors",        "TxFifoErrors",
    "TxHeartbeatErrors", "TxPackets",    "TxWindowErrors", "ABPackets",       "ABBytes",
    "BAPackets",         "BABytes"};

/// The most slices Aggregates() cuts a period into.
inline constexpr std::int64_t kMaxAggregateSlices = 10000;

/// Aggregates(): cuts [start, last] into consecutive slices of `slice_ms` (the last one
/// shortened), shares each metric among the slices it overlaps in proportion to the overlap
/// (integer counters truncated, the remainder carried on), sums the shares of every series per
/// slice and returns `{"Aggregated": [metric, ...]}` with each slice's Start/Last. A metric whose
/// share of the slice it starts in truncates to zero goes whole into that slice. Slices no
/// metric overlaps are left out. InvalidArgument past kMaxAggregateSlices.
model::Result<model::Value> aggregateMetrics(const model::Value& series, model::Time start,
                                             model::Time last, std::int64_t slice_ms);

/// Earliest Start and latest Last of every metric of `series`; nullopt when there is none.
std::optional<std::pair<model::Time, model::Time>> metricsSpan(const model::Value& series);

/// Sum(): one metric with every counter summed, the earliest Start and the latest Last; null
/// when `series` holds no metric.
model::Value sumMetrics(const model::Value& series);

/// Sum('Field'): the field summed over every metric (a missing counter is 0). InvalidArgument
/// when no metric kind has such a counter.
model::Result<model::Value> sumMetricField(const model::Value& series, std::string_view field);

}  // namespace skydive::gremlin
