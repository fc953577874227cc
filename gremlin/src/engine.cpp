#include <skydive/gremlin/engine.h>

#include <mutex>
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

namespace {

// The cached plan of another query with the same template, its Context times set from `params`;
// nullptr when they do not compile (the caller then compiles the query itself, for its error).
std::shared_ptr<const Plan> rebindContext(const Plan& cached, const std::vector<Param>& params) {
    if (cached.steps.empty() || cached.steps[0].op != Op::Context) return nullptr;
    auto at = timeFromParam(params[0]);
    if (!at) return nullptr;
    auto plan = std::make_shared<Plan>(cached);
    plan->steps[0].at = *at;
    if (params.size() == 2) {
        auto d = durationFromParam(params[1]);
        if (!d) return nullptr;
        plan->steps[0].duration = *d;
    }
    return plan;
}

}  // namespace

model::Result<std::shared_ptr<const Plan>> Engine::prepare(std::string_view query) const {
    if (options_.plan_cache_entries == 0) return compileUncached(query);
    // `G.At(t)...` is cached once for every t (AtTemplate): each plan is a copy with its times.
    auto at = splitLeadingAt(query);
    const std::string key = at ? std::move(at->key) : std::string(query);
    std::shared_ptr<const Plan> cached;
    {
        std::lock_guard lock(cache_->mutex);
        if (auto it = cache_->plans.find(key); it != cache_->plans.end()) cached = it->second;
    }
    if (cached && !at) return cached;
    if (cached) {
        if (auto plan = rebindContext(*cached, at->params)) return plan;
        return compileUncached(query);  // its own time error
    }
    auto plan = compileUncached(query);
    if (!plan) return plan;
    std::lock_guard lock(cache_->mutex);
    if (cache_->plans.size() >= options_.plan_cache_entries) cache_->plans.clear();
    cache_->plans.emplace(key, *plan);
    return plan;
}

model::Result<QueryResult> Engine::execute(const Plan& plan,
                                           const graph::GraphSource& source) const {
    Executor executor(clock_, options_, source);
    return executor.run(plan);
}

model::Result<QueryResult> Engine::run(std::string_view query,
                                       const graph::GraphSource& source) const {
    auto plan = prepare(query);
    if (!plan) return std::move(plan).error();
    return execute(**plan, source);
}

}  // namespace skydive::gremlin
