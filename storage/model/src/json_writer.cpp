#include <skydive/model/json.h>

#include <charconv>
#include <cmath>

namespace skydive::model {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong,
// surrogate, out of range or truncated), following Go's utf8.DecodeRuneInString.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i, std::uint32_t& cp) {
    auto c0 = static_cast<unsigned char>(s[i]);
    auto cont = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]) & 0x3Fu; };
    if (c0 >= 0xC2 && c0 <= 0xDF) {
        if (!cont(1)) return 0;
        cp = ((c0 & 0x1Fu) << 6) | at(1);
        return 2;
    }
    if (c0 >= 0xE0 && c0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        cp = ((c0 & 0x0Fu) << 12) | (at(1) << 6) | at(2);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        return 3;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        cp = ((c0 & 0x07u) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
        if (cp < 0x10000 || cp > 0x10FFFF) return 0;
        return 4;
    }
    return 0;
}

void appendEscaped(std::string& out, std::string_view s) {
    out.push_back('"');
    std::size_t start = 0;
    auto flush = [&](std::size_t end) {
        if (end > start) out.append(s.data() + start, end - start);
    };
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
                ++i;
                continue;
            }
            flush(i);
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xF]);
            }
            start = ++i;
            continue;
        }
        std::uint32_t cp = 0;
        std::size_t len = utf8SequenceLength(s, i, cp);
        if (len == 0) {
            flush(i);
            out += "\\ufffd";
            start = ++i;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029) {
            flush(i);
            out += cp == 0x2028 ? "\\u2028" : "\\u2029";
            start = i + len;
        }
        i += len;
    }
    flush(s.size());
    out.push_back('"');
}

void appendDouble(std::string& out, double d) {
    if (!std::isfinite(d)) {  // JSON has no representation; Go refuses, we write null.
        out += "null";
        return;
    }
    char buf[64];
    double a = std::fabs(d);
    bool sci = a != 0 && (a < 1e-6 || a >= 1e21);
    auto res = std::to_chars(buf, buf + sizeof buf, d,
                             sci ? std::chars_format::scientific : std::chars_format::fixed);
    std::size_t n = static_cast<std::size_t>(res.ptr - buf);
    // Go writes "1e-07" as "1e-7" (a single exponent digit after '-0').
    if (sci && n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
        buf[n - 2] = buf[n - 1];
        --n;
    }
    out.append(buf, n);
}

}  // namespace

void JsonWriter::separator() {
    if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::beginObject() {
    separator();
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::endObject() {
    out_.push_back('}');
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::beginArray() {
    separator();
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::endArray() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    separator();
    appendEscaped(out_, k);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::null() {
    separator();
    out_ += "null";
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
    separator();
    out_ += b ? "true" : "false";
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t i) {
    separator();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, i);
    out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::number(double d) {
    separator();
    appendDouble(out_, d);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
    separator();
    appendEscaped(out_, s);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separator();
    out_ += json;
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::time(Time t) {
    return t == 0 ? null() : integer(t);
}

JsonWriter& JsonWriter::value(const Value& v) {
    switch (v.type()) {
        case Value::Type::Null: return null();
        case Value::Type::Bool: return boolean(v.asBool());
        case Value::Type::Int: return integer(v.asInt());
        case Value::Type::Double: return number(v.asDouble());
        case Value::Type::String: return string(v.asString());
        case Value::Type::List:
            beginArray();
            for (const Value& item : v.asList()) value(item);
            return endArray();
        case Value::Type::Object:
            beginObject();
            for (const auto& [k, child] : v.asObject()) {
                key(k);
                value(child);
            }
            return endObject();
    }
    return *this;
}

namespace {

void writeElementFields(JsonWriter& w, const Element& e) {
    w.key("ID").string(e.id);
    w.key("Metadata").value(e.metadata);
    w.key("Host").string(e.host);
    w.key("Origin").string(e.origin);
    w.key("CreatedAt").time(e.created_at);
    w.key("UpdatedAt").time(e.updated_at);
    w.key("DeletedAt").time(e.deleted_at);
    w.key("Revision").integer(e.revision);
}

}  // namespace

void writeNode(JsonWriter& w, const Node& n) {
    w.beginObject();
    writeElementFields(w, n);
    w.endObject();
}

void writeEdge(JsonWriter& w, const Edge& e) {
    w.beginObject();
    writeElementFields(w, e);
    w.key("Parent").string(e.parent);
    w.key("Child").string(e.child);
    w.endObject();
}

void writeGraph(JsonWriter& w, const Graph& g) {
    w.beginObject();
    w.key("Nodes");
    if (g.nodes.empty()) {
        w.null();
    } else {
        w.beginArray();
        for (const Node& n : g.nodes) writeNode(w, n);
        w.endArray();
    }
    w.key("Edges");
    if (g.edges.empty()) {
        w.null();
    } else {
        w.beginArray();
        for (const Edge& e : g.edges) writeEdge(w, e);
        w.endArray();
    }
    w.endObject();
}

std::string toJson(const Value& v) {
    JsonWriter w;
    w.value(v);
    return std::move(w).str();
}

std::string toJson(const Node& n) {
    JsonWriter w;
    writeNode(w, n);
    return std::move(w).str();
}

std::string toJson(const Edge& e) {
    JsonWriter w;
    writeEdge(w, e);
    return std::move(w).str();
}

std::string toJson(const Graph& g) {
    JsonWriter w;
    writeGraph(w, g);
    return std::move(w).str();
}

std::string indentJson(std::string_view json, int indent) {
    std::string out;
    out.reserve(json.size() * 2);
    int level = 0;
    auto newline = [&] {
        out.push_back('\n');
        out.append(static_cast<std::size_t>(level * indent), ' ');
    };
    for (std::size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        switch (c) {
            case '"': {
                std::size_t j = i + 1;
                while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
                if (j >= json.size()) return std::string(json);
                out.append(json.substr(i, j - i + 1));
                i = j;
                break;
            }
            case '{':
            case '[': {
                // Keep empty containers on one line.
                std::size_t j = i + 1;
                while (j < json.size() && (json[j] == ' ' || json[j] == '\n' || json[j] == '\t'))
                    ++j;
                if (j < json.size() && (json[j] == '}' || json[j] == ']')) {
                    out.push_back(c);
                    out.push_back(json[j]);
                    i = j;
                    break;
                }
                out.push_back(c);
                ++level;
                newline();
                break;
            }
            case '}':
            case ']':
                --level;
                if (level < 0) return std::string(json);
                newline();
                out.push_back(c);
                break;
            case ',':
                out.push_back(c);
                newline();
                break;
            case ':': out += ": "; break;
            case ' ':
            case '\n':
            case '\t':
            case '\r': break;
            default: out.push_back(c);
        }
    }
    return out;
}

}  // namespace skydive::model
