#include <skydive/server/config.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <skydive/model/json.h>

extern char** environ;  // NOLINT: POSIX

namespace skydive::server {

using model::ErrorCode;
using model::makeError;
using model::Result;
using model::Status;

namespace {

// Defaults of spec §8.2 that this implementation reads. A value's textual form also fixes the
// type environment strings convert to: "[...]" is a list, true/false a bool, digits an int.
const std::map<std::string, std::string, std::less<>> kDefaults = {
    {"host_id", ""},
    {"analyzers", "[]"},
    {"analyzer.listen", "127.0.0.1:8082"},
    {"analyzer.auth.api.backend", "noauth"},
    {"analyzer.auth.cluster.backend", "noauth"},
    {"analyzer.topology.backend", "memory"},
    {"analyzer.topology.probes", "[]"},
    {"analyzer.flow.backend", "memory"},
    {"analyzer.flow.max_buffer_size", "100000"},
    {"agent.listen", "127.0.0.1:8081"},
    {"agent.auth.api.backend", "noauth"},
    {"agent.topology.probes", "[ovsdb]"},
    {"agent.topology.netlink.metrics_update", "30"},
    {"agent.topology.netns.run_path", "/var/run/netns"},
    {"agent.topology.socketinfo.host_update", "10"},
    {"agent.capture.stats_update", "1"},
    {"flow.expire", "600"},
    {"flow.update", "60"},
    {"flow.max_entries", "500000"},
    {"flow.protocol", "udp"},
    {"ovs.ovsdb", "unix:///var/run/openvswitch/db.sock"},
    {"http.ws.ping_delay", "2"},
    {"http.ws.pong_timeout", "5"},
    {"http.ws.queue_size", "10000"},
    {"logging.level", "INFO"},
    {"etcd.max_wal_files", "5"},
    {"etcd.max_snap_files", "5"},
};

enum class Kind { String, Int, Bool, List };

Kind kindOf(std::string_view def) {
    if (!def.empty() && def.front() == '[') return Kind::List;
    if (def == "true" || def == "false") return Kind::Bool;
    if (!def.empty() && std::all_of(def.begin(), def.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        }))
        return Kind::Int;
    return Kind::String;
}

std::vector<std::string> splitDots(std::string_view key) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto dot = key.find('.', start);
        parts.emplace_back(key.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts;
}

void mergeInto(YAML::Node target, const YAML::Node& source) {
    for (auto it = source.begin(); it != source.end(); ++it) {
        auto key = it->first.as<std::string>();
        const YAML::Node& value = it->second;
        if (value.IsMap() && target[key] && target[key].IsMap()) {
            mergeInto(target[key], value);
        } else {
            target[key] = YAML::Clone(value);
        }
    }
}

std::vector<std::string> splitWhitespace(std::string_view s) {
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    std::string word;
    while (in >> word) out.push_back(word);
    return out;
}

// Parses the "[a, b]" default form.
std::vector<std::string> parseListDefault(std::string_view def) {
    std::vector<std::string> out;
    std::string_view body = def.substr(1, def.size() >= 2 ? def.size() - 2 : 0);
    std::string item;
    for (char c : body) {
        if (c == ',') {
            if (!item.empty()) out.push_back(item);
            item.clear();
        } else if (c != ' ') {
            item.push_back(c);
        }
    }
    if (!item.empty()) out.push_back(item);
    return out;
}

// A raw value with the place it came from, for error messages.
struct Raw {
    enum class From { Flag, Env, File, Default } from;
    std::string text;  // for Flag/Env/Default scalars
    YAML::Node node;   // for File
    std::string where() const {
        switch (from) {
            case From::Flag: return "command line";
            case From::Env: return "environment";
            case From::File: return "configuration file";
            case From::Default: return "default";
        }
        return "";
    }
};

Result<std::int64_t> toInt(std::string_view key, const std::string& text, const Raw& raw) {
    std::int64_t v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
        return makeError(ErrorCode::InvalidArgument, "configuration key '" + std::string(key) +
                                                         "' must be an integer, got '" + text +
                                                         "' (from " + raw.where() + ")");
    }
    return v;
}

}  // namespace

struct Config::Impl {
    YAML::Node root = YAML::Node(YAML::NodeType::Map);
    Env env = processEnvironment();
    std::map<std::string, std::string, std::less<>> flags;

