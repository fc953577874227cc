// Steps that look at field values: Dedup, Values, ValueMap, Keys, Sum, Sort.
#include <algorithm>
#include <set>
#include <string>
#include <unordered_set>

#include <skydive/model/json.h>

#include "exec/executor.h"
#include "plan/filter.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;
using model::Value;

namespace {

// The signature of the listed fields as `get(key)` reads them; `any`: one of them is present.
template <typename Get>
std::string dedupSignature(const std::vector<std::string>& keys, bool& any, const Get& get) {
    std::string sig;
    any = false;
    for (const auto& k : keys) {
        const std::optional<Value> v = get(k);
        if (v) any = true;
        sig += v ? model::toJson(*v) : std::string("null");
        sig += '\x1f';
    }
    return sig;
}

// What the result vectors hold: node handles and edge pointers, read alike below.
std::string_view idOf(model::NodeHandle n) {
    return n.id();
}
std::string_view idOf(const model::Edge* e) {
    return e->id.view();
}

// fieldOf as an optional Value.
std::optional<Value> fieldValue(model::NodeHandle n, std::string_view key) {
    return model::fieldOf(n, key).toOptional();
}
std::optional<Value> fieldValue(const model::Edge* e, std::string_view key) {
    return model::fieldOf(*e, key);
}

template <typename Item>
std::string dedupKey(Item e, const std::vector<std::string>& keys, bool& any) {
    return dedupSignature(keys, any, [&](const std::string& k) { return fieldValue(e, k); });
}

// Dedup of nodes/edges: by ID, or by the tuple of the listed fields; an element lacking every
// listed key is always kept. The window counts duplicates too (spec §2.3).
template <typename Item>
void dedupElements(std::vector<Item>& elements, const PlanStep& s) {
    std::unordered_set<std::string> seen;
    std::vector<Item> out;
    std::int64_t i = 0;
    for (const Item e : elements) {
        const std::int64_t index = i++;
        if (s.window && index >= s.window->to) break;
        bool keep = true;
        if (s.keys.empty()) {
            keep = seen.emplace(idOf(e)).second;
        } else {
            bool any = false;
            auto sig = dedupKey(e, s.keys, any);
            keep = !any || seen.insert(std::move(sig)).second;
        }
        if (keep && (!s.window || index >= s.window->from)) out.push_back(e);
    }
    elements = std::move(out);
}

void collectKeys(const Value& v, const std::string& prefix, std::set<std::string>& out) {
    if (!v.isObject()) return;
    for (const auto& [k, child] : v.asObject()) {
        std::string key = prefix.empty() ? k.str() : prefix + "." + k.str();
        out.insert(key);
        collectKeys(child, key, out);
    }
}

template <typename Item>
model::Result<std::int64_t> sumOf(const std::vector<Item>& elements, const std::string& key) {
    std::int64_t total = 0;
    for (const Item e : elements) {
        const auto v = fieldValue(e, key);
        if (!v || v->isNull()) continue;
        const auto i = lenientInt(*v);
        if (!i) {
            return makeError(
                ErrorCode::InvalidArgument,
                "Sum: field '" + key + "' of '" + std::string(idOf(e)) + "' is not a number");
        }
        total += *i;
    }
    return total;
}

struct SortKey {
    std::optional<std::int64_t> i;
    std::string s;
};

template <typename Item>
SortKey sortKeyOf(Item e, const std::string& key) {
    const auto v = fieldValue(e, key);
    if (!v || v->isNull()) return SortKey{0, ""};
    if (v->isString()) return SortKey{lenientInt(*v), std::string(v->asString())};
    if (v->isInt() || v->isDouble() || v->isBool()) return SortKey{lenientInt(*v), ""};
    return SortKey{std::nullopt, model::toJson(*v)};
}

bool lessKey(const SortKey& a, const SortKey& b) {
    if (a.i && b.i) return *a.i < *b.i;
    return a.s < b.s;
}

template <typename Item>
void sortElements(std::vector<Item>& elements, const PlanStep& s) {
    std::vector<std::pair<SortKey, Item>> keyed;
    keyed.reserve(elements.size());
    for (const Item e : elements) keyed.emplace_back(sortKeyOf(e, s.keys[0]), e);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        return s.descending ? lessKey(b.first, a.first) : lessKey(a.first, b.first);
    });
    for (std::size_t i = 0; i < keyed.size(); ++i) elements[i] = keyed[i].second;
}

}  // namespace

