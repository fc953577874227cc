// Serialization of results as POST /api/topology returns them (spec §2.9).
#include <skydive/gremlin/query_result.h>
#include <skydive/model/json.h>

namespace skydive::gremlin {

std::string_view resultKindName(ResultKind kind) {
    switch (kind) {
        case ResultKind::Graph: return "Graph";
        case ResultKind::Nodes: return "Nodes";
        case ResultKind::Edges: return "Edges";
        case ResultKind::Values: return "Values";
        case ResultKind::Number: return "Value";
        case ResultKind::Paths: return "ShortestPath";
    }
    return "?";
}

namespace {

// `{"Nodes":[...],"Edges":[...]}` with null for an empty list.
void writeGraphView(model::JsonWriter& w, const graph::GraphView& view) {
    bool any = false;
    w.beginObject().key("Nodes");
    view.forEachNode([&](const model::Node& n) {
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
            for (const auto* n : result.nodes) model::writeNode(w, *n);
            w.endArray();
            break;
        case ResultKind::Edges:
            w.beginArray();
            for (const auto* e : result.edges) model::writeEdge(w, *e);
            w.endArray();
            break;
        case ResultKind::Values:
        case ResultKind::Number: w.value(result.value); break;
        case ResultKind::Paths:
            w.beginArray();
            for (const auto& path : result.paths) {
                w.beginArray();
                for (const auto* n : path) model::writeNode(w, *n);
                w.endArray();
            }
            w.endArray();
            break;
    }
    return std::move(w).str();
}

}  // namespace skydive::gremlin
