#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::model {

/// Limits applied while decoding untrusted JSON.
struct JsonLimits {
    std::size_t max_bytes = 64u << 20;  ///< whole document
    std::size_t max_depth = 64;         ///< nesting of arrays/objects
};

/// Parses a JSON document into a Value: integral numbers become Int (int64), other numbers
/// Double (also integers beyond int64), objects keep their keys sorted (last duplicate wins).
Result<Value> parseJson(std::string_view json, const JsonLimits& limits = {});

/// Builds elements from decoded JSON objects (spec §1.1). `now` replaces a missing or zero
/// CreatedAt/UpdatedAt. Errors use upstream's messages ("No ID found for graph element",
/// "parent ID wrong format", "child ID wrong format").
Result<Node> nodeFromValue(const Value& v, Time now);
Result<Edge> edgeFromValue(const Value& v, Time now);
Result<Graph> graphFromValue(const Value& v, Time now);

Result<Node> parseNode(std::string_view json, Time now);
Result<Edge> parseEdge(std::string_view json, Time now);

/// A fast append-only JSON writer producing the same bytes as Go's encoding/json: HTML-safe
/// escaping of `<`, `>`, `&`, U+2028/U+2029, invalid UTF-8 replaced by U+FFFD, floats in the
/// shortest form that round-trips ('e' notation below 1e-6 and from 1e21). Commas are inserted
/// automatically.
class JsonWriter {
public:
    JsonWriter() { out_.reserve(256); }

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view k);
    JsonWriter& null();
    JsonWriter& boolean(bool b);
    JsonWriter& integer(std::int64_t i);
    JsonWriter& number(double d);
    JsonWriter& string(std::string_view s);
    JsonWriter& value(const Value& v);
    /// Inserts pre-serialized JSON as one value.
    JsonWriter& raw(std::string_view json);
    JsonWriter& time(Time t);  ///< 0 → null

    const std::string& str() const& { return out_; }
    std::string str() && { return std::move(out_); }
    void clear() {
        out_.clear();
        need_comma_ = false;
    }

private:
    void separator();
    std::string out_;
    bool need_comma_ = false;
};

void writeNode(JsonWriter& w, const Node& n);
void writeEdge(JsonWriter& w, const Edge& e);
/// `{"Nodes":[...],"Edges":[...]}`, an empty list written as `null` (spec §1.1).
void writeGraph(JsonWriter& w, const Graph& g);

std::string toJson(const Value& v);
std::string toJson(const Node& n);
std::string toJson(const Edge& e);
std::string toJson(const Graph& g);

/// Pretty-prints JSON text with the given indent (used by the CLI client); invalid input is
/// returned unchanged.
std::string indentJson(std::string_view json, int indent = 2);

}  // namespace skydive::model
