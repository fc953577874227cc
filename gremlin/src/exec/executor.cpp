#include "exec/executor.h"

#include <string>

#include "exec/sink.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;

namespace {
constexpr std::uint64_t kDeadlineCheckEvery = 1024;
}  // namespace

Executor::Executor(const model::Clock& clock, const EngineOptions& options,
                   const graph::GraphSource& source, const FlowSource* flows)
    : clock_(clock),
      options_(options),
      source_(source),
      flows_(flows),
      deadline_(Clock::now() + options.timeout) {}

bool Executor::tick() {
    if (failed()) return false;
    if (++ticks_ % kDeadlineCheckEvery == 0 && Clock::now() > deadline_) {
        return fail(makeError(
            ErrorCode::Timeout,
            "Query exceeded its deadline of " + std::to_string(options_.timeout.count()) + " ms"));
    }
    return true;
}

bool Executor::fail(model::Error e) {
    if (!failed()) error_ = std::move(e);
    return false;
}

model::Error Executor::boundError() const {
    return makeError(ErrorCode::Unavailable, "Query exceeded the bound of " +
                                                 std::to_string(options_.max_elements) +
                                                 " intermediate results");
}

model::Result<QueryResult> Executor::run(const Plan& plan) {
    cur_.kind = ResultKind::Graph;
    // `G.At(...)` binds its own view first: taking the live one too (a copy of the latest
    // image, then its release) was a quarter of a fresh-t Count (ADR 020).
    if (plan.steps.empty() || plan.steps.front().op != Op::Context) {
        cur_.graph = source_.live();
        if (!cur_.graph) return makeError(ErrorCode::Unavailable, "No graph to query");
        cur_.views.push_back(cur_.graph);
        view_ = cur_.graph.get();
    }
    for (const auto& s : plan.steps) {
        if (auto st = step(s); !st) return st.error();
        if (failed()) return error_;
        // Only the graph that is bound and the elements of the last step are kept.
    }
    return std::move(cur_);
}

model::Status Executor::step(const PlanStep& s) {
    switch (s.op) {
        case Op::Context: return context(s);
        case Op::V: return scanNodes(s);
        case Op::E: return scanEdges(s);
        case Op::Filter: return s.input == ResultKind::Flows ? flowFilter(s) : filter(s);
        case Op::Adjacent: return adjacent(s);
        case Op::IncidentEdges: return incidentEdges(s);
        case Op::EdgeEnds: return edgeEnds(s);
        case Op::Walk: return walk(s);
        case Op::SubGraph: return subGraph(s);
        case Op::ShortestPath: return shortestPath(s);
        case Op::Dedup: return s.input == ResultKind::Flows ? flowDedup(s) : dedup(s);
        case Op::Count: {
            // Metrics().Count() counts the series (nodes), not the metrics (spec §2.9).
            const auto n = s.input == ResultKind::Metrics ? cur_.value.asObject().size()
                           : s.input == ResultKind::Flows ? cur_.value.asList().size()
                           : s.input == ResultKind::Edges ? cur_.edges.size()
                                                          : cur_.nodes.size();
            cur_.kind = ResultKind::Number;
            cur_.value = model::Value(static_cast<long long>(n));
            cur_.nodes.clear();
            cur_.edges.clear();
            return {};
        }
        case Op::Values: return s.input == ResultKind::Flows ? flowValues(s) : values(s);
        case Op::ValueMap: return valueMap(s);
        case Op::Keys: return s.input == ResultKind::Flows ? flowKeys(s) : keys(s);
        case Op::Sum:
            return s.input == ResultKind::Metrics ? metricSum(s)
                   : s.input == ResultKind::Flows ? flowSum(s)
                                                  : sum(s);
        case Op::Sort: return s.input == ResultKind::Flows ? flowSort(s) : sort(s);
        case Op::Range: return range(s);
        case Op::As: aliases_[s.keys[0]] = cur_.nodes; return {};
        case Op::Select: {
            std::vector<model::NodeHandle> out;
            for (const auto& name : s.keys) {
                const auto& set = aliases_[name];
                out.insert(out.end(), set.begin(), set.end());
            }
            if (out.size() > options_.max_elements) return boundError();
            cur_.nodes = std::move(out);
            cur_.kind = ResultKind::Nodes;
            return {};
        }
        case Op::NextHop: return nextHop(s);
        case Op::Metrics: return s.input == ResultKind::Flows ? flowMetrics(s) : metrics(s);
        case Op::Aggregates: return aggregates(s);
        case Op::Flows: return flows(s);
        case Op::FlowNodes: return flowNodes(s);
        case Op::Group: return group(s);
    }
    return makeError(ErrorCode::Internal, "unknown plan step");
}

