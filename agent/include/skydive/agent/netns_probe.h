#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <skydive/agent/netlink_probe.h>
#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

/// The netns probe (spec §7): one `netns` node per file of `run_path` (created when missing),
/// watched with inotify, owned by the host node, each with its own netlink probe rooted at it.
/// The namespace of the agent itself maps to the host node and gets no netns node.
class NetnsProbe {
public:
    NetnsProbe(TopologyGraph& graph, std::string host_node_id,
               std::string run_path = "/var/run/netns",
               std::chrono::milliseconds metrics_interval = std::chrono::seconds(30));
    ~NetnsProbe();
    NetnsProbe(const NetnsProbe&) = delete;
    NetnsProbe& operator=(const NetnsProbe&) = delete;

    /// Scans the existing namespaces (their interfaces are in the graph on return) and starts
    /// watching.
    model::Status start();
    void stop();

    /// A namespace outside run_path (docker/runc containers, spec §7): a netns node {Name,
    /// Type, Path, Inode, Device} + `extra` metadata, owned by the host, with its netlink probe.
    /// Returns its node ID, the host node's when `path` is the agent's own namespace, or the
    /// existing node's (with `extra` merged) when that namespace is already known. Unavailable
    /// when `path` is not a namespace or cannot be entered.
    model::Result<std::string> registerNamespace(const std::string& path, const std::string& name,
                                                 const model::Value& extra);
    /// Forgets a namespace registered by path; no-op when unknown.
    void unregisterNamespace(const std::string& path);

private:
    struct Namespace {
        std::string node_id;
        std::uint64_t inode = 0;
        std::unique_ptr<NetlinkProbe> netlink;
    };
    void watch();
    void add(const std::string& name);
    void remove(const std::string& name);
    void retryPending();
    model::Result<std::string> addPath(const std::string& path, const std::string& name,
                                       const model::Value& extra);

    TopologyGraph& graph_;
    std::string host_node_id_;
    std::string run_path_;
    std::chrono::milliseconds metrics_interval_;
    int inotify_fd_ = -1;
    int stop_fd_ = -1;
    std::thread thread_;
    std::mutex mu_;
    std::map<std::string, Namespace> namespaces_;  ///< by path
    /// Files of the run directory not bind-mounted yet, with the moment to give up on them
    /// (watch thread only).
    std::map<std::string, std::chrono::steady_clock::time_point> pending_;
};

}  // namespace skydive::agent