model::Status Executor::dedup(const PlanStep& s) {
    switch (s.input) {
        case ResultKind::Nodes: dedupElements(cur_.nodes, s); return {};
        case ResultKind::Edges: dedupElements(cur_.edges, s); return {};
        case ResultKind::Values: {
            if (!cur_.value.isList()) return {};
            std::unordered_set<Value> seen;
            model::List out;
            for (const auto& v : cur_.value.asList()) {
                if (seen.insert(v).second) out.push_back(v);
            }
            cur_.value = Value(std::move(out));
            return {};
        }
        case ResultKind::Paths: {
            std::set<std::vector<std::string>> seen;
            std::vector<std::vector<model::NodeHandle>> out;
            for (auto& p : cur_.paths) {
                std::vector<std::string> ids;
                for (const model::NodeHandle n : p) ids.emplace_back(n.id());
                if (seen.insert(std::move(ids)).second) out.push_back(std::move(p));
            }
            cur_.paths = std::move(out);
            return {};
        }
        case ResultKind::Graph:
        case ResultKind::Number:
        case ResultKind::NextHops:
        case ResultKind::Metrics:
        case ResultKind::Flows:
        case ResultKind::Groups: break;
    }
    return makeError(ErrorCode::Internal, "Dedup on an unexpected input", s.column);
}

model::Status Executor::values(const PlanStep& s) {
    model::List out;
    auto take = [&](const std::optional<Value>& v) {
        if (!v || v->isNull()) return;
        if (v->isList() && v->asList().empty()) return;
        if (v->isObject() && v->asObject().empty()) return;
        out.push_back(*v);
    };
    if (s.input == ResultKind::Edges) {
        for (const auto* e : cur_.edges) take(fieldValue(e, s.keys[0]));
    } else {
        for (const model::NodeHandle n : cur_.nodes) take(fieldValue(n, s.keys[0]));
    }
    if (out.size() > options_.max_elements) return boundError();
    cur_.value = out.empty() ? Value() : Value(std::move(out));
    cur_.kind = ResultKind::Values;
    return {};
}

model::Status Executor::valueMap(const PlanStep& s) {
    model::List out;
    auto take = [&](auto e) {
        model::Object obj;
        for (const auto& k : s.keys) {
            const auto v = fieldValue(e, k);
            if (v && !v->isNull()) obj.set(k, *v);
        }
        if (!obj.empty()) out.push_back(Value(std::move(obj)));
    };
    if (s.input == ResultKind::Edges) {
        for (const auto* e : cur_.edges) take(e);
    } else {
        for (const model::NodeHandle n : cur_.nodes) take(n);
    }
    cur_.value = out.empty() ? Value() : Value(std::move(out));
    cur_.kind = ResultKind::Values;
    return {};
}

model::Status Executor::keys(const PlanStep& s) {
    static const char* const kPseudo[] = {"@ID",        "@Host",      "@Origin",  "@CreatedAt",
                                          "@UpdatedAt", "@DeletedAt", "@Revision"};
    std::set<std::string> meta;
    const bool edges = s.input == ResultKind::Edges;
    const std::size_t n = edges ? cur_.edges.size() : cur_.nodes.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (edges) {
            collectKeys(cur_.edges[i]->metadata, "", meta);
        } else {
            // A record builds its metadata here: Keys() is not a per-element hot path.
            collectKeys(cur_.nodes[i].metadata(), "", meta);
        }
    }
    model::List out;
    if (n > 0) {
        for (const char* k : kPseudo) out.emplace_back(k);
        if (edges) {
            out.emplace_back("Parent");
            out.emplace_back("Child");
        }
    }
    for (const auto& k : meta) out.emplace_back(k);
    cur_.value = out.empty() ? Value() : Value(std::move(out));
    cur_.kind = ResultKind::Values;
    return {};
}

// Flows by the listed fields (TrackingID by default); a flow lacking every one of them is kept.
model::Status Executor::flowDedup(const PlanStep& s) {
    std::unordered_set<std::string> seen;
    model::List out;
    if (cur_.value.isList()) {
        for (const auto& flow : cur_.value.asList()) {
            bool any = false;
            auto sig =
                dedupSignature(s.keys, any, [&](const std::string& k) { return flow.path(k); });
            if (!any || seen.insert(std::move(sig)).second) out.push_back(flow);
        }
    }
    cur_.value = Value(std::move(out));
    return {};
}

// Every field path of the flows.
model::Status Executor::flowKeys(const PlanStep&) {
    std::set<std::string> paths;
    if (cur_.value.isList()) {
        for (const auto& flow : cur_.value.asList()) collectKeys(flow, "", paths);
    }
    model::List out(paths.begin(), paths.end());
    cur_.value = out.empty() ? Value() : Value(std::move(out));
    cur_.kind = ResultKind::Values;
    return {};
}

model::Status Executor::sum(const PlanStep& s) {
    auto total =
        s.input == ResultKind::Edges ? sumOf(cur_.edges, s.keys[0]) : sumOf(cur_.nodes, s.keys[0]);
    if (!total) {
        auto e = std::move(total).error();
        e.position = s.column;
        return e;
    }
    cur_.value = Value(static_cast<long long>(*total));
    cur_.kind = ResultKind::Number;
    return {};
}

model::Status Executor::sort(const PlanStep& s) {
    if (s.input == ResultKind::Edges) {
        sortElements(cur_.edges, s);
    } else {
        sortElements(cur_.nodes, s);
    }
    return {};
}

}  // namespace skydive::gremlin
