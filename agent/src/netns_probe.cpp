#include <skydive/agent/ids.h>
#include <skydive/agent/netns_probe.h>

#include <spdlog/spdlog.h>

#include "worker.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

namespace skydive::agent {
namespace {

constexpr long kNsfsMagic = 0x6e736673;  // NSFS_MAGIC
// `ip netns add` creates the file before bind-mounting the namespace on it: such a file is
// re-checked every kMountPoll, without blocking the other events, until kMountWait has passed.
constexpr auto kMountWait = std::chrono::seconds(2);
constexpr int kMountPollMs = 5;

bool isNamespaceFile(const std::string& path, struct stat* st) {
    struct statfs fs {};
    return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == kNsfsMagic &&
           ::stat(path.c_str(), st) == 0;
}

}  // namespace

NetnsProbe::NetnsProbe(TopologyGraph& graph, std::string host_node_id, std::string run_path,
                       std::chrono::milliseconds metrics_interval)
    : graph_(graph),
      host_node_id_(std::move(host_node_id)),
      run_path_(std::move(run_path)),
      metrics_interval_(metrics_interval) {}

NetnsProbe::~NetnsProbe() {
    stop();
}

model::Status NetnsProbe::start() {
    if (thread_.joinable()) return {};
    std::error_code ec;
    std::filesystem::create_directories(run_path_, ec);
    if (ec) {
        return model::makeError(model::ErrorCode::Unavailable,
                                "cannot create " + run_path_ + ": " + ec.message());
    }
    inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (inotify_fd_ < 0 || stop_fd_ < 0 ||
        ::inotify_add_watch(inotify_fd_, run_path_.c_str(),
                            IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) < 0) {
        std::string why = std::strerror(errno);
        stop();
        return model::makeError(model::ErrorCode::Unavailable, "inotify " + run_path_ + ": " + why);
    }
    // Watch first, then scan: a namespace created in between is seen twice, add() dedups.
    if (DIR* dir = ::opendir(run_path_.c_str())) {
        while (dirent* e = ::readdir(dir)) {
            std::string name = e->d_name;
            if (name != "." && name != "..") add(name);
        }
        ::closedir(dir);
    }
    thread_ = std::thread([this] { watch(); });
    return {};
}

void NetnsProbe::stop() {
    stopWorker(thread_, stop_fd_);
    std::vector<std::string> names;
    {
        std::lock_guard l(mu_);
        for (const auto& [name, ns] : namespaces_) names.push_back(name);
    }
    for (const auto& name : names) unregisterNamespace(name);
    closeFd(inotify_fd_);
    closeFd(stop_fd_);
}

void NetnsProbe::watch() {
    alignas(inotify_event) char buf[4096];
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    while (true) {
        if (::poll(fds, 2, pending_.empty() ? -1 : kMountPollMs) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if ((fds[1].revents & POLLIN) != 0) return;
        ssize_t n = (fds[0].revents & POLLIN) != 0 ? ::read(inotify_fd_, buf, sizeof buf) : 0;
        for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            auto* ev = reinterpret_cast<inotify_event*>(buf + off);
            std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
            if (!name.empty()) {
                if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) != 0) add(name);
                if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) != 0) remove(name);
            }
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
        retryPending();
    }
}

void NetnsProbe::add(const std::string& name) {
    std::string path = run_path_ + "/" + name;
    struct stat st {};
    if (!isNamespaceFile(path, &st)) {
        pending_.try_emplace(name, std::chrono::steady_clock::now() + kMountWait);
        return;
    }
    pending_.erase(name);
    auto r = addPath(path, name, model::Value::object());
    if (!r.ok()) spdlog::warn("netns {}: {}", name, r.error().message);
}

void NetnsProbe::retryPending() {
    auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
        std::string name = it->first;
        std::string path = run_path_ + "/" + name;
        struct stat st {};
        if (isNamespaceFile(path, &st)) {
            it = pending_.erase(it);
            auto r = addPath(path, name, model::Value::object());
            if (!r.ok()) spdlog::warn("netns {}: {}", name, r.error().message);
        } else if (now >= it->second) {
            // A file still there after the wait is not a namespace; a vanished one is no news.
            if (::access(path.c_str(), F_OK) == 0) {
                spdlog::warn("netns {}: {} is not a network namespace, skipped", name, path);
            }
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
}

void NetnsProbe::remove(const std::string& name) {
    pending_.erase(name);
    unregisterNamespace(run_path_ + "/" + name);
}

model::Result<std::string> NetnsProbe::registerNamespace(const std::string& path,
                                                         const std::string& name,
                                                         const model::Value& extra) {
    return addPath(path, name, extra);
}

model::Result<std::string> NetnsProbe::addPath(const std::string& path, const std::string& name,
                                               const model::Value& extra) {
    struct stat st {};
    if (!isNamespaceFile(path, &st)) {
        return model::makeError(model::ErrorCode::Unavailable,
                                path + " is not a network namespace, skipped");
    }
    struct stat self {};
    if (::stat("/proc/self/ns/net", &self) == 0 && self.st_ino == st.st_ino &&
        self.st_dev == st.st_dev) {
        return host_node_id_;  // our own namespace is the host node
    }
    auto mergeExtra = [&](const std::string& id) {
        if (!extra.isObject() || extra.asObject().empty()) return;
        auto lock = graph_.lock();
        auto n = graph_.node(id);
        if (!n) return;
        model::Value md = n->metadata;
        for (const auto& [k, v] : extra.asObject()) md.mutableObject().set(k.view(), v);
        graph_.setNodeMetadata(id, std::move(md));
    };
    {
        std::lock_guard l(mu_);
        if (auto it = namespaces_.find(path); it != namespaces_.end()) {
            std::string id = it->second.node_id;
            mergeExtra(id);
            return id;
        }
        for (const auto& [p, ns] : namespaces_) {
            if (ns.inode == st.st_ino) {  // the same namespace under another path
                std::string id = ns.node_id;
                mergeExtra(id);
                return id;
            }
        }
    }
    Namespace ns;
    ns.node_id = randomId();
    ns.inode = st.st_ino;
    model::Value md(model::Object{{"Name", name},
                                  {"Type", "netns"},
                                  {"Path", path},
                                  {"Inode", static_cast<long long>(st.st_ino)},
                                  {"Device", static_cast<long long>(st.st_dev)}});
    if (extra.isObject())
        for (const auto& [k, v] : extra.asObject()) md.mutableObject().set(k.view(), v);
    graph_.addNode(ns.node_id, std::move(md));
    graph_.link(host_node_id_, ns.node_id, "ownership");
    ns.netlink = std::make_unique<NetlinkProbe>(graph_, ns.node_id, path, metrics_interval_);
    if (auto s = ns.netlink->start(); !s) {
        // The namespace vanished mid-scan, or cannot be entered: drop it, keep running.
        graph_.deleteNode(ns.node_id);
        return model::makeError(model::ErrorCode::Unavailable, s.error().message);
    }
    std::string id = ns.node_id;
    std::lock_guard l(mu_);
    namespaces_.emplace(path, std::move(ns));
    return id;
}

void NetnsProbe::unregisterNamespace(const std::string& path) {
    Namespace ns;
    {
        std::lock_guard l(mu_);
        auto it = namespaces_.find(path);
        if (it == namespaces_.end()) return;
        ns = std::move(it->second);
        namespaces_.erase(it);
    }
    ns.netlink->stop();  // leaves the namespace so the kernel can destroy it
    graph_.deleteNode(ns.node_id);
}

}  // namespace skydive::agent
