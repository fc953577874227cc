#include <skydive/model/json.h>

#include <optional>

#include <simdjson.h>

namespace skydive::model {

namespace {

Error jsonError(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

Result<Value> convert(simdjson::dom::element el, std::size_t depth, const JsonLimits& limits) {
    using simdjson::dom::element_type;
    switch (el.type()) {
        case element_type::NULL_VALUE: return Value();
        case element_type::BOOL: return Value(bool(el.get_bool().value_unsafe()));
        case element_type::INT64:
            return Value(static_cast<long long>(el.get_int64().value_unsafe()));
        case element_type::UINT64:  // beyond int64: Go's decoder falls back to float64
            return Value(static_cast<double>(el.get_uint64().value_unsafe()));
        case element_type::DOUBLE: return Value(el.get_double().value_unsafe());
        case element_type::STRING: return Value(el.get_string().value_unsafe());
        case element_type::ARRAY: {
            if (depth >= limits.max_depth)
                return jsonError("JSON nesting deeper than " + std::to_string(limits.max_depth));
            List items;
            simdjson::dom::array arr = el.get_array().value_unsafe();
            items.reserve(arr.size());
            for (simdjson::dom::element child : arr) {
                auto v = convert(child, depth + 1, limits);
                if (!v.ok()) return v;
                items.push_back(std::move(v).value());
            }
            return Value(std::move(items));
        }
        case element_type::OBJECT: {
            if (depth >= limits.max_depth)
                return jsonError("JSON nesting deeper than " + std::to_string(limits.max_depth));
            Object obj;
            simdjson::dom::object o = el.get_object().value_unsafe();
            obj.reserve(o.size());
            for (auto field : o) {
                auto v = convert(field.value, depth + 1, limits);
                if (!v.ok()) return v;
                obj.appendUnsorted(Str(field.key), std::move(v).value());
            }
            obj.sortAndDedup();  // interns the key list (no-op when already done)
            return Value(std::move(obj));
        }
    }
    return jsonError("unknown JSON element");
}

// simdjson refuses integer literals beyond 64 bits, which Go's decoder reads as float64 (and
// which our writer emits for doubles in [2^64, 1e21), as Go's encoder does). Rewrites every such
// literal outside strings as a float literal ("…0" → "…0.0"), for a second parse attempt.
std::optional<std::string> widenBigIntegers(std::string_view json) {
    std::string out;
    bool changed = false;
    bool in_string = false;
    std::size_t i = 0;
    out.reserve(json.size() + 16);
    while (i < json.size()) {
        char c = json[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < json.size()) {
                out.push_back(json[++i]);
            } else if (c == '"') {
                in_string = false;
            }
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out.push_back(c);
            ++i;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t start = i;
            bool integral = true;
            std::size_t digits = 0;
            while (i < json.size()) {
                char d = json[i];
                if (d >= '0' && d <= '9') {
                    ++digits;
                } else if (d == '.' || d == 'e' || d == 'E' || d == '+' ||
                           (d == '-' && i != start)) {
                    integral = false;
                } else if (d != '-') {
                    break;
                }
                ++i;
            }
            out.append(json.substr(start, i - start));
            if (integral && digits >= 19) {
                out += ".0";
                changed = true;
            }
            continue;
        }
        out.push_back(c);
        ++i;
    }
    if (!changed) return std::nullopt;
    return out;
}

simdjson::dom::parser& threadParser() {
    thread_local simdjson::dom::parser parser;
    return parser;
}

Result<Time> timeField(const Object& o, std::string_view key, Time now) {
    const Value* v = o.find(key);
    if (v == nullptr || v->isNull()) return now;
    if (v->isInt()) return v->asInt() == 0 ? now : v->asInt();
    if (v->isDouble()) return static_cast<Time>(v->asDouble());
    return jsonError(std::string(key) + " must be an integer (ms) or null");
}

Result<Str> stringField(const Object& o, std::string_view key, bool& present) {
    const Value* v = o.find(key);
    present = v != nullptr && !v->isNull();
    if (!present) return Str();
    if (!v->isString()) return jsonError(std::string(key) + " must be a string");
    return Str(v->asString());
}

Status fillElement(const Value& v, Element& e, Time now) {
    if (!v.isObject()) return jsonError("graph element must be a JSON object");
    const Object& o = v.asObject();
    bool present = false;
    auto id = stringField(o, "ID", present);
    if (!id.ok()) return id.error();
    if (!present || id->empty()) return jsonError("No ID found for graph element");
    e.id = std::move(id).value();
    if (const Value* m = o.find("Metadata"); m != nullptr && !m->isNull()) {
        if (!m->isObject()) return jsonError("Metadata must be a JSON object");
        e.metadata = *m;
    }
    auto host = stringField(o, "Host", present);
    if (!host.ok()) return host.error();
    e.host = std::move(host).value();
    auto origin = stringField(o, "Origin", present);
    if (!origin.ok()) return origin.error();
    e.origin = std::move(origin).value();
    auto created = timeField(o, "CreatedAt", now);
    if (!created.ok()) return created.error();
    e.created_at = *created;
    auto updated = timeField(o, "UpdatedAt", now);
    if (!updated.ok()) return updated.error();
    e.updated_at = *updated;
    auto deleted = timeField(o, "DeletedAt", 0);
    if (!deleted.ok()) return deleted.error();
    e.deleted_at = *deleted;
    if (const Value* r = o.find("Revision"); r != nullptr && !r->isNull()) {
        if (!r->isInt()) return jsonError("Revision must be an integer");
        e.revision = r->asInt();
    }
    return {};
}

}  // namespace

Result<Value> parseJson(std::string_view json, const JsonLimits& limits) {
    if (json.size() > limits.max_bytes) {
        return jsonError("JSON document of " + std::to_string(json.size()) +
                         " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
    }
    simdjson::dom::element root;
    auto err = threadParser().parse(json.data(), json.size(), true).get(root);
    if (err == simdjson::NUMBER_ERROR) {
        if (auto widened = widenBigIntegers(json)) {
            auto retry = threadParser().parse(widened->data(), widened->size(), true).get(root);
            if (retry == simdjson::SUCCESS) return convert(root, 0, limits);
        }
    }
    if (err != simdjson::SUCCESS) {
        return jsonError(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    return convert(root, 0, limits);
}

Result<Node> nodeFromValue(const Value& v, Time now) {
    Node n;
    if (auto st = fillElement(v, n, now); !st.ok()) return st.error();
    return n;
}

Result<Edge> edgeFromValue(const Value& v, Time now) {
    Edge e;
    if (auto st = fillElement(v, e, now); !st.ok()) return st.error();
    const Object& o = v.asObject();
    bool present = false;
    auto parent = stringField(o, "Parent", present);
    if (!parent.ok() || !present || parent->empty()) return jsonError("parent ID wrong format");
    e.parent = std::move(parent).value();
    auto child = stringField(o, "Child", present);
    if (!child.ok() || !present || child->empty()) return jsonError("child ID wrong format");
    e.child = std::move(child).value();
    return e;
}

Result<Graph> graphFromValue(const Value& v, Time now) {
    if (!v.isObject()) return jsonError("graph must be a JSON object");
    Graph g;
    const Object& o = v.asObject();
    if (const Value* nodes = o.find("Nodes"); nodes != nullptr && !nodes->isNull()) {
        if (!nodes->isList()) return jsonError("Nodes must be a list");
        for (const Value& item : nodes->asList()) {
            auto n = nodeFromValue(item, now);
            if (!n.ok()) return n.error();
            g.nodes.push_back(std::move(n).value());
        }
    }
    if (const Value* edges = o.find("Edges"); edges != nullptr && !edges->isNull()) {
        if (!edges->isList()) return jsonError("Edges must be a list");
        for (const Value& item : edges->asList()) {
            auto e = edgeFromValue(item, now);
            if (!e.ok()) return e.error();
            g.edges.push_back(std::move(e).value());
        }
    }
    return g;
}

Result<Node> parseNode(std::string_view json, Time now) {
    auto v = parseJson(json);
    if (!v.ok()) return v.error();
    return nodeFromValue(*v, now);
}

Result<Edge> parseEdge(std::string_view json, Time now) {
    auto v = parseJson(json);
    if (!v.ok()) return v.error();
    return edgeFromValue(*v, now);
}

}  // namespace skydive::model
