// Container documents of the Docker Engine API and runc into spec §7 container metadata.
#include <skydive/agent/container.h>

namespace skydive::agent {

namespace {

const model::Value* path(const model::Value& v, std::initializer_list<std::string_view> keys) {
    const model::Value* cur = &v;
    for (auto k : keys) {
        if (!cur->isObject()) return nullptr;
        cur = cur->asObject().find(k);
        if (cur == nullptr) return nullptr;
    }
    return cur;
}

std::string str(const model::Value& v, std::initializer_list<std::string_view> keys) {
    const auto* f = path(v, keys);
    return f != nullptr && f->isString() ? std::string(f->asString()) : std::string();
}

std::int64_t integer(const model::Value& v, std::initializer_list<std::string_view> keys) {
    const auto* f = path(v, keys);
    return f != nullptr && f->isInt() ? f->asInt() : 0;
}

model::Error bad(std::string what) {
    return model::makeError(model::ErrorCode::InvalidArgument, std::move(what));
}

}  // namespace

model::Result<ContainerInfo> containerFromDockerInspect(const model::Value& inspect) {
    ContainerInfo c;
    c.id = str(inspect, {"Id"});
    if (c.id.empty()) return bad("docker inspect: no Id");
    if (path(inspect, {"State"}) == nullptr) return bad("docker inspect: no State");
    c.name = str(inspect, {"Name"});
    if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
    c.image = str(inspect, {"Config", "Image"});
    c.image_id = str(inspect, {"Image"});
    c.runtime = "docker";
    c.status = str(inspect, {"State", "Status"});
    c.pid = integer(inspect, {"State", "Pid"});
    if (const auto* labels = path(inspect, {"Config", "Labels"}); labels && labels->isObject())
        c.labels = *labels;
    c.host_network = str(inspect, {"HostConfig", "NetworkMode"}) == "host";
    return c;
}

model::Result<ContainerInfo> containerFromRuncState(const model::Value& state) {
    ContainerInfo c;
    c.id = str(state, {"id"});
    if (c.id.empty()) return bad("runc state: no id");
    c.name = c.id;
    c.runtime = "runc";
    c.pid = integer(state, {"init_process_pid"});
    c.status = c.pid > 0 ? "running" : "stopped";
    model::Value labels = model::Value::object();
    if (const auto* l = path(state, {"config", "labels"}); l && l->isList()) {
        for (const auto& item : l->asList()) {
            if (!item.isString()) continue;
            std::string_view kv = item.asString();
            auto eq = kv.find('=');
            if (eq == std::string_view::npos) continue;
            labels.mutableObject().set(kv.substr(0, eq), kv.substr(eq + 1));
        }
    }
    if (const auto* img = labels.asObject().find("io.kubernetes.cri-o.ImageName");
        img && img->isString())
        c.image = std::string(img->asString());
    if (const auto* ref = labels.asObject().find("io.kubernetes.cri-o.ImageRef");
        ref && ref->isString())
        c.image_id = std::string(ref->asString());
    c.labels = std::move(labels);
    return c;
}

model::Value containerMetadata(const ContainerInfo& c, std::string_view manager) {
    model::Value container(model::Object{{"ID", c.id},
                                         {"Image", c.image},
                                         {"ImageID", c.image_id},
                                         {"Runtime", c.runtime},
                                         {"Status", c.status},
                                         {"InitProcessPID", static_cast<long long>(c.pid)},
                                         {"Labels", c.labels}});
    return model::Value(model::Object{{"Type", "container"},
                                      {"Name", c.name},
                                      {"Manager", manager},
                                      {"Container", std::move(container)}});
}

}  // namespace skydive::agent
