// Optimizer passes. Each is a semantic no-op, switchable off through OptimizerPasses; the
// tests run every query with each pass on and off and compare the results.
#include <string>

#include "plan/compiler.h"

namespace skydive::gremlin {

namespace {

// "index-lookup": a fused V().Has(k, v) whose term is a plain string/bool equality can be
// answered by GraphView::nodesByValue (strict typed equality; int filters compare leniently,
// so they stay scans). The view decides at run time whether `k` is indexed.
bool indexLookup(Plan& plan) {
    bool fired = false;
    for (auto& s : plan.steps) {
        if (s.op != Op::V || s.id || s.filter.any) continue;
        for (std::size_t t = 0; t < s.filter.terms.size(); ++t) {
            const auto& term = s.filter.terms[t];
            const bool plain_key =
                !term.key.empty() && term.key[0] != '@' && term.key.find('.') == std::string::npos;
            const bool strict = term.match.op == MatchOp::Eq &&
                                (term.match.value.isString() || term.match.value.isBool());
            if (!plain_key || !strict) continue;
            std::swap(s.filter.terms[0], s.filter.terms[t]);
            s.use_index = true;
            s.residual.terms.assign(s.filter.terms.begin() + 1, s.filter.terms.end());
            fired = true;
            break;
        }
    }
    return fired;
}

// "early-stop": a step with a window stops producing once the window is full.
bool earlyStop(Plan& plan) {
    bool fired = false;
    for (auto& s : plan.steps) {
        if (s.window && s.op != Op::Dedup) {
            s.stop_early = true;
            fired = true;
        }
    }
    return fired;
}

// "count-pushdown": `X.Count()` where X streams its results (scan, filter, navigation) counts
// them while producing, without materializing; the Count step is dropped.
bool countPushdown(Plan& plan) {
    if (plan.steps.size() < 2 || plan.steps.back().op != Op::Count) return false;
    auto& prev = plan.steps[plan.steps.size() - 2];
    if (prev.input == ResultKind::Flows) return false;  // flows are counted from their list
    switch (prev.op) {
        case Op::V:
        case Op::E:
        case Op::Filter:
        case Op::Adjacent:
        case Op::IncidentEdges:
        case Op::EdgeEnds: break;
        default:  // the others need their whole input or output
            return false;
    }
    prev.count_only = true;
    prev.output = ResultKind::Number;
    plan.steps.pop_back();
    return true;
}

}  // namespace

void optimize(Plan& plan, const OptimizerPasses& passes) {
    if (passes.index_lookup && indexLookup(plan)) plan.applied_passes.push_back("index-lookup");
    if (passes.early_stop && earlyStop(plan)) plan.applied_passes.push_back("early-stop");
    if (passes.count_pushdown && countPushdown(plan)) {
        plan.applied_passes.push_back("count-pushdown");
    }
}

}  // namespace skydive::gremlin