model::Status Executor::context(const PlanStep& s) {
    const model::Time now = clock_.now();
    auto resolve = [now](const TimeArg& t) -> model::Time {
        switch (t.kind) {
            case TimeArg::Kind::Absolute: return t.ms;
            case TimeArg::Kind::Relative: return now + t.ms;
            case TimeArg::Kind::Now: return now;
            case TimeArg::Kind::Forever: return 0;
        }
        return now;
    };
    const model::Time at = resolve(at_ ? *at_ : *s.at);
    const std::optional<TimeArg>& duration = at_ ? duration_ : s.duration;
    model::Result<graph::GraphViewPtr> view = graph::GraphViewPtr{};
    if (duration) {
        const model::Time from = duration->kind == TimeArg::Kind::Forever ? 0 : at - duration->ms;
        view = source_.slice(from, at);
        period_ = {from, at};
    } else {
        view = source_.at(at);
        period_ = {at, at};
    }
    if (!view) return view.error();
    cur_.graph = *view;
    cur_.views.push_back(cur_.graph);
    view_ = cur_.graph.get();
    cur_.kind = ResultKind::Graph;
    return {};
}

model::Status Executor::scanNodes(const PlanStep& s) {
    // `V().Count()` on a view that visits each node once: the view knows its size.
    if (s.count_only && !s.id && s.filter.empty() && !s.window &&
        view_->kind() != graph::ViewKind::Slice) {
        cur_.kind = ResultKind::Number;
        cur_.value = model::Value(static_cast<long long>(view_->nodeCount()));
        return {};
    }
    // `V().Has(k, v).Count()` on an indexed key: the view counts the term's posting (ADR 021).
    if (s.count_only && s.use_index && !s.id && s.residual.empty() && !s.window &&
        view_->kind() != graph::ViewKind::Slice && view_->hasIndex(s.filter.terms[0].key)) {
        cur_.kind = ResultKind::Number;
        cur_.value = model::Value(static_cast<long long>(
            view_->countByValue(s.filter.terms[0].key, s.filter.terms[0].match.value)));
        return {};
    }
    Sink<model::NodeHandle> sink(*this, s, cur_.nodes);
    auto offer = [&](model::NodeHandle n) { return s.filter.matches(n) ? sink.add(n) : tick(); };
    if (s.id) {
        bool found = false;
        view_->findNode(*s.id, [&](model::NodeHandle n) {
            found = true;
            return offer(n);
        });
        if (!found && !failed()) {
            return makeError(ErrorCode::InvalidArgument, "Node '" + *s.id + "' does not exist",
                             s.column);
        }
    } else if (s.use_index && view_->hasIndex(s.filter.terms[0].key)) {
        view_->nodesByValue(
            s.filter.terms[0].key, s.filter.terms[0].match.value,
            [&](model::NodeHandle n) { return s.residual.matches(n) ? sink.add(n) : tick(); });
    } else {
        view_->forEachNode(offer);
    }
    sink.finish(ResultKind::Nodes);
    return {};
}

model::Status Executor::scanEdges(const PlanStep& s) {
    Sink<const model::Edge*> sink(*this, s, cur_.edges);
    auto offer = [&](const model::Edge& e) { return s.filter.matches(e) ? sink.add(&e) : tick(); };
    if (s.id) {
        bool found = false;
        view_->findEdge(*s.id, [&](const model::Edge& e) {
            found = true;
            return offer(e);
        });
        if (!found && !failed()) {
            return makeError(ErrorCode::InvalidArgument, "Edge '" + *s.id + "' does not exist",
                             s.column);
        }
    } else {
        view_->forEachEdge(offer);
    }
    sink.finish(ResultKind::Edges);
    return {};
}

model::Status Executor::filter(const PlanStep& s) {
    switch (s.input) {
        case ResultKind::Nodes: {
            const auto in = std::move(cur_.nodes);
            Sink<model::NodeHandle> sink(*this, s, cur_.nodes);
            for (const model::NodeHandle n : in) {
                if (s.filter.matches(n) && !sink.add(n)) break;
            }
            sink.finish(ResultKind::Nodes);
            return {};
        }
        case ResultKind::Edges: {
            const auto in = std::move(cur_.edges);
            Sink<const model::Edge*> sink(*this, s, cur_.edges);
            for (const auto* e : in) {
                if (s.filter.matches(*e) && !sink.add(e)) break;
            }
            sink.finish(ResultKind::Edges);
            return {};
        }
        case ResultKind::Values: {
            model::List kept;
            if (cur_.value.isList()) {
                for (const auto& v : cur_.value.asList()) {
                    if (s.filter.matchesValue(v)) kept.push_back(v);
                }
            }
            cur_.value = kept.empty() ? model::Value() : model::Value(std::move(kept));
            return {};
        }
        case ResultKind::Graph:
        case ResultKind::Number:
        case ResultKind::Paths:
        case ResultKind::NextHops:
        case ResultKind::Metrics:
        case ResultKind::Flows:
        case ResultKind::Groups: break;
    }
    return makeError(ErrorCode::Internal, "Has on an unexpected input", s.column);
}

model::Status Executor::range(const PlanStep& s) {
    auto slice = [&](auto& v) {
        const auto size = static_cast<std::int64_t>(v.size());
        const auto from = std::min(s.window->from, size);
        const auto to = std::max(from, std::min(s.window->to, size));
        v.erase(v.begin() + to, v.end());
        v.erase(v.begin(), v.begin() + from);
    };
    if (s.input == ResultKind::Flows) {
        if (cur_.value.isList()) slice(cur_.value.mutableList());
    } else if (s.input == ResultKind::Edges) {
        slice(cur_.edges);
    } else {
        slice(cur_.nodes);
    }
    return {};
}

}  // namespace skydive::gremlin
