#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/query_result.h>

#include "plan/plan.h"

namespace skydive::gremlin {

/// Runs one plan over one GraphSource. Not reusable: one Executor per query.
///
/// Errors inside iteration callbacks are recorded with fail(), which also makes every
/// callback stop the iteration; each step checks failed() afterwards.
class Executor {
public:
    Executor(const model::Clock& clock, const EngineOptions& options,
             const graph::GraphSource& source, const FlowSource* flows = nullptr);

    model::Result<QueryResult> run(const Plan& plan);
    /// Runs the plan's Context step with these times instead of its own (a cached At template).
    void bindContext(TimeArg at, std::optional<TimeArg> duration) {
        at_ = at;
        duration_ = duration;
    }

private:
    using Clock = std::chrono::steady_clock;

    model::Status step(const PlanStep& s);
    model::Status context(const PlanStep& s);
    model::Status scanNodes(const PlanStep& s);
    model::Status scanEdges(const PlanStep& s);
    model::Status filter(const PlanStep& s);
    model::Status adjacent(const PlanStep& s);
    model::Status incidentEdges(const PlanStep& s);
    model::Status edgeEnds(const PlanStep& s);
    model::Status walk(const PlanStep& s);
    model::Status subGraph(const PlanStep& s);
    model::Status shortestPath(const PlanStep& s);
    model::Status dedup(const PlanStep& s);
    model::Status values(const PlanStep& s);
    model::Status valueMap(const PlanStep& s);
    model::Status keys(const PlanStep& s);
    model::Status sum(const PlanStep& s);
    model::Status sort(const PlanStep& s);
    model::Status range(const PlanStep& s);
    model::Status nextHop(const PlanStep& s);
    model::Status metrics(const PlanStep& s);
    model::Status aggregates(const PlanStep& s);
    model::Status metricSum(const PlanStep& s);
    model::Status flows(const PlanStep& s);
    model::Status flowFilter(const PlanStep& s);
    model::Status flowDedup(const PlanStep& s);
    model::Status flowSort(const PlanStep& s);
    model::Status flowKeys(const PlanStep& s);
    model::Status flowValues(const PlanStep& s);
    model::Status flowSum(const PlanStep& s);
    model::Status flowNodes(const PlanStep& s);
    model::Status flowMetrics(const PlanStep& s);
    model::Status group(const PlanStep& s);

    /// Output collector for streaming steps: applies the window, the count-only mode, the
    /// element bound and the deadline. add() returns false when the producer should stop.
    /// `Item` is what the result holds: model::NodeHandle or const model::Edge*.
    template <typename Item>
    class Sink;

    /// Called once per produced element; false (and a recorded error) past the deadline.
    bool tick();
    bool fail(model::Error e);
    bool failed() const { return !error_.message.empty(); }
    model::Error boundError() const;

    const model::Clock& clock_;
    const EngineOptions& options_;
    const graph::GraphSource& source_;
    const FlowSource* flows_;
    Clock::time_point deadline_;
    std::uint64_t ticks_ = 0;
    model::Error error_;

    std::optional<TimeArg> at_, duration_;  ///< bindContext()
    /// [from, at] of the query's time context ([at, at] for a point); unset for the live graph.
    std::optional<std::pair<model::Time, model::Time>> period_;
    const graph::GraphView* view_ = nullptr;  ///< the bound graph (cur_.graph)
    QueryResult cur_;
    std::map<std::string, std::vector<model::NodeHandle>> aliases_;
};

}  // namespace skydive::gremlin
