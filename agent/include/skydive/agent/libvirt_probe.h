#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

/// The libvirt probe (spec §7): one node per domain {Name, Type:"libvirt", State} owned by the
/// host, from libvirt's API on `agent.topology.libvirt.url` (read-only connection), kept live by
/// lifecycle events. The host interface of each domain NIC (its <target dev>) gets
/// `Libvirt{MAC, Domain, BusType, BusInfo, Alias}` and `PeerIntfMAC`, and a `vlayer2` edge to the
/// domain; interfaces that appear after their domain are linked within a second.
class LibvirtProbe {
public:
    LibvirtProbe(TopologyGraph& graph, std::string host_node_id, std::string url);
    ~LibvirtProbe();
    LibvirtProbe(const LibvirtProbe&) = delete;
    LibvirtProbe& operator=(const LibvirtProbe&) = delete;

    /// Unavailable when the connection cannot be opened.
    model::Status start();
    void stop();

    struct Impl;  // libvirt types stay in the .cpp

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::agent
