// Flow steps (spec §3.4): Flows() from the FlowSource, then filters, dedup, sort, windows,
// values, sums, metrics, groups and the nodes of each flow. Flows are JSON objects (spec §3.1)
// held in QueryResult::value.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <skydive/gremlin/flows.h>
#include <skydive/model/json.h>

#include "exec/executor.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;
using model::Value;

namespace {

const model::List& flowList(const Value& v) {
    static const model::List kEmpty;
    return v.isList() ? v.asList() : kEmpty;
}

std::string textOf(const Value& v) {
    return v.isString() ? std::string(v.asString()) : model::toJson(v);
}

std::string uuidOf(const Value& flow) {
    const auto u = flow.path("UUID");
    return u && u->isString() ? std::string(u->asString()) : std::string();
}

// Numbers before strings; numbers by value, strings by bytes; a missing field reads as 0.
struct FlowSortKey {
    bool is_string = false;
    double number = 0;
    std::string text;
    bool operator<(const FlowSortKey& o) const {
        if (is_string != o.is_string) return !is_string;
        return is_string ? text < o.text : number < o.number;
    }
};

FlowSortKey sortKeyOf(const Value& flow, const std::string& key) {
    FlowSortKey k;
    const auto v = flow.path(key);
    if (!v) return k;
    if (v->isInt()) {
        k.number = static_cast<double>(v->asInt());
    } else if (v->isDouble()) {
        k.number = v->asDouble();
    } else {
        k.is_string = true;
        k.text = textOf(*v);
    }
    return k;
}

std::string stringField(model::NodeHandle n, std::string_view key) {
    const model::FieldValue f = n.field(key);
    return f.isString() ? std::string(f.asString()) : std::string();
}

}  // namespace

bool isCapturableType(std::string_view type) {
    static constexpr std::array<std::string_view, 29> kTypes = {
        "ovsbridge", "ovsport", "dpdkport",  "internal", "veth",  "tun",     "bridge",  "dummy",
        "gre",       "bond",    "can",       "hsr",      "ifb",   "macvlan", "macvtap", "vlan",
        "vxlan",     "gretap",  "ip6gretap", "geneve",   "ipoib", "vcan",    "ipip",    "ipvlan",
        "lowpan",    "ip6tnl",  "ip6gre",    "sit",      "device"};
    return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

// Flows() on G: every flow of the source; after nodes: those captured on the capturable ones.
model::Status Executor::flows(const PlanStep& s) {
    std::unordered_set<std::string> tids;
    const bool after_nodes = s.input == ResultKind::Nodes;
    if (after_nodes) {
        for (const model::NodeHandle n : cur_.nodes) {
            if (!isCapturableType(stringField(n, "Type"))) continue;
            if (auto tid = stringField(n, "TID"); !tid.empty()) tids.insert(std::move(tid));
        }
    }
    model::List out;
    if (flows_ != nullptr && (!after_nodes || !tids.empty())) {
        flows_->forEachFlow([&](const Value& flow) {
            if (!tick()) return false;
            if (after_nodes) {
                const auto tid = flow.path("NodeTID");
                if (!tid || !tid->isString() || !tids.contains(std::string(tid->asString()))) {
                    return true;
                }
            }
            for (const auto& f : s.flow_filters) {
                if (!f.matchesValue(flow)) return true;
            }
            if (out.size() >= options_.max_elements) return fail(boundError());
            out.push_back(flow);
            return true;
        });
    }
    if (failed()) return error_;
    cur_.nodes.clear();
    cur_.value = Value(std::move(out));
    cur_.kind = ResultKind::Flows;
    return {};
}

model::Status Executor::flowFilter(const PlanStep& s) {
    model::List kept;
    for (const auto& flow : flowList(cur_.value)) {
        if (s.filter.matchesValue(flow)) kept.push_back(flow);
    }
    cur_.value = Value(std::move(kept));
    return {};
}

model::Status Executor::flowSort(const PlanStep& s) {
    std::vector<std::pair<FlowSortKey, const Value*>> keyed;
    const auto& in = flowList(cur_.value);
    keyed.reserve(in.size());
    for (const auto& flow : in) keyed.emplace_back(sortKeyOf(flow, s.keys[0]), &flow);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        return s.descending ? b.first < a.first : a.first < b.first;
    });
    model::List out;
    out.reserve(keyed.size());
    for (const auto& [key, flow] : keyed) out.push_back(*flow);
    cur_.value = Value(std::move(out));
    return {};
}

