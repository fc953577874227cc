#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <skydive/agent/topology_graph.h>
#include <skydive/graph/live_graph.h>
#include <skydive/model/clock.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::agent {

struct AgentOptions {
    /// `host_id` (default: the hostname); Name of the host node, Host of every element.
    std::string host_id;
    /// `agent.topology.probes`. netlink and netns always run on Linux (as upstream); other
    /// upstream names are accepted, an unknown name is an error.
    std::vector<std::string> probes;
    /// `analyzers`: "host:port" of each analyzer; empty = standalone.
    std::vector<std::string> analyzers;
    /// `agent.topology.netns.run_path`.
    std::string netns_run_path = "/var/run/netns";
    /// `agent.topology.netlink.metrics_update` in seconds (0 = no interface metrics).
    std::chrono::milliseconds metrics_update = std::chrono::seconds(30);
    /// `agent.topology.socketinfo.host_update`, used when "socketinfo" is among the probes.
    std::chrono::milliseconds socketinfo_update = std::chrono::seconds(10);
    /// `ovs.ovsdb`, used when "ovsdb" is among the probes.
    std::string ovsdb_address = "unix:///var/run/openvswitch/db.sock";
    /// `agent.topology.lldp.interfaces`, used when "lldp" is among the probes (empty = every
    /// UP host Ethernet interface).
    std::vector<std::string> lldp_interfaces;
    /// `agent.topology.docker.url`, used when "docker" is among the probes.
    std::string docker_url = "unix:///var/run/docker.sock";
    /// `agent.topology.libvirt.url`, used when "libvirt" is among the probes.
    std::string libvirt_url = "qemu:///system";
    /// `agent.metadata`: merged into the host node's metadata.
    model::Value host_metadata = model::Value::object();
};

/// One analyzer connection as the agent's /api/status reports it.
struct AnalyzerLink {
    std::string address;  ///< "host:port" from `analyzers`
    bool connected = false;
    model::Time connect_time = 0;  ///< ms; 0 before the first Sync
};

/// Names accepted in agent.topology.probes (spec §7).
const std::vector<std::string>& knownProbeNames();

/// The agent (spec §0, §7): the host node, the topology probes writing to the local graph, the
/// LiveGraph mirror that the agent's own API queries, and a forwarder per analyzer.
class Agent {
public:
    static model::Result<std::unique_ptr<Agent>> create(AgentOptions options,
                                                        const model::Clock& clock);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    /// Adds the host node and starts the probes (their first scan is in the graph on return),
    /// then the forwarders.
    model::Status start();
    /// Stops forwarders and probes; idempotent.
    void stop();

    const AgentOptions& options() const;
    const std::string& hostNodeId() const;
    /// The probes' graph (with TIDs); read it, subscribe to it.
    TopologyGraph& topology();
    /// The same content as a LiveGraph (Gremlin over GraphSource, /ws/subscriber).
    graph::LiveGraph& liveGraph();
    /// True when at least one analyzer connection is up and synced.
    bool connected() const;
    /// Each configured analyzer, in configuration order.
    std::vector<AnalyzerLink> analyzerLinks() const;
    /// Topology probes running now, by name (netlink and netns always).
    std::vector<std::string> runningProbes() const;

private:
    struct Impl;
    explicit Agent(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::agent
