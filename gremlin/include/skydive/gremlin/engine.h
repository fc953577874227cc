#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include <skydive/graph/graph_view.h>
#include <skydive/gremlin/flows.h>
#include <skydive/gremlin/query_result.h>
#include <skydive/model/clock.h>
#include <skydive/model/result.h>

namespace skydive::gremlin {

/// Optimizer passes; each gives the same results on or off (tests check it).
struct OptimizerPasses {
    bool index_lookup = true;    ///< `V().Has(k, v)` on an indexed key → GraphView::nodesByValue
    bool early_stop = true;      ///< Limit/Range windows stop the producing scan once full
    bool count_pushdown = true;  ///< `...Count()` counts while scanning, without materializing
};

/// Named limits of one query.
struct EngineOptions {
    static constexpr std::chrono::milliseconds kDefaultTimeout{30'000};
    static constexpr std::size_t kDefaultMaxElements = 10'000'000;
    static constexpr std::size_t kDefaultPlanCache = 1024;

    std::chrono::milliseconds timeout = kDefaultTimeout;  ///< per query; past it → Timeout
    std::size_t max_elements = kDefaultMaxElements;       ///< bound on any intermediate result
    /// Compiled plans kept by query text (0 disables). Plans hold no time: NOW and relative
    /// times are resolved at execution, so a cached plan is valid forever.
    std::size_t plan_cache_entries = kDefaultPlanCache;
    OptimizerPasses passes;
};

class Plan;

/// The Gremlin engine (spec §2). Thread-safe: run() may be called concurrently.
///
/// Usage, as POST /api/topology does:
/// ```
///   Engine engine(model::SystemClock::instance(), {});
///   auto r = engine.run("G.V().Has('Name','eth0')", live_graph);
///   if (!r) → HTTP 400 with r.error().message (+ "\n"); else body = toJson(*r)
/// ```
/// Errors: InvalidArgument for parse/validation/execution errors (message as upstream, position
/// = 1-based column when known), Unsupported for the flow steps not built yet, Timeout past
/// `timeout`, Unavailable when a bound is hit or history is missing.
class Engine {
public:
    Engine(const model::Clock& clock, EngineOptions options);
    ~Engine();

    /// `flows` answers `Flows()`; without it `Flows()` has no flow to return.
    [[nodiscard]] model::Result<QueryResult> run(std::string_view query,
                                                 const graph::GraphSource& source,
                                                 const FlowSource* flows = nullptr) const;

    /// The two halves of run(), exposed for benchmarks and tests. prepare() uses the plan cache;
    /// compileUncached() always parses and compiles.
    [[nodiscard]] model::Result<std::shared_ptr<const Plan>> prepare(std::string_view query) const;
    [[nodiscard]] model::Result<std::shared_ptr<const Plan>> compileUncached(
        std::string_view query) const;
    [[nodiscard]] model::Result<QueryResult> execute(const Plan& plan,
                                                     const graph::GraphSource& source,
                                                     const FlowSource* flows = nullptr) const;

    const EngineOptions& options() const { return options_; }

private:
    struct PlanCache;
    struct Prepared;  ///< a cached plan and, for an At template, the query's own times
    model::Result<Prepared> lookup(std::string_view query) const;
    const model::Clock& clock_;
    EngineOptions options_;
    std::unique_ptr<PlanCache> cache_;
};

}  // namespace skydive::gremlin
