#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>

namespace skydive::agent {
namespace {

std::optional<std::string_view> stringField(const model::Value& md, std::string_view key) {
    if (!md.isObject()) return std::nullopt;
    const model::Value* v = md.asObject().find(key);
    if (v == nullptr || !v->isString()) return std::nullopt;
    return v->asString();
}

std::string concat(std::string_view a, std::string_view b, std::string_view c) {
    std::string s;
    s.reserve(a.size() + b.size() + c.size());
    s.append(a).append(b).append(c);
    return s;
}

}  // namespace

std::string hostTid(std::string_view host_name) {
    return uuid5(host_name);
}

std::string netnsTid(std::string_view host_tid, std::string_view path) {
    return uuid5(concat(host_tid, path, "netns"));
}

std::string ovsTid(std::string_view host_tid, std::string_view row_uuid, std::string_view type) {
    return uuid5(concat(host_tid, row_uuid, type));
}

bool tidIsOwn(const model::Value& metadata) {
    auto type = stringField(metadata, "Type");
    auto probe = stringField(metadata, "Probe");
    if (probe && *probe == "fabric") return true;
    if (!type) return false;
    return *type == "host" || *type == "netns" || *type == "ovsbridge" || *type == "ovsport";
}

std::optional<std::string> ownTid(std::string_view node_id, const model::Value& metadata,
                                  std::string_view host_tid) {
    auto probe = stringField(metadata, "Probe");
    if (probe && *probe == "fabric") return std::string(node_id);
    auto type = stringField(metadata, "Type");
    if (!type) return std::nullopt;
    if (*type == "host") {
        auto name = stringField(metadata, "Name");
        if (!name) return std::nullopt;
        return hostTid(*name);
    }
    if (host_tid.empty()) return std::nullopt;
    if (*type == "netns") {
        auto path = stringField(metadata, "Path");
        if (!path) return std::nullopt;
        return netnsTid(host_tid, *path);
    }
    if (*type == "ovsbridge" || *type == "ovsport") {
        auto uuid = stringField(metadata, "UUID");
        if (!uuid) return std::nullopt;
        return ovsTid(host_tid, *uuid, *type);
    }
    return std::nullopt;
}

std::optional<std::string> childTid(std::string_view parent_tid, const model::Value& metadata) {
    auto type = stringField(metadata, "Type");
    if (!type) return std::nullopt;
    auto key = stringField(metadata, *type == "netns" ? "Path" : "Name");
    if (!key) return std::nullopt;
    return uuid5(concat(parent_tid, *key, *type));
}

}  // namespace skydive::agent