model::Status Executor::flowValues(const PlanStep& s) {
    model::List out;
    for (const auto& flow : flowList(cur_.value)) {
        auto v = flow.path(s.keys[0]);
        if (!v) {
            return makeError(ErrorCode::InvalidArgument,
                             "Values: flow '" + uuidOf(flow) + "' has no field '" + s.keys[0] + "'",
                             s.column);
        }
        out.push_back(std::move(*v));
    }
    cur_.value = out.empty() ? Value() : Value(std::move(out));
    cur_.kind = ResultKind::Values;
    return {};
}

// A float, as upstream's flow Sum.
model::Status Executor::flowSum(const PlanStep& s) {
    double total = 0;
    for (const auto& flow : flowList(cur_.value)) {
        const auto v = flow.path(s.keys[0]);
        if (!v) continue;
        if (v->isInt()) total += static_cast<double>(v->asInt());
        if (v->isDouble()) total += v->asDouble();
    }
    cur_.value = Value(total);
    cur_.kind = ResultKind::Number;
    return {};
}

// The first node (in the view's order) carrying each TID / MAC, found in one scan of the graph.
model::Status Executor::flowNodes(const PlanStep& s) {
    std::unordered_map<std::string, model::NodeHandle> by_tid, by_mac, by_mac_or_peer;
    view_->forEachNode([&](model::NodeHandle n) {
        if (auto tid = stringField(n, "TID"); !tid.empty()) by_tid.try_emplace(std::move(tid), n);
        if (auto mac = stringField(n, "MAC"); !mac.empty()) {
            by_mac.try_emplace(mac, n);
            by_mac_or_peer.try_emplace(std::move(mac), n);
        }
        if (auto peer = stringField(n, "PeerIntfMAC"); !peer.empty()) {
            by_mac_or_peer.try_emplace(std::move(peer), n);
        }
        return tick();
    });
    if (failed()) return error_;
    std::vector<model::NodeHandle> out;
    auto add = [&](const std::unordered_map<std::string, model::NodeHandle>& index,
                   const Value& flow, std::string_view field) {
        const auto v = flow.path(field);
        if (!v || !v->isString()) return;
        auto it = index.find(std::string(v->asString()));
        if (it != index.end() && s.filter.matches(it->second)) out.push_back(it->second);
    };
    for (const auto& flow : flowList(cur_.value)) {
        switch (s.flow_end) {
            case FlowEnd::Capture: add(by_tid, flow, "NodeTID"); break;
            case FlowEnd::A: add(by_mac_or_peer, flow, "Link.A"); break;
            case FlowEnd::B: add(by_mac_or_peer, flow, "Link.B"); break;
            case FlowEnd::Both:
                add(by_mac_or_peer, flow, "Link.A");
                add(by_mac_or_peer, flow, "Link.B");
                break;
            case FlowEnd::All:
                add(by_tid, flow, "NodeTID");
                add(by_mac, flow, "Link.A");
                add(by_mac, flow, "Link.B");
                break;
        }
    }
    if (out.size() > options_.max_elements) return boundError();
    cur_.nodes = std::move(out);
    cur_.value = Value();
    cur_.kind = ResultKind::Nodes;
    return {};
}

// Per flow UUID its LastUpdateMetric, or its Metric when it was never updated.
model::Status Executor::flowMetrics(const PlanStep&) {
    std::map<std::string, model::List> series;
    for (const auto& flow : flowList(cur_.value)) {
        auto m = flow.path("LastUpdateMetric");
        if (!m || !m->isObject()) m = flow.path("Metric");
        if (!m || !m->isObject()) continue;
        series[uuidOf(flow)].push_back(std::move(*m));
    }
    Value out = Value::object();
    for (auto& [uuid, list] : series) out.mutableObject().set(uuid, Value(std::move(list)));
    cur_.value = std::move(out);
    cur_.kind = ResultKind::Metrics;
    return {};
}

model::Status Executor::group(const PlanStep& s) {
    Value out = Value::object();
    if (s.more_than) {
        for (const auto& [key, flows] : cur_.value.asObject()) {
            if (flows.isList() && flows.asList().size() > 1) out.mutableObject().set(key, flows);
        }
    } else {
        std::map<std::string, model::List> groups;
        for (const auto& flow : flowList(cur_.value)) {
            const auto v = flow.path(s.keys[0]);
            if (!v || v->isNull()) continue;
            groups[textOf(*v)].push_back(flow);
        }
        for (auto& [key, list] : groups) out.mutableObject().set(key, Value(std::move(list)));
    }
    cur_.value = std::move(out);
    cur_.kind = ResultKind::Groups;
    return {};
}

}  // namespace skydive::gremlin
