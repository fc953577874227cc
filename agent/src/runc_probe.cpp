// runc state directories into container and netns nodes.
#include <skydive/agent/ids.h>
#include <skydive/agent/runc_probe.h>
#include <skydive/model/json.h>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "worker.h"

namespace skydive::agent {

namespace {

namespace fs = std::filesystem;

constexpr int kRescanMs = 1000;
constexpr std::size_t kMaxStateBytes = 4u << 20;

// The state.json files under a root: <root>/<id>/state.json and <root>/<ns>/<id>/state.json.
std::vector<fs::path> stateFiles(const fs::path& root) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        if (!e.is_directory(ec)) continue;
        if (fs::exists(e.path() / "state.json", ec)) {
            out.push_back(e.path() / "state.json");
            continue;
        }
        for (const auto& inner : fs::directory_iterator(e.path(), ec)) {
            if (inner.is_directory(ec) && fs::exists(inner.path() / "state.json", ec))
                out.push_back(inner.path() / "state.json");
        }
    }
    return out;
}

std::optional<std::string> readSmallFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = std::move(s).str();
    if (text.size() > kMaxStateBytes) return std::nullopt;
    return text;
}

}  // namespace

RuncProbe::RuncProbe(TopologyGraph& graph, std::string host_node_id, NetnsProbe& netns,
                     std::vector<std::string> run_paths)
    : graph_(graph), host_(std::move(host_node_id)), netns_(netns), roots_(std::move(run_paths)) {}

RuncProbe::~RuncProbe() {
    stop();
}

model::Status RuncProbe::start() {
    inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (inotify_fd_ < 0 || stop_fd_ < 0) {
        std::string why = std::strerror(errno);
        stop();
        return model::makeError(model::ErrorCode::Unavailable, "runc: " + why);
    }
    watchDirs();
    rescan();
    thread_ = std::thread([this] { run(); });
    return {};
}

void RuncProbe::stop() {
    stopWorker(thread_, stop_fd_);
    while (!containers_.empty()) remove(containers_.begin()->first);
    closeFd(inotify_fd_);
    closeFd(stop_fd_);
}

// Watches the roots and their first level (containerd namespaces); adding a watch twice is
// harmless (the kernel returns the same descriptor).
void RuncProbe::watchDirs() {
    constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM;
    for (const auto& root : roots_) {
        if (::inotify_add_watch(inotify_fd_, root.c_str(), kMask) < 0) continue;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(root, ec)) {
            if (e.is_directory(ec)) ::inotify_add_watch(inotify_fd_, e.path().c_str(), kMask);
        }
    }
}

void RuncProbe::run() {
    char buf[4096];
    while (true) {
        pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
        int r = ::poll(fds, 2, kRescanMs);
        if (r < 0 && errno != EINTR) return;
        if (fds[0].revents != 0) return;
        if (fds[1].revents != 0) {
            while (::read(inotify_fd_, buf, sizeof buf) > 0) {
            }
        }
        watchDirs();
        rescan();
    }
}

void RuncProbe::rescan() {
    std::set<std::string> present;
    for (const auto& root : roots_) {
        for (const auto& file : stateFiles(root)) {
            std::string id = file.parent_path().filename().string();
            present.insert(id);
            if (containers_.count(id) == 0) add(file.string());
        }
    }
    std::vector<std::string> gone;
    for (const auto& [id, k] : containers_)
        if (present.count(id) == 0) gone.push_back(id);
    for (const auto& id : gone) remove(id);
}

void RuncProbe::add(const std::string& state_file) {
    auto text = readSmallFile(state_file);
    if (!text) return;
    auto doc = model::parseJson(*text);
    if (!doc.ok()) return;  // being written: the next rescan reads it whole
    auto info = containerFromRuncState(*doc);
    if (!info.ok() || info->pid <= 0) return;
    if (!fs::exists("/proc/" + std::to_string(info->pid))) return;  // stale state dir
    Known k;
    {
        // Another probe (docker) may already show this container: leave it (and its
        // namespace) to that probe, and only remember the ID.
        auto lock = graph_.lock();
        for (const auto& n : graph_.nodesWhere("Type", model::Value("container"))) {
            const auto* c = n.metadata.asObject().find("Container");
            const auto* pid = c && c->isObject() ? c->asObject().find("InitProcessPID") : nullptr;
            if (pid && pid->isInt() && pid->asInt() == info->pid) {
                k.node_id = std::string(n.id.view());
                k.owned = false;
                containers_.emplace(info->id, std::move(k));
                return;
            }
        }
    }
    k.netns_path = "/proc/" + std::to_string(info->pid) + "/ns/net";
    auto ns = netns_.registerNamespace(k.netns_path, info->id, model::Value::object());
    if (!ns.ok()) {
        spdlog::warn("runc: container {}: {}", info->id, ns.error().message);
        return;
    }
    auto lock = graph_.lock();
    if (*ns == host_) {
        k.netns_path.clear();
    } else if (auto n = graph_.node(*ns)) {
        model::Value md = n->metadata;
        auto& o = md.mutableObject();
        if (o.find("Manager") == nullptr) o.set("Manager", "runc");
        if (o.find("Runtime") == nullptr) o.set("Runtime", "runc");
        graph_.setNodeMetadata(*ns, std::move(md));
    }
    k.node_id = randomId();
    graph_.addNode(k.node_id, containerMetadata(*info, "runc"));
    graph_.link(*ns, k.node_id, "ownership");
    containers_.emplace(info->id, std::move(k));
}

void RuncProbe::remove(const std::string& id) {
    auto it = containers_.find(id);
    if (it == containers_.end()) return;
    if (it->second.owned) {
        // The namespace goes first: once the container node is gone, so is its namespace.
        if (!it->second.netns_path.empty()) netns_.unregisterNamespace(it->second.netns_path);
        graph_.deleteNode(it->second.node_id);
    }
    containers_.erase(it);
}

}  // namespace skydive::agent
