// DOT rendering of Graph results for `Accept: text/vnd.graphviz` (spec §2.9).
#include <string>

#include <skydive/gremlin/query_result.h>

namespace skydive::gremlin {

namespace {

// DOT double-quoted string: escape the quote and the backslash.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace

model::Result<std::string> toDot(const QueryResult& result) {
    if (result.kind != ResultKind::Graph || !result.graph) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "Only graph can be outputted as dot");
    }
    std::string out = "digraph g {\n";
    result.graph->forEachNode([&](model::NodeHandle n) {
        std::string name;
        if (const model::FieldValue v = n.field("Name"); v.isString()) {
            name = std::string(v.asString());
        }
        const auto id = n.id();
        out += "  " + quoted(id) + " [label=" + quoted(name + "-" + std::string(id.substr(0, 8))) +
               "];\n";
        return true;
    });
    result.graph->forEachEdge([&](const model::Edge& e) {
        out += "  " + quoted(e.parent.view()) + " -> " + quoted(e.child.view()) + ";\n";
        return true;
    });
    out += "}\n";
    return out;
}

}  // namespace skydive::gremlin
