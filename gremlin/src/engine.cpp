#include <skydive/gremlin/engine.h>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "exec/executor.h"
#include "front/at_template.h"
#include "plan/compiler.h"

namespace skydive::gremlin {

// Bounded map from query text to plan; when full it is emptied (queries repeat in bursts:
// UI polling, subscriptions, alerts), which keeps it simple and its memory bounded.
struct Engine::PlanCache {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const Plan>> plans;
};

Engine::Engine(const model::Clock& clock, EngineOptions options)
    : clock_(clock), options_(options), cache_(std::make_unique<PlanCache>()) {}

Engine::~Engine() = default;

model::Result<std::shared_ptr<const Plan>> Engine::compileUncached(std::string_view query) const {
    auto ast = parse(query);
    if (!ast) return std::move(ast).error();
    auto plan = compile(*ast);
    if (!plan) return std::move(plan).error();
    optimize(**plan, options_.passes);
    return std::shared_ptr<const Plan>(std::move(*plan));
}

struct Engine::Prepared {
    std::shared_ptr<const Plan> plan;
    std::optional<TimeArg> at, duration;  ///< set: replace the plan's Context times
};

// `G.At(t)...` is cached once for every t (AtTemplate); the query's own times come with it.
// Time arguments that do not compile take the uncached path, which reports their error.
model::Result<Engine::Prepared> Engine::lookup(std::string_view query) const {
    auto fresh = [&]() -> model::Result<Prepared> {
        auto plan = compileUncached(query);
        if (!plan) return std::move(plan).error();
        return Prepared{std::move(*plan), std::nullopt, std::nullopt};
    };
    if (options_.plan_cache_entries == 0) return fresh();
    auto at = splitLeadingAt(query);
    const std::string key = at ? std::move(at->key) : std::string(query);
    std::shared_ptr<const Plan> cached;
    {
        std::lock_guard lock(cache_->mutex);
        if (auto it = cache_->plans.find(key); it != cache_->plans.end()) cached = it->second;
    }
    if (cached && !at) return Prepared{std::move(cached), std::nullopt, std::nullopt};
    if (cached) {
        if (cached->steps.empty() || cached->steps[0].op != Op::Context) return fresh();
        Prepared p{std::move(cached), std::nullopt, std::nullopt};
        auto moment = timeFromParam(at->params[0]);
        if (!moment) return fresh();
        p.at = *moment;
        if (at->params.size() == 2) {
            auto d = durationFromParam(at->params[1]);
            if (!d) return fresh();
            p.duration = *d;
        }
        return p;
    }
    auto p = fresh();
    if (!p) return p;
    std::lock_guard lock(cache_->mutex);
    if (cache_->plans.size() >= options_.plan_cache_entries) cache_->plans.clear();
    cache_->plans.emplace(key, p->plan);
    return p;
}

model::Result<std::shared_ptr<const Plan>> Engine::prepare(std::string_view query) const {
    auto p = lookup(query);
    if (!p) return std::move(p).error();
    if (!p->at) return std::move(p->plan);
    auto plan = std::make_shared<Plan>(*p->plan);  // a plan of its own with the query's times
    plan->steps[0].at = p->at;
    if (p->duration) plan->steps[0].duration = p->duration;
    return std::shared_ptr<const Plan>(std::move(plan));
}

model::Result<QueryResult> Engine::execute(const Plan& plan, const graph::GraphSource& source,
                                           const FlowSource* flows) const {
    Executor executor(clock_, options_, source, flows);
    return executor.run(plan);
}

model::Result<QueryResult> Engine::run(std::string_view query, const graph::GraphSource& source,
                                       const FlowSource* flows) const {
    auto p = lookup(query);
    if (!p) return std::move(p).error();
    Executor executor(clock_, options_, source, flows);
    if (p->at) executor.bindContext(*p->at, p->duration);
    return executor.run(*p->plan);
}

}  // namespace skydive::gremlin
