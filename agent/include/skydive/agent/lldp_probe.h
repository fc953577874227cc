#pragma once

#include <map>
#include <string>
#include <thread>
#include <vector>

#include <skydive/agent/lldp.h>
#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

/// The lldp probe (spec §7): listens for LLDP frames on host interfaces and adds the neighbour
/// switch and switch port (lldp.h). `interfaces` is agent.topology.lldp.interfaces; empty =
/// every host-owned interface that is UP, has a MAC and Ethernet encapsulation. Interfaces that
/// appear later (or come back with a new index) are picked up within a second. A neighbour is
/// identified by its MSAP (chassis ID + port ID, IEEE 802.1AB): new information from it
/// replaces the old nodes, and it is removed when its TTL runs out or it sends TTL 0.
class LldpProbe {
public:
    LldpProbe(TopologyGraph& graph, std::string host_node_id, std::vector<std::string> interfaces);
    ~LldpProbe();
    LldpProbe(const LldpProbe&) = delete;
    LldpProbe& operator=(const LldpProbe&) = delete;

    model::Status start();
    void stop();

private:
    struct Listener {
        int fd = -1;
        std::int64_t if_index = 0;
        std::string node_id;
    };
    struct Neighbor {
        std::string chassis_node;
        std::string port_node;
        model::Time expires = 0;
    };
    void run();
    void learn(const std::string& ifname, const std::string& local_node, const LldpNeighbor& n);
    void forget(std::map<std::string, Neighbor>::iterator it);
    void expire();
    void refreshListeners();
    void receive(const std::string& name, Listener& l);
    std::map<std::string, std::int64_t> wantedInterfaces(std::map<std::string, std::string>& ids);

    TopologyGraph& graph_;
    std::string host_;
    std::vector<std::string> interfaces_;
    std::map<std::string, Listener> listeners_;  ///< by interface name; worker thread only
    std::map<std::string, Neighbor> neighbors_;  ///< by interface + MSAP; worker thread only
    std::thread thread_;
    int stop_fd_ = -1;
};

}  // namespace skydive::agent
