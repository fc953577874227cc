#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <skydive/agent/container.h>
#include <skydive/agent/netns_probe.h>
#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

struct HttpEndpoint;

/// The docker probe (spec §7): running containers from the Docker Engine API on its unix socket
/// or a plain TCP address (`agent.topology.docker.url`: `unix:///path`, `tcp://host:port`), kept
/// live by its `/events` stream (added on `start`, removed on `die`). Each container's namespace
/// (/proc/<pid>/ns/net) becomes a netns node (netns probe, `Manager: docker`) owning the container
/// node; a host-network container is owned by the host. When the engine is down the probe retries
/// every second.
class DockerProbe {
public:
    DockerProbe(TopologyGraph& graph, std::string host_node_id, NetnsProbe& netns,
                std::string url = "unix:///var/run/docker.sock");
    ~DockerProbe();
    DockerProbe(const DockerProbe&) = delete;
    DockerProbe& operator=(const DockerProbe&) = delete;

    /// InvalidArgument for a URL that is neither unix:// nor tcp://host:port; otherwise starts
    /// (connected or not).
    model::Status start();
    void stop();

private:
    struct Known {
        std::string node_id;
        std::string netns_path;  ///< empty for host-network containers
    };
    void run();
    bool session();
    void addContainer(const std::string& id);
    void removeContainer(const std::string& id);
    void removeAll();
    bool waitStop(int ms);

    TopologyGraph& graph_;
    std::string host_;
    NetnsProbe& netns_;
    std::string url_;
    std::unique_ptr<HttpEndpoint> endpoint_;
    std::map<std::string, Known> containers_;  ///< by container ID; worker thread only
    std::thread thread_;
    int stop_fd_ = -1;
};

}  // namespace skydive::agent
