// Metrics(), Aggregates() and Sum() over metric series (spec §3.6).
#include <algorithm>
#include <map>
#include <string>
#include <unordered_set>

#include <skydive/gremlin/metrics.h>

#include "exec/executor.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;
using model::Value;

namespace {

struct Sample {
    model::NodeHandle node;
    Value metric;  ///< the node's metric object (a shared, O(1) copy)
    model::Time start;
};

// The metric object at `key` as Value::path reads the metadata (no `@` keys, no `Metadata.`
// prefix, unlike fieldOf): in place for a record but for those two rare spellings.
std::optional<Value> metricOf(model::NodeHandle n, const std::string& key) {
    if (const model::Node* node = n.node()) return node->metadata.path(key);
    if (key.starts_with('@') || key.starts_with("Metadata.")) return n.metadata().path(key);
    return model::fieldOf(n, key).toOptional();
}

}  // namespace

// Each node (in a time slice, each revision) that carries the metric key gives one metric;
// duplicates of (ID, Start) are dropped, the rest ordered by Start. In a time context a metric
// is kept only when it lies strictly inside the period, as upstream does.
model::Status Executor::metrics(const PlanStep& s) {
    const std::string& key = s.keys[0];
    std::vector<Sample> samples;
    std::unordered_set<std::string> seen;
    for (const model::NodeHandle n : cur_.nodes) {
        if (!tick()) return error_;
        const std::optional<Value> m = metricOf(n, key);
        if (!m || m->isNull()) continue;
        if (!m->isObject()) {
            return makeError(ErrorCode::InvalidArgument,
                             "wrong interface metric type: '" + key + "' of node '" +
                                 std::string(n.id()) + "' is not an object",
                             s.column);
        }
        const model::Time start = metricTime(*m, "Start");
        if (!seen.insert(std::string(n.id()) + '\x1f' + std::to_string(start)).second) continue;
        samples.push_back({n, *m, start});
    }
    std::stable_sort(samples.begin(), samples.end(),
                     [](const Sample& a, const Sample& b) { return a.start < b.start; });
    std::map<std::string, model::List> series;
    for (const auto& x : samples) {
        if (period_ &&
            !(x.start > period_->first && metricTime(x.metric, "Last") < period_->second))
            continue;
        series[std::string(x.node.id())].push_back(x.metric);
    }
    Value out = Value::object();
    auto& o = out.mutableObject();
    for (auto& [id, list] : series) o.set(id, Value(std::move(list)));
    cur_.nodes.clear();
    cur_.value = std::move(out);
    cur_.kind = ResultKind::Metrics;
    return {};
}

// The period is the time context's; without one, the span of the metrics themselves.
model::Status Executor::aggregates(const PlanStep& s) {
    auto period = period_ ? period_ : metricsSpan(cur_.value);
    if (!period) period = std::pair<model::Time, model::Time>{0, 0};
    auto out = aggregateMetrics(cur_.value, period->first, period->second, s.slice_ms);
    if (!out) {
        auto e = std::move(out).error();
        e.position = s.column;
        return e;
    }
    cur_.value = std::move(*out);
    return {};
}

model::Status Executor::metricSum(const PlanStep& s) {
    if (s.keys.empty()) {
        cur_.value = sumMetrics(cur_.value);
        cur_.kind = ResultKind::Values;
        return {};
    }
    auto total = sumMetricField(cur_.value, s.keys[0]);
    if (!total) {
        auto e = std::move(total).error();
        e.position = s.column;
        return e;
    }
    cur_.value = std::move(*total);
    cur_.kind = ResultKind::Number;
    return {};
}

}  // namespace skydive::gremlin
