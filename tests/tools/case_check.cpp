#include "case_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <skydive/model/json.h>

namespace skydive::gremlin::tools {

using model::Value;

namespace {

const Value* field(const Value& obj, std::string_view key) {
    return obj.isObject() ? obj.asObject().find(key) : nullptr;
}

std::vector<std::string> idsOf(const Value& list, std::string& why) {
    std::vector<std::string> ids;
    if (!list.isList()) {
        why = "expected an array";
        return ids;
    }
    for (const auto& e : list.asList()) {
        const auto* id = field(e, "ID");
        if (id == nullptr || !id->isString()) {
            why = "element without ID";
            return ids;
        }
        ids.emplace_back(id->asString());
    }
    return ids;
}

std::vector<std::string> strings(const Value* list) {
    std::vector<std::string> out;
    if (list != nullptr && list->isList()) {
        for (const auto& e : list->asList())
            out.push_back(e.isString() ? std::string(e.asString()) : model::toJson(e));
    }
    return out;
}

std::string join(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    return s + "]";
}

std::string compareIds(std::vector<std::string> got, std::vector<std::string> want, bool ordered,
                       bool as_set) {
    if (!ordered) {
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
    }
    if (as_set) {
        got.erase(std::unique(got.begin(), got.end()), got.end());
        want.erase(std::unique(want.begin(), want.end()), want.end());
    }
    if (got == want) return "";
    return "got " + join(got) + ", want " + join(want);
}

std::string checkGraph(const Value& expect, const Value& body) {
    if (!body.isList() || body.asList().size() != 1) return "expected [graph]";
    const auto& g = body.asList()[0];
    std::string why;
    auto list_ids = [&](const char* key) {
        const auto* v = field(g, key);
        return v == nullptr || v->isNull() ? std::vector<std::string>{} : idsOf(*v, why);
    };
    auto nodes = list_ids("Nodes");
    auto edges = list_ids("Edges");
    if (!why.empty()) return why;
    auto r = compareIds(nodes, strings(field(expect, "node_ids")), false, false);
    if (!r.empty()) return "nodes: " + r;
    r = compareIds(edges, strings(field(expect, "edge_ids")), false, false);
    return r.empty() ? "" : "edges: " + r;
}

std::string checkPaths(const Value& expect, const Value& body) {
    if (!body.isList()) return "expected an array of paths";
    std::vector<std::string> got, want;
    for (const auto& p : body.asList()) {
        std::string why;
        auto ids = idsOf(p, why);
        if (!why.empty()) return why;
        got.push_back(join(ids));
    }
    if (const auto* paths = field(expect, "paths"); paths && paths->isList()) {
        for (const auto& p : paths->asList()) want.push_back(join(strings(&p)));
    }
    return compareIds(got, want, false, false);
}

}  // namespace

std::string checkExpectation(const Value& expect, const model::Result<std::string>& result) {
    const auto* kind_v = field(expect, "kind");
    const std::string kind = kind_v && kind_v->isString() ? std::string(kind_v->asString()) : "";
    if (kind == "error") {
        if (result) return "expected an error, got " + result.value().substr(0, 200);
        const auto* contains = field(expect, "contains");
        const std::string want =
            contains && contains->isString() ? std::string(contains->asString()) : "";
        if (result.error().message.find(want) == std::string::npos) {
            return "error \"" + result.error().message + "\" does not contain \"" + want + "\"";
        }
        return "";
    }
    if (!result) return "query failed: " + result.error().toString();
    auto parsed = model::parseJson(result.value());
    if (!parsed) return "result is not JSON: " + parsed.error().message;
    const Value& body = *parsed;
    const Value* value = field(expect, "value");
    if (kind == "node_ids" || kind == "edge_ids") {
        std::string why;
        auto got = idsOf(body, why);
        if (!why.empty()) return why;
        const auto* ordered = field(expect, "ordered");
        return compareIds(got, strings(field(expect, "ids")),
                          ordered && ordered->isBool() && ordered->asBool(), false);
    }
    if (kind == "count") {
        if (value && body == *value) return "";
        return "got " + result.value() + ", want " + (value ? model::toJson(*value) : "?");
    }
    if (kind == "length") {
        if (!body.isList()) return "expected an array, got " + result.value().substr(0, 200);
        if (value && value->isInt() &&
            static_cast<std::int64_t>(body.asList().size()) == value->asInt())
            return "";
        return "got " + std::to_string(body.asList().size()) + " elements";
    }
    if (kind == "group_sizes") {
        // `[{"<key>":[flow, ...]}]`: the number of flows of every key, and no other key.
        if (!body.isList() || body.asList().size() > 1) {
            return "expected [ {key: [flows]} ], got " + result.value().substr(0, 200);
        }
        std::map<std::string, std::int64_t> got, want;
        if (!body.asList().empty()) {
            const Value& groups = body.asList()[0];
            if (!groups.isObject()) return "expected an object of groups";
            for (const auto& [k, flows] : groups.asObject()) {
                got[k.str()] =
                    flows.isList() ? static_cast<std::int64_t>(flows.asList().size()) : -1;
            }
        }
        if (value && value->isObject()) {
            for (const auto& [k, n] : value->asObject()) want[k.str()] = n.isInt() ? n.asInt() : -1;
        }
        if (got == want) return "";
        return "got group sizes " + result.value().substr(0, 300);
    }
    if (kind == "json") {
        if (value && body == *value) return "";
        return "got " + result.value().substr(0, 300) + ", want " +
               (value ? model::toJson(*value) : "?");
    }
    if (kind == "json_unordered" || kind == "set") {
        if (!body.isList()) return "expected an array, got " + result.value().substr(0, 200);
        std::vector<std::string> got, want;
        for (const auto& e : body.asList()) got.push_back(model::toJson(e));
        if (kind == "set") {
            auto sorted = got;
            std::sort(sorted.begin(), sorted.end());
            if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
                return "expected distinct strings, got " + result.value().substr(0, 200);
            }
        }
        if (value && value->isList()) {
            for (const auto& e : value->asList()) want.push_back(model::toJson(e));
        }
        return compareIds(got, want, false, kind == "set");
    }
    if (kind == "graph") return checkGraph(expect, body);
    if (kind == "paths") return checkPaths(expect, body);
    return "unsupported expectation kind '" + kind + "'";
}

}  // namespace skydive::gremlin::tools
