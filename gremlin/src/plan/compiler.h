#pragma once

#include <memory>

#include <skydive/gremlin/ast.h>
#include <skydive/gremlin/engine.h>
#include <skydive/model/result.h>

#include "plan/plan.h"

namespace skydive::gremlin {

/// AST → validated plan: checks every step against the kind it is applied to and the arity and
/// type of every argument, and applies the step fusions of spec §2.3 (they are semantics).
model::Result<std::shared_ptr<Plan>> compile(const Query& query);

/// Runs the enabled optimizer passes in place and records their names in plan.applied_passes.
void optimize(Plan& plan, const OptimizerPasses& passes);

}  // namespace skydive::gremlin
