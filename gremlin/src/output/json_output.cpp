// Serialization of results as POST /api/topology returns them (spec §2.9).
#include <algorithm>
#include <iterator>

#include <skydive/gremlin/metrics.h>
#include <skydive/gremlin/query_result.h>
#include <skydive/model/json.h>
#include <skydive/model/node_handle.h>

namespace skydive::gremlin {

std::string_view resultKindName(ResultKind kind) {
    switch (kind) {
        case ResultKind::Graph: return "Graph";
        case ResultKind::Nodes: return "Nodes";
        case ResultKind::Edges: return "Edges";
        case ResultKind::Values: return "Values";
        case ResultKind::Number: return "Value";
        case ResultKind::Paths: return "ShortestPath";
        case ResultKind::NextHops: return "NextHops";
        case ResultKind::Metrics: return "Metrics";
        case ResultKind::Flows: return "Flows";
        case ResultKind::Groups: return "Groups";
    }
    return "?";
}

namespace {

// `{"Nodes":[...],"Edges":[...]}` with null for an empty list.
void writeGraphView(model::JsonWriter& w, const graph::GraphView& view) {
    bool any = false;
    w.beginObject().key("Nodes");
    view.forEachNode([&](model::NodeHandle n) {
        if (!any) w.beginArray();
        any = true;
        model::writeNode(w, n);
        return true;
    });
    any ? w.endArray() : w.null();
    any = false;
    w.key("Edges");
    view.forEachEdge([&](const model::Edge& e) {
        if (!any) w.beginArray();
        any = true;
        model::writeEdge(w, e);
        return true;
    });
    any ? w.endArray() : w.null();
    w.endObject();
}

// Fields in upstream's struct order; IP and MAC are omitted when empty.
void writeNextHops(model::JsonWriter& w, const model::Value& list) {
    w.beginArray();
    if (list.isList()) {
        for (const auto& entry : list.asList()) {
            w.beginObject();
            for (const auto& [id, hop] : entry.asObject()) {
                w.key(id).beginObject();
                for (const char* k : {"Priority", "IP", "MAC", "IfIndex"}) {
                    if (const auto* v = hop.asObject().find(k)) w.key(k).value(*v);
                }
                w.endObject();
            }
            w.endObject();
        }
    }
    w.endArray();
}

// A metric with its counters in upstream's struct order (InterfaceMetric, then FlowMetric), any
// other counter after them by name, then Start and Last.
void writeMetric(model::JsonWriter& w, const model::Value& metric) {
    if (!metric.isObject()) {
        w.value(metric);
        return;
    }
    const auto& o = metric.asObject();
    auto known = [&](std::string_view k) {
        return k == "Start" || k == "Last" ||
               std::find(kMetricCounters.begin(), kMetricCounters.end(), k) !=
                   kMetricCounters.end();
    };
    w.beginObject();
    for (auto k : kMetricCounters) {
        if (const auto* v = o.find(k)) w.key(k).value(*v);
    }
    for (const auto& [k, v] : o) {
        if (!known(k.view())) w.key(k.view()).value(v);
    }
    for (std::string_view k : {"Start", "Last"}) {
        if (const auto* v = o.find(k)) w.key(k).value(*v);
    }
    w.endObject();
}

// `[{"<id>":[metric, ...], ...}]`, or `[]` when no node had a metric (upstream's Values()).
void writeMetrics(model::JsonWriter& w, const model::Value& series) {
    w.beginArray();
    if (series.isObject() && !series.asObject().empty()) {
        w.beginObject();
        for (const auto& [id, list] : series.asObject()) {
            w.key(id.view()).beginArray();
            if (list.isList()) {
                for (const auto& m : list.asList()) writeMetric(w, m);
            }
            w.endArray();
        }
        w.endObject();
    }
    w.endArray();
}

}  // namespace

std::string toJson(const QueryResult& result) {
    model::JsonWriter w;
    switch (result.kind) {
        case ResultKind::Graph:
            w.beginArray();
            if (result.graph) writeGraphView(w, *result.graph);
            w.endArray();
            break;
        case ResultKind::Nodes:
            w.beginArray();
            for (const model::NodeHandle n : result.nodes) model::writeNode(w, n);
            w.endArray();
            break;
        case ResultKind::Edges:
            w.beginArray();
            for (const auto* e : result.edges) model::writeEdge(w, *e);
            w.endArray();
            break;
        case ResultKind::Values:
        case ResultKind::Number: w.value(result.value); break;
        case ResultKind::NextHops: writeNextHops(w, result.value); break;
        case ResultKind::Metrics: writeMetrics(w, result.value); break;
        case ResultKind::Flows:
            w.beginArray();
            if (result.value.isList()) {
                for (const auto& flow : result.value.asList()) w.value(flow);
            }
            w.endArray();
            break;
        case ResultKind::Groups:
            // `[{"<key>":[flow, ...]}]`, or `[]` when no group is left.
            w.beginArray();
            if (result.value.isObject() && !result.value.asObject().empty()) {
                w.value(result.value);
            }
            w.endArray();
            break;
        case ResultKind::Paths:
            w.beginArray();
            for (const auto& path : result.paths) {
                w.beginArray();
                for (const model::NodeHandle n : path) model::writeNode(w, n);
                w.endArray();
            }
            w.endArray();
            break;
    }
    return std::move(w).str();
}

}  // namespace skydive::gremlin
