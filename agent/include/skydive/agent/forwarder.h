#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/clock.h>

namespace skydive::agent {

struct ForwarderOptions {
    std::string address;  ///< analyzer "host:port"
    std::string host_id;  ///< sent as X-Host-ID
    std::string path = "/ws/agent/topology";
    std::chrono::milliseconds min_backoff{200};
    std::chrono::milliseconds max_backoff{5000};
    std::chrono::milliseconds connect_timeout{5000};
    /// Messages waiting for a slow analyzer; past it the connection is dropped and the graph is
    /// re-sent in full on reconnect (never unbounded memory).
    std::size_t max_queue = 100000;
};

/// Streams the agent's graph to one analyzer (spec §5.3 publisher semantics): on each connection
/// a `Sync` with the whole graph, then NodeAdded/NodeUpdated/NodeDeleted/Edge* events in graph
/// order; on any error it reconnects with exponential backoff and resyncs in full. Headers:
/// X-Host-ID, X-Client-Type: agent, X-Client-Protocol: json, X-Persistence-Policy:
/// DeleteOnDisconnect, X-Websocket-Namespace: *.
class Forwarder {
public:
    Forwarder(TopologyGraph& graph, ForwarderOptions options);
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    void start();
    void stop();
    /// True while a connection is up and its Sync was sent.
    bool connected() const;
    /// When the current (or last) connection's Sync was sent, in ms; 0 before the first one.
    model::Time connectTime() const;
    const std::string& address() const;
    /// Number of Sync messages sent (one per successful connection).
    std::uint64_t syncCount() const;
    /// Events sent since start (not counting Sync).
    std::uint64_t eventCount() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::agent
