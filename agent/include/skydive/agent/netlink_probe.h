#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

/// The netlink probe of one network namespace (spec §7): a dedicated thread that enters the
/// namespace (setns only changes the calling thread), subscribes to link/address/route/neighbour
/// events, dumps the current state, then applies events as they come (no polling). Interfaces
/// are owned by `root_id` (the host node, or the netns node).
class NetlinkProbe {
public:
    /// `netns_path` empty = the namespace of the process. Every `metrics_interval`
    /// (agent.topology.netlink.metrics_update; 0 = never) links are dumped again for their
    /// counters and `Metric`/`LastUpdateMetric` are published.
    NetlinkProbe(TopologyGraph& graph, std::string root_id, std::string netns_path = {},
                 std::chrono::milliseconds metrics_interval = std::chrono::seconds(30));
    ~NetlinkProbe();
    NetlinkProbe(const NetlinkProbe&) = delete;
    NetlinkProbe& operator=(const NetlinkProbe&) = delete;

    /// Starts the thread and waits until the first dump is in the graph. Fails (and starts
    /// nothing) when the namespace cannot be entered or the sockets cannot be opened.
    model::Status start();
    /// Stops the thread (releasing the namespace) and removes the interfaces it published.
    void stop();
    /// Messages the parser dropped as malformed since start (for tests and status).
    std::size_t malformedMessages() const { return malformed_.load(); }

private:
    struct Loop;
    TopologyGraph& graph_;
    std::string root_id_;
    std::string netns_path_;
    std::chrono::milliseconds metrics_interval_;
    std::unique_ptr<Loop> loop_;
    std::thread thread_;
    std::atomic<std::size_t> malformed_{0};
};

}  // namespace skydive::agent
