#include <skydive/gremlin/engine.h>

#include "exec/executor.h"
#include "plan/compiler.h"

namespace skydive::gremlin {

Engine::Engine(const model::Clock& clock, EngineOptions options)
    : clock_(clock), options_(options) {}

Engine::~Engine() = default;

model::Result<std::shared_ptr<const Plan>> Engine::prepare(std::string_view query) const {
    auto ast = parse(query);
    if (!ast) return std::move(ast).error();
    auto plan = compile(*ast);
    if (!plan) return std::move(plan).error();
    optimize(**plan, options_.passes);
    return std::shared_ptr<const Plan>(std::move(*plan));
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
