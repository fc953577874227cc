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

private:
    struct Namespace {
        std::string node_id;
        std::unique_ptr<NetlinkProbe> netlink;
    };
    void watch();
    void add(const std::string& name);
    void remove(const std::string& name);

    TopologyGraph& graph_;
    std::string host_node_id_;
    std::string run_path_;
    std::chrono::milliseconds metrics_interval_;
    int inotify_fd_ = -1;
    int stop_fd_ = -1;
    std::thread thread_;
    std::mutex mu_;
    std::map<std::string, Namespace> namespaces_;
};

}  // namespace skydive::agent
