#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

struct OvsdbProbeOptions {
    /// `ovs.ovsdb`: "unix:///var/run/openvswitch/db.sock" (unix sockets only here).
    std::string address = "unix:///var/run/openvswitch/db.sock";
    std::chrono::milliseconds retry{1000};
};

/// The ovsdb probe (spec §7): a JSON-RPC `monitor` on ovsdb-server's socket, applied live to
/// the graph; reconnects after the server goes away (its topology is removed meanwhile).
class OvsdbProbe {
public:
    OvsdbProbe(TopologyGraph& graph, std::string host_node_id, OvsdbProbeOptions options = {});
    ~OvsdbProbe();
    OvsdbProbe(const OvsdbProbe&) = delete;
    OvsdbProbe& operator=(const OvsdbProbe&) = delete;

    /// Starts the thread; never fails because ovsdb-server is not up yet (it retries).
    model::Status start();
    void stop();
    bool connected() const { return connected_.load(); }
    /// Rows or messages skipped as malformed since start.
    std::size_t skipped() const { return skipped_.load(); }

private:
    void run();
    bool session(int fd);

    TopologyGraph& graph_;
    std::string host_;
    OvsdbProbeOptions options_;
    std::thread thread_;
    int stop_fd_ = -1;
    std::atomic<bool> connected_{false};
    std::atomic<std::size_t> skipped_{0};
};

}  // namespace skydive::agent
