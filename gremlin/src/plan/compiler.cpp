#include "plan/compiler.h"

#include <limits>
#include <set>
#include <string>

#include "plan/compile_args.h"
#include "plan/ipv4.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;

namespace {

bool isFlowStep(StepKind k) {
    switch (k) {
        case StepKind::Sockets:
        case StepKind::RawPackets:
        case StepKind::Bpf:
        case StepKind::Workflow: return true;
        default:  // every other step is handled by the compiler
            return false;
    }
}

// Steps that take a following Range/Limit as their own pagination window (spec §2.3).
bool absorbsWindow(StepKind k) {
    switch (k) {
        case StepKind::V:
        case StepKind::E:
        case StepKind::Has:
        case StepKind::HasKey:
        case StepKind::HasNot:
        case StepKind::HasEither:
        case StepKind::Dedup:
        case StepKind::Out:
        case StepKind::In:
        case StepKind::Both:
        case StepKind::OutE:
        case StepKind::InE:
        case StepKind::BothE:
        case StepKind::OutV:
        case StepKind::InV:
        case StepKind::BothV: return true;
        default:  // the rest leave Range/Limit as a step of its own
            return false;
    }
}

bool isWindow(StepKind k) {
    return k == StepKind::Range || k == StepKind::Limit;
}

model::Result<Window> windowOf(const Step& s) {
    Window w;
    if (s.kind == StepKind::Limit) {
        if (s.params.size() != 1) return stepError(s, "Limit accepts exactly one parameter");
        auto n = intArg(s, 0);
        if (!n) return n.error();
        w.to = *n;
        return w;
    }
    if (s.params.size() != 2) return stepError(s, "Range accepts exactly two parameters");
    auto a = intArg(s, 0);
    if (!a) return a.error();
    auto b = intArg(s, 1);
    if (!b) return b.error();
    w.from = *a;
    w.to = *b;
    return w;
}

// Flow field names: the layer aliases of spec §3.4 resolve to the JSON layers.
std::string flowKey(const std::string& key) {
    static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
        {"ETHERNET.", "Link."}, {"IPV4.", "Network."},  {"IPV6.", "Network."},
        {"TCP.", "Transport."}, {"UDP.", "Transport."}, {"SCTP.", "Transport."}};
    for (const auto& [alias, layer] : kAliases) {
        if (key.starts_with(alias)) return std::string(layer) + key.substr(alias.size());
    }
    return key;
}

void aliasFlowKeys(Filter& f) {
    for (auto& t : f.terms) t.key = flowKey(t.key);
}

model::Error invalidStep(const Step& s, ResultKind on) {
    return makeError(ErrorCode::InvalidArgument,
                     "Invalid step '" + std::string(stepName(s.kind)) + "' on '" +
                         std::string(resultKindName(on)) + "'",
                     s.column);
}

class Compiler {
public:
    explicit Compiler(const Query& q) : q_(q) {}

    model::Result<std::shared_ptr<Plan>> run() {
        auto plan = std::make_shared<Plan>();
        for (i_ = 0; i_ < q_.steps.size(); ++i_) {
            const Step& s = q_.steps[i_];
            if (isFlowStep(s.kind)) {
                return makeError(ErrorCode::Unsupported,
                                 "'" + std::string(stepName(s.kind)) +
                                     "' is not supported yet (flow and metric steps)",
                                 s.column);
            }
            PlanStep p;
            p.step = s.kind;
            p.column = s.column;
            p.input = kind_;
            if (auto st = compileStep(s, p); !st) return st.error();
            kind_ = p.output;
            // Pagination fusion (spec §2.3): absorbed as a window, or swallowed after As/Select.
            // Flow steps leave Range/Limit as a step of their own on the flows or nodes.
            const bool flow_step = p.input == ResultKind::Flows || p.op == Op::Flows;
            if (next() && isWindow(next()->kind) && !flow_step) {
                if (absorbsWindow(s.kind)) {
                    auto w = windowOf(*next());
                    if (!w) return w.error();
                    p.window = *w;
                    ++i_;
                } else if (s.kind == StepKind::As || s.kind == StepKind::Select) {
                    if (auto w = windowOf(*next()); !w) return w.error();
                    ++i_;
                }
            }
            plan->steps.push_back(std::move(p));
        }
        return plan;
    }

private:
    const Step* next() const { return i_ + 1 < q_.steps.size() ? &q_.steps[i_ + 1] : nullptr; }