    std::optional<Raw> lookup(std::string_view key) const {
        if (auto it = flags.find(key); it != flags.end())
            return Raw{Raw::From::Flag, it->second, {}};
        if (auto it = env.find(envName(key)); it != env.end())
            return Raw{Raw::From::Env, it->second, {}};
        // Const access and reset(): yaml-cpp's operator[] and operator= on non-const nodes
        // insert keys and rewrite the referenced node.
        const YAML::Node& top = root;
        YAML::Node cur;
        cur.reset(top);
        bool found = true;
        for (const auto& part : splitDots(key)) {
            const YAML::Node& parent = cur;
            if (!parent.IsMap() || !parent[part]) {
                found = false;
                break;
            }
            YAML::Node next = parent[part];
            cur.reset(next);
        }
        if (found && !cur.IsNull()) return Raw{Raw::From::File, {}, cur};
        if (auto it = kDefaults.find(key); it != kDefaults.end())
            return Raw{Raw::From::Default, it->second, {}};
        return std::nullopt;
    }
};

Config::Config() : impl_(std::make_unique<Impl>()) {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Status Config::loadString(std::string_view yaml, const std::string& name) {
    try {
        YAML::Node doc = YAML::Load(std::string(yaml));
        if (doc.IsNull()) return {};
        if (!doc.IsMap())
            return makeError(ErrorCode::InvalidArgument, name + ": top level must be a mapping");
        mergeInto(impl_->root, doc);
        return {};
    } catch (const YAML::Exception& e) {
        return makeError(ErrorCode::InvalidArgument, name + ":" + std::to_string(e.mark.line + 1) +
                                                         ":" + std::to_string(e.mark.column + 1) +
                                                         ": " + e.msg);
    }
}

Status Config::loadFile(const std::string& path) {
    try {
        YAML::Node doc = YAML::LoadFile(path);
        if (doc.IsNull()) return {};
        if (!doc.IsMap())
            return makeError(ErrorCode::InvalidArgument, path + ": top level must be a mapping");
        mergeInto(impl_->root, doc);
        return {};
    } catch (const YAML::BadFile&) {
        return makeError(ErrorCode::NotFound, path + ": cannot read configuration file");
    } catch (const YAML::Exception& e) {
        return makeError(ErrorCode::InvalidArgument, path + ":" + std::to_string(e.mark.line + 1) +
                                                         ":" + std::to_string(e.mark.column + 1) +
                                                         ": " + e.msg);
    }
}

void Config::setEnvironment(Env env) {
    impl_->env = std::move(env);
}

Config::Env Config::processEnvironment() {
    Env env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("SKYDIVE_", 0) != 0) continue;
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

void Config::setFlag(const std::string& key, std::string value) {
    impl_->flags[key] = std::move(value);
}

std::string Config::envName(std::string_view key) {
    std::string name = "SKYDIVE_";
    for (char c : key) {
        name.push_back(c == '.' || c == '-'
                           ? '_'
                           : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return name;
}

const std::map<std::string, std::string, std::less<>>& Config::defaults() {
    return kDefaults;
}

bool Config::has(std::string_view key) const {
    return impl_->lookup(key).has_value();
}

Result<std::string> Config::getString(std::string_view key) const {
    auto raw = impl_->lookup(key);
    if (!raw)
        return makeError(ErrorCode::NotFound,
                         "configuration key '" + std::string(key) + "' is not set");
    if (raw->from != Raw::From::File) return raw->text;
    if (!raw->node.IsScalar()) {
        return makeError(ErrorCode::InvalidArgument, "configuration key '" + std::string(key) +
                                                         "' must be a scalar (from " +
                                                         raw->where() + ")");
    }
    return raw->node.as<std::string>();
}

Result<std::int64_t> Config::getInt(std::string_view key) const {
    auto raw = impl_->lookup(key);
    if (!raw)
        return makeError(ErrorCode::NotFound,
                         "configuration key '" + std::string(key) + "' is not set");
    auto text = getString(key);
    if (!text.ok()) return text.error();
    return toInt(key, *text, *raw);
}

Result<double> Config::getDouble(std::string_view key) const {
    auto text = getString(key);
    if (!text.ok()) return text.error();
    try {
        std::size_t used = 0;
        double d = std::stod(*text, &used);
        if (used == text->size()) return d;
    } catch (const std::exception&) {
    }
    return makeError(ErrorCode::InvalidArgument, "configuration key '" + std::string(key) +
                                                     "' must be a number, got '" + *text + "'");
}

Result<bool> Config::getBool(std::string_view key) const {
    auto text = getString(key);
    if (!text.ok()) return text.error();
    std::string t = *text;
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
    return makeError(ErrorCode::InvalidArgument, "configuration key '" + std::string(key) +
                                                     "' must be a boolean, got '" + *text + "'");
}

Result<std::vector<std::string>> Config::getStringList(std::string_view key) const {
    auto raw = impl_->lookup(key);
    if (!raw)
        return makeError(ErrorCode::NotFound,
                         "configuration key '" + std::string(key) + "' is not set");
    switch (raw->from) {
        case Raw::From::Flag:
        case Raw::From::Env: return splitWhitespace(raw->text);
        case Raw::From::Default: return parseListDefault(raw->text);
        case Raw::From::File:
            if (raw->node.IsScalar()) return std::vector<std::string>{raw->node.as<std::string>()};
            if (!raw->node.IsSequence()) {
                return makeError(ErrorCode::InvalidArgument,
                                 "configuration key '" + std::string(key) +
                                     "' must be a list (from " + raw->where() + ")");
            }
            std::vector<std::string> out;
            for (const auto& item : raw->node) {
                if (!item.IsScalar()) {
                    return makeError(
                        ErrorCode::InvalidArgument,
                        "configuration key '" + std::string(key) + "' must be a list of strings");
                }
                out.push_back(item.as<std::string>());
            }
            return out;
    }
    return std::vector<std::string>{};
}

Result<std::map<std::string, std::string>> Config::getStringMap(std::string_view key) const {
    auto raw = impl_->lookup(key);
    std::map<std::string, std::string> out;
    if (!raw || raw->from != Raw::From::File) return out;
    if (!raw->node.IsMap()) {
        return makeError(ErrorCode::InvalidArgument,
                         "configuration key '" + std::string(key) + "' must be a map");
    }
    for (auto it = raw->node.begin(); it != raw->node.end(); ++it) {
        if (!it->second.IsScalar()) {
            return makeError(ErrorCode::InvalidArgument,
                             "configuration key '" + std::string(key) + "' must map to strings");
        }
        out[it->first.as<std::string>()] = it->second.as<std::string>();
    }
    return out;
}

namespace {

model::Value scalarValue(const std::string& text, bool quoted) {
    if (quoted) return model::Value(text);
    if (text == "true") return model::Value(true);
    if (text == "false") return model::Value(false);
    std::int64_t i = 0;
    if (auto r = std::from_chars(text.data(), text.data() + text.size(), i);
        r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty())
        return model::Value(static_cast<long long>(i));
    double d = 0;
    if (auto r = std::from_chars(text.data(), text.data() + text.size(), d);
        r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty())
        return model::Value(d);
    return model::Value(text);
}

model::Value yamlToValue(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar: return scalarValue(node.Scalar(), node.Tag() == "!");
        case YAML::NodeType::Sequence: {
            model::List list;
            for (const auto& item : node) list.push_back(yamlToValue(item));
            return model::Value(std::move(list));
        }
        case YAML::NodeType::Map: {
            model::Object obj;
            for (auto it = node.begin(); it != node.end(); ++it)
                obj.set(it->first.as<std::string>(), yamlToValue(it->second));
            return model::Value(std::move(obj));
        }
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: return model::Value();
    }
    return model::Value();
}

}  // namespace

std::string Config::getJson(std::string_view key) const {
    auto raw = impl_->lookup(key);
    if (!raw) return "null";
    if (raw->from == Raw::From::File) return model::toJson(yamlToValue(raw->node));
    std::string def;
    if (auto it = kDefaults.find(key); it != kDefaults.end()) def = it->second;
    if (!def.empty() && def.front() == '[') {
        auto items = raw->from == Raw::From::Default ? parseListDefault(raw->text)
                                                     : splitWhitespace(raw->text);
        model::List list;
        for (auto& item : items) list.emplace_back(item);
        return model::toJson(model::Value(std::move(list)));
    }
    if (def.empty()) return model::toJson(model::Value(raw->text));
    return model::toJson(scalarValue(raw->text, false));
}

Status Config::validate() const {
    for (const auto& [key, def] : kDefaults) {
        switch (kindOf(def)) {
            case Kind::Int: {
                auto v = getInt(key);
                if (!v.ok()) return v.error();
                break;
            }
            case Kind::Bool: {
                auto v = getBool(key);
                if (!v.ok()) return v.error();
                break;
            }
            case Kind::List: {
                auto v = getStringList(key);
                if (!v.ok()) return v.error();
                break;
            }
            case Kind::String: {
                auto v = getString(key);
                if (!v.ok() && v.error().code != ErrorCode::NotFound) return v.error();
                break;
            }
        }
    }
    for (const char* key : {"flow.expire", "flow.update"}) {
        if (*getInt(key) <= 0) {
            return makeError(ErrorCode::InvalidArgument,
                             std::string("configuration key '") + key + "' must be > 0");
        }
    }
    for (const char* key : {"etcd.max_wal_files", "etcd.max_snap_files"}) {
        if (*getInt(key) < 0) {
            return makeError(ErrorCode::InvalidArgument,
                             std::string("configuration key '") + key + "' must be >= 0");
        }
    }
    return {};
}

}  // namespace skydive::server
