// The docker probe: list + events over the Engine API (unix socket or TCP), containers into the
// graph.
#include <skydive/agent/docker_probe.h>
#include <skydive/agent/ids.h>
#include <skydive/model/json.h>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "engine_http.h"
#include "worker.h"

namespace skydive::agent {

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(5);
constexpr int kRetryMs = 1000;
// /events?filters={"type":["container"]}
constexpr const char* kEventsTarget = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";

std::string field(const model::Value& v, std::string_view key) {
    const auto* f = v.isObject() ? v.asObject().find(key) : nullptr;
    return f != nullptr && f->isString() ? std::string(f->asString()) : std::string();
}

}  // namespace

DockerProbe::DockerProbe(TopologyGraph& graph, std::string host_node_id, NetnsProbe& netns,
                         std::string url)
    : graph_(graph), host_(std::move(host_node_id)), netns_(netns), url_(std::move(url)) {}

DockerProbe::~DockerProbe() {
    stop();
}

model::Status DockerProbe::start() {
    auto endpoint = parseEndpoint(url_);
    if (!endpoint.ok()) return endpoint.error();
    endpoint_ = std::make_unique<HttpEndpoint>(std::move(*endpoint));
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) {
        return model::makeError(model::ErrorCode::Unavailable,
                                std::string("docker: eventfd: ") + std::strerror(errno));
    }
    thread_ = std::thread([this] { run(); });
    return {};
}

void DockerProbe::stop() {
    stopWorker(thread_, stop_fd_);
    removeAll();
    closeFd(stop_fd_);
}

bool DockerProbe::waitStop(int ms) {
    pollfd p{stop_fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
}

void DockerProbe::run() {
    bool warned = false;
    while (true) {
        if (session()) {
            warned = false;
        } else if (!warned) {
            spdlog::warn("docker: engine not reachable on {}, retrying every second", url_);
            warned = true;
        }
        if (waitStop(kRetryMs)) return;
    }
}

// One connection to the engine: subscribe to events first, then list, so no start is missed
// (a container seen twice is added once). Returns false when the engine was not reachable;
// true when the stream ended (engine restart) or the probe is stopping.
bool DockerProbe::session() {
    std::string pending;
    auto stream = httpStream(*endpoint_, kEventsTarget, pending, kRequestTimeout);
    if (!stream.ok()) return false;
    int fd = *stream;
    auto list = httpGet(*endpoint_, "/containers/json", kRequestTimeout);
    if (list.ok() && list->status == 200) {
        auto doc = model::parseJson(list->body);
        if (doc.ok() && doc->isList()) {
            for (const auto& c : doc->asList()) addContainer(field(c, "Id"));
        }
    }
    char buf[8192];
    while (true) {
        pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents != 0) break;
        if (fds[1].revents == 0) continue;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            spdlog::warn("docker: event stream closed");
            removeAll();
            break;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            auto ev = model::parseJson(line);
            if (!ev.ok()) {
                spdlog::debug("docker: bad event: {}", ev.error().message);
                continue;
            }
            std::string action = field(*ev, "Action");
            std::string id = field(*ev, "id");
            if (id.empty()) id = field(*ev, "ID");
            if (action == "start") addContainer(id);
            if (action == "die") removeContainer(id);
        }
    }
    ::close(fd);
    return true;
}

void DockerProbe::addContainer(const std::string& id) {
    if (id.empty() || containers_.count(id) != 0) return;
    auto res = httpGet(*endpoint_, "/containers/" + id + "/json", kRequestTimeout);
    if (!res.ok() || res->status != 200) return;
    auto doc = model::parseJson(res->body);
    if (!doc.ok()) return;
    auto info = containerFromDockerInspect(*doc);
    if (!info.ok()) {
        spdlog::warn("docker: {}", info.error().message);
        return;
    }
    if (info->pid <= 0) return;  // not running (any more)
    Known k;
    std::string parent = host_;
    if (!info->host_network) {
        k.netns_path = "/proc/" + std::to_string(info->pid) + "/ns/net";
        auto ns = netns_.registerNamespace(k.netns_path, info->name,
                                           model::Value(model::Object{{"Manager", "docker"}}));
        if (!ns.ok()) {
            spdlog::warn("docker: container {}: {}", info->name, ns.error().message);
            return;
        }
        parent = *ns;
        if (parent == host_) k.netns_path.clear();
    }
    k.node_id = randomId();
    graph_.addNode(k.node_id, containerMetadata(*info, "docker"));
    graph_.link(parent, k.node_id, "ownership");
    containers_.emplace(id, std::move(k));
}

void DockerProbe::removeContainer(const std::string& id) {
    auto it = containers_.find(id);
    if (it == containers_.end()) return;
    // The namespace goes first: once the container node is gone, so is everything it held.
    if (!it->second.netns_path.empty()) netns_.unregisterNamespace(it->second.netns_path);
    graph_.deleteNode(it->second.node_id);
    containers_.erase(it);
}

void DockerProbe::removeAll() {
    while (!containers_.empty()) removeContainer(containers_.begin()->first);
}

}  // namespace skydive::agent
