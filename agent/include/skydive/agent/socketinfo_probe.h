#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::agent {

/// One line of /proc/<pid>/net/{tcp,tcp6,udp,udp6}.
struct ProcSocket {
    std::string local_address;
    std::uint16_t local_port = 0;
    std::string remote_address;
    std::uint16_t remote_port = 0;
    std::string state;  ///< spec §7 names; kernel state 7 (CLOSE) reads TIME_WAIT [quirk]
    std::uint64_t inode = 0;
};

/// Parses a /proc/net/{tcp,udp}[6] table; malformed lines are skipped.
std::vector<ProcSocket> parseProcNet(std::string_view text);

/// The socketinfo probe (spec §7): every `interval` (agent.topology.socketinfo.host_update),
/// the `Sockets` list of the host node = the TCP/UDP sockets of every process, in every network
/// namespace, from /proc (this kernel has no kprobes).
class SocketInfoProbe {
public:
    SocketInfoProbe(TopologyGraph& graph, std::string host_node_id,
                    std::chrono::milliseconds interval = std::chrono::seconds(10),
                    std::string proc_root = "/proc");
    ~SocketInfoProbe();
    SocketInfoProbe(const SocketInfoProbe&) = delete;
    SocketInfoProbe& operator=(const SocketInfoProbe&) = delete;

    model::Status start();
    void stop();
    /// One scan (also what the thread runs), returning the `Sockets` value.
    model::Value scan() const;

private:
    TopologyGraph& graph_;
    std::string host_;
    std::chrono::milliseconds interval_;
    std::string proc_;
    std::thread thread_;
    int stop_fd_ = -1;
};

}  // namespace skydive::agent