    // A bare neighbour step absorbs a following Has of any arity as its filter; a bare V()/E()
    // absorbs a Has with at least two parameters.
    model::Status fuseHas(const Step& s, PlanStep& p, std::size_t min_params) {
        if (!s.params.empty() || !next() || next()->kind != StepKind::Has ||
            next()->params.size() < min_params)
            return {};
        auto f = kvFilter(*next(), next()->params, false, true);
        if (!f) return f.error();
        p.filter = std::move(*f);
        ++i_;
        return {};
    }

    model::Status expect(const Step& s, std::initializer_list<ResultKind> kinds) {
        for (auto k : kinds) {
            if (k == kind_) return {};
        }
        return invalidStep(s, kind_);
    }

    model::Status compileStep(const Step& s, PlanStep& p) {
        using RK = ResultKind;
        const auto n = s.params.size();
        switch (s.kind) {
            case StepKind::Context:
            case StepKind::At: return compileContext(s, p);
            case StepKind::V:
            case StepKind::E: {
                if (auto st = expect(s, {RK::Graph}); !st) return st;
                if (n > 1) {
                    return stepError(
                        s, std::string(stepName(s.kind)) + " accepts at most one parameter");
                }
                p.op = s.kind == StepKind::V ? Op::V : Op::E;
                p.output = s.kind == StepKind::V ? RK::Nodes : RK::Edges;
                if (n == 1) {
                    auto id = stringArg(s, 0);
                    if (!id) return id.error();
                    p.id = *id;
                }
                return fuseHas(s, p, 2);
            }
            case StepKind::Has:
            case StepKind::HasEither: {
                const bool either = s.kind == StepKind::HasEither;
                if (auto st = either ? expect(s, {RK::Nodes, RK::Edges, RK::Flows})
                                     : expect(s, {RK::Nodes, RK::Edges, RK::Values, RK::Flows});
                    !st)
                    return st;
                if (n == 0) return stepError(s, "Has requires at least one parameter");
                auto f = kvFilter(s, s.params, either, !either);
                if (!f) return f.error();
                if (kind_ == RK::Flows) aliasFlowKeys(*f);
                p.op = Op::Filter;
                p.filter = std::move(*f);
                p.output = kind_;
                return {};
            }
            case StepKind::HasKey:
            case StepKind::HasNot: {
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Flows}); !st) return st;
                if (n != 1) {
                    return stepError(
                        s, std::string(stepName(s.kind)) + " accepts exactly one parameter");
                }
                auto key = stringArg(s, 0);
                if (!key) return key.error();
                Match m;
                m.op = s.kind == StepKind::HasKey ? MatchOp::Exists : MatchOp::Missing;
                p.op = Op::Filter;
                p.filter.terms.push_back(Term{kind_ == RK::Flows ? flowKey(*key) : *key, m});
                p.output = kind_;
                return {};
            }
            case StepKind::Out:
            case StepKind::In:
            case StepKind::Both:
                if (kind_ == RK::Flows) return compileFlowNodes(s, p);
                [[fallthrough]];
            case StepKind::OutE:
            case StepKind::InE:
            case StepKind::BothE:
            case StepKind::OutV:
            case StepKind::InV:
            case StepKind::BothV: {
                const bool from_edges = s.kind == StepKind::OutV || s.kind == StepKind::InV ||
                                        s.kind == StepKind::BothV;
                if (auto st = expect(s, {from_edges ? RK::Edges : RK::Nodes}); !st) return st;
                auto f = kvFilter(s, s.params, false, false);
                if (!f) return f.error();
                p.filter = std::move(*f);
                switch (s.kind) {
                    case StepKind::Out:
                    case StepKind::OutE:
                    case StepKind::OutV: p.direction = Direction::Out; break;
                    case StepKind::In:
                    case StepKind::InE:
                    case StepKind::InV: p.direction = Direction::In; break;
                    default:  // Both, BothE, BothV
                        p.direction = Direction::Both;
                        break;
                }
                const bool to_edges = s.kind == StepKind::OutE || s.kind == StepKind::InE ||
                                      s.kind == StepKind::BothE;
                p.op = from_edges ? Op::EdgeEnds : (to_edges ? Op::IncidentEdges : Op::Adjacent);
                p.output = to_edges ? RK::Edges : RK::Nodes;
                return fuseHas(s, p, 1);
            }
            case StepKind::Dedup:
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Values, RK::Paths, RK::Flows});
                    !st)
                    return st;
                for (std::size_t k = 0; k < n; ++k) {
                    auto key = stringArg(s, k);
                    if (!key) return key.error();
                    p.keys.push_back(kind_ == RK::Flows ? flowKey(*key) : *key);
                }
                if (kind_ == RK::Flows && p.keys.empty()) p.keys.push_back("TrackingID");
                p.op = Op::Dedup;
                p.output = kind_;
                return {};
            case StepKind::Count:
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Metrics, RK::Flows}); !st)
                    return st;
                if (n != 0) return stepError(s, "Count accepts no parameter");
                p.op = Op::Count;
                p.output = RK::Number;
                return {};
            case StepKind::Metrics: return compileMetrics(s, p);
            case StepKind::Flows: return compileFlows(s, p);
            case StepKind::CaptureNode:
            case StepKind::Hops:
            case StepKind::Nodes: return compileFlowNodes(s, p);
            case StepKind::Group:
            case StepKind::MoreThan: return compileGroup(s, p);
            case StepKind::Aggregates: return compileAggregates(s, p);
            case StepKind::Sum:
                if (kind_ == RK::Metrics) return compileMetricSum(s, p);
                [[fallthrough]];
            case StepKind::Values: {
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Flows}); !st) return st;
                if (n != 1) {
                    return stepError(
                        s, std::string(stepName(s.kind)) + " accepts exactly one parameter");
                }
                auto key = stringArg(s, 0);
                if (!key) return key.error();
                if (kind_ == RK::Flows && s.kind == StepKind::Sum && !key->starts_with("Metric.") &&
                    !key->starts_with("LastUpdateMetric.")) {
                    return stepError(s,
                                     "Sum on flows needs a 'Metric.' or 'LastUpdateMetric.' key");
                }
                p.keys.push_back(kind_ == RK::Flows ? flowKey(*key) : *key);
                p.op = s.kind == StepKind::Values ? Op::Values : Op::Sum;
                p.output = s.kind == StepKind::Values ? RK::Values : RK::Number;
                return {};
            }
            case StepKind::ValueMap:
                if (auto st = expect(s, {RK::Nodes, RK::Edges}); !st) return st;
                if (n == 0) return stepError(s, "ValueMap requires at least one key");
                for (std::size_t k = 0; k < n; ++k) {
                    auto key = stringArg(s, k);
                    if (!key) return key.error();
                    p.keys.push_back(*key);
                }
                p.op = Op::ValueMap;
                p.output = RK::Values;
                return {};
            case StepKind::Keys:
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Flows}); !st) return st;
                if (n != 0) return stepError(s, "Keys accepts no parameter");
                p.op = Op::Keys;
                p.output = RK::Values;
                return {};
            case StepKind::Sort: return compileSort(s, p);
            case StepKind::Range:
            case StepKind::Limit: {
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Flows}); !st) return st;
                auto w = windowOf(s);
                if (!w) return w.error();
                p.op = Op::Range;
                p.window = *w;
                p.output = kind_;
                return {};
            }
            case StepKind::ShortestPathTo: return compileShortestPath(s, p);
            case StepKind::SubGraph: {
                if (auto st = expect(s, {RK::Nodes, RK::Edges, RK::Paths}); !st) return st;
                auto f = kvFilter(s, s.params, false, false);
                if (!f) return f.error();
                p.op = Op::SubGraph;
                p.edge_filter = std::move(*f);
                p.output = RK::Graph;
                return {};
            }
            case StepKind::As:
            case StepKind::Select: {
                if (auto st = expect(s, {RK::Nodes}); !st) return st;
                const bool as = s.kind == StepKind::As;
                if (as ? n != 1 : n == 0) {
                    return stepError(s, as ? "As accepts exactly one parameter"
                                           : "Select requires at least one name");
                }
                for (std::size_t k = 0; k < n; ++k) {
                    auto key = stringArg(s, k);
                    if (!key) return key.error();
                    if (!as && !aliases_.contains(*key)) {
                        return argError(s, k, "unknown alias '" + *key + "'");
                    }
                    if (as) aliases_.insert(*key);
                    p.keys.push_back(*key);
                }
                p.op = as ? Op::As : Op::Select;
                p.output = RK::Nodes;
                return {};
            }
            case StepKind::Descendants:
            case StepKind::Ascendants:
            case StepKind::Neighbors: return compileWalk(s, p);
            case StepKind::NextHop: {
                if (auto st = expect(s, {RK::Nodes}); !st) return st;
                if (n != 1) return stepError(s, "NextHop accepts one parameter");
                if (s.params[0].kind != ParamKind::String) {
                    return stepError(s, "NextHop parameter have to be a string");
                }
                if (!parseIpv4(s.params[0].text, false)) {
                    return stepError(s, "NextHop parameter have to be a valid IP address");
                }
                p.ip = s.params[0].text;
                p.op = Op::NextHop;
                p.output = RK::NextHops;
                return {};
            }
            default:  // flow steps were rejected before
                return makeError(ErrorCode::Unsupported,
                                 "'" + std::string(stepName(s.kind)) + "' is not supported",
                                 s.column);
        }
    }

    model::Status compileContext(const Step& s, PlanStep& p) {
        if (i_ != 0 || kind_ != ResultKind::Graph) return invalidStep(s, kind_);
        if (s.params.empty()) {
            return stepError(s, "At least one parameter must be provided to 'Context'");
        }
        if (s.params.size() > 2) {
            return stepError(s, "At most two parameters must be provided to 'Context'");
        }
        auto at = timeFromParam(s.params[0]);
        if (!at) return at.error();
        p.at = *at;
        if (s.params.size() == 2) {
            auto d = durationFromParam(s.params[1]);
            if (!d) return d.error();
            p.duration = *d;
        }
        p.op = Op::Context;
        p.output = ResultKind::Graph;
        return {};
    }

    // Descendants/Ascendants/Neighbors([k, v, ...][, depth]) (spec §2.5).
    model::Status compileWalk(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Nodes}); !st) return st;
        std::vector<Param> kv = s.params;
        if (kv.size() % 2 == 1) {
            if (kv.back().kind != ParamKind::Int) {
                return stepError(s, std::string(stepName(s.kind)) +
                                        " last argument must be the maximum depth specified as "
                                        "an integer");
            }
            p.depth = kv.back().integer;
            kv.pop_back();
        }
        if (kv.empty()) {
            Match m;
            m.op = MatchOp::Eq;
            m.value = model::Value("ownership");
            p.edge_filter.terms.push_back(Term{"RelationType", m});
            p.edge_filter.any = true;
        } else {
            auto f = kvFilter(s, kv, true, false);
            if (!f) return f.error();
            p.edge_filter = std::move(*f);
        }
        p.op = Op::Walk;
        p.direction = s.kind == StepKind::Descendants  ? Direction::Out
                      : s.kind == StepKind::Ascendants ? Direction::In
                                                       : Direction::Both;
        p.output = ResultKind::Nodes;
        return {};
    }

    model::Status compileShortestPath(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Nodes}); !st) return st;
        if (s.params.empty() || s.params.size() > 2) {
            return stepError(s, "ShortestPathTo accepts one or two Metadata(...) parameters");
        }
        for (std::size_t k = 0; k < s.params.size(); ++k) {
            const Param& m = s.params[k];
            if (m.kind != ParamKind::Predicate || m.predicate != PredicateKind::Metadata) {
                return argError(s, k, "must be Metadata(key, value, ...)");
            }
            Step inner{s.kind, m.args, m.column};
            auto f = kvFilter(inner, m.args, false, false);
            if (!f) return f.error();
            (k == 0 ? p.filter : p.edge_filter) = std::move(*f);
        }
        p.op = Op::ShortestPath;
        p.output = ResultKind::Paths;
        return {};
    }

    // Metrics([SFlow|Ovs]) on nodes: the metric object under LastUpdateMetric (spec §3.6).
    model::Status compileMetrics(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Nodes, ResultKind::Flows}); !st) return st;
        if (s.params.size() > 1) return stepError(s, "Metrics accepts at most one parameter");
        std::string key = "LastUpdateMetric";
        if (s.params.size() == 1) {
            auto k = stringArg(s, 0);
            if (!k) return k.error();
            if (*k != "SFlow" && *k != "Ovs") {
                return stepError(s, "Metric field unknown: '" + *k +
                                        "' (Metrics accepts no parameter, 'SFlow' or 'Ovs')");
            }
            key = *k + ".LastUpdateMetric";
        }
        p.keys.push_back(std::move(key));
        p.op = Op::Metrics;
        p.output = ResultKind::Metrics;
        return {};
    }

    // Flows(k, v, ...) on G or after nodes (spec §3.4). `Network`, `Link` and `Transport` alone
    // match either end of that layer.
    model::Status compileFlows(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Graph, ResultKind::Nodes}); !st) return st;
        const auto n = s.params.size();
        if (n == 1) return stepError(s, "At least two parameters must be provided");
        if (n % 2 == 1) return stepError(s, "slice must be defined by pair k,v");
        for (std::size_t k = 0; k < n; k += 2) {
            auto f = kvFilter(s, {s.params[k], s.params[k + 1]}, false, false);
            if (!f) return f.error();
            const std::string key = f->terms[0].key;
            if (key == "Network" || key == "Link" || key == "Transport") {
                Term b = f->terms[0];
                f->terms[0].key = key + ".A";
                b.key = key + ".B";
                f->terms.push_back(std::move(b));
                f->any = true;
            } else {
                aliasFlowKeys(*f);
            }
            p.flow_filters.push_back(std::move(*f));
        }
        p.op = Op::Flows;
        p.output = ResultKind::Flows;
        return {};
    }

    // The nodes of each flow: capture node (TID), A end, B end (MAC or PeerIntfMAC), or all
    // three for Nodes(); an optional k/v filter on them.
    model::Status compileFlowNodes(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Flows}); !st) return st;
        auto f = kvFilter(s, s.params, false, false);
        if (!f) return f.error();
        p.filter = std::move(*f);
        switch (s.kind) {
            case StepKind::In: p.flow_end = FlowEnd::A; break;
            case StepKind::Out: p.flow_end = FlowEnd::B; break;
            case StepKind::Both: p.flow_end = FlowEnd::Both; break;
            case StepKind::Nodes: p.flow_end = FlowEnd::All; break;
            default:  // CaptureNode, Hops
                p.flow_end = FlowEnd::Capture;
                break;
        }
        p.op = Op::FlowNodes;
        p.output = ResultKind::Nodes;
        return {};
    }

    // Group([k]): flows by k (TrackingID by default). MoreThan(n): the groups of more than one
    // flow — n is ignored, as upstream does.
    model::Status compileGroup(const Step& s, PlanStep& p) {
        const bool more = s.kind == StepKind::MoreThan;
        if (auto st = expect(s, {more ? ResultKind::Groups : ResultKind::Flows}); !st) return st;
        if (s.params.size() > 1) {
            return stepError(s, std::string(stepName(s.kind)) + " accepts at most one parameter");
        }
        if (!more) {
            std::string key = "TrackingID";
            if (s.params.size() == 1) {
                auto k = stringArg(s, 0);
                if (!k) return k.error();
                key = flowKey(*k);
            }
            p.keys.push_back(std::move(key));
        }
        p.more_than = more;
        p.op = Op::Group;
        p.output = ResultKind::Groups;
        return {};
    }

    // Aggregates([seconds]): 30 s slices by default.
    model::Status compileAggregates(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Metrics}); !st) return st;
        if (s.params.size() > 1) return stepError(s, "Aggregates accepts at most one parameter");
        p.slice_ms = 30000;
        if (s.params.size() == 1) {
            const Param& a = s.params[0];
            if (a.kind != ParamKind::Int || a.integer <= 0 ||
                a.integer > std::numeric_limits<std::int64_t>::max() / 1000) {
                return stepError(s, "Aggregates parameter has to be a positive number");
            }
            p.slice_ms = a.integer * 1000;
        }
        p.op = Op::Aggregates;
        p.output = ResultKind::Metrics;
        return {};
    }

    // Sum() on metrics: one metric summing them all; Sum('Field'): that counter's total.
    model::Status compileMetricSum(const Step& s, PlanStep& p) {
        if (s.params.size() > 1) return stepError(s, "Sum requires 1 parameter");
        if (s.params.size() == 1) {
            auto key = stringArg(s, 0);
            if (!key) return key.error();
            p.keys.push_back(*key);
        }
        p.op = Op::Sum;
        p.output = s.params.empty() ? ResultKind::Values : ResultKind::Number;
        return {};
    }

    model::Status compileSort(const Step& s, PlanStep& p) {
        if (auto st = expect(s, {ResultKind::Nodes, ResultKind::Edges, ResultKind::Flows}); !st)
            return st;
        const auto n = s.params.size();
        // Upstream's default key is CreatedAt looked up in Metadata, so Sort() is a no-op; flows
        // sort by Last.
        std::string key = kind_ == ResultKind::Flows ? "Last" : "CreatedAt";
        if (n == 1) {
            auto k = stringArg(s, 0);
            if (!k) return k.error();
            key = *k;
        } else if (n == 2) {
            const Param& order = s.params[0];
            if (order.kind != ParamKind::Keyword ||
                (order.keyword != Keyword::Asc && order.keyword != Keyword::Desc)) {
                return argError(s, 0, "must be ASC or DESC");
            }
            p.descending = order.keyword == Keyword::Desc;
            auto k = stringArg(s, 1);
            if (!k) return k.error();
            key = *k;
        } else if (n > 2) {
            return stepError(s, "Sort accepts at most two parameters");
        }
        p.keys.push_back(kind_ == ResultKind::Flows ? flowKey(key) : key);
        p.op = Op::Sort;
        p.output = kind_;
        return {};
    }

    std::set<std::string> aliases_;

    const Query& q_;
    std::size_t i_ = 0;
    ResultKind kind_ = ResultKind::Graph;
};

}  // namespace

model::Result<std::shared_ptr<Plan>> compile(const Query& query) {
    return Compiler(query).run();
}

}  // namespace skydive::gremlin
