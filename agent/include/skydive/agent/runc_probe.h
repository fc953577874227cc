#pragma once

#include <map>
#include <string>
#include <thread>
#include <vector>

#include <skydive/agent/container.h>
#include <skydive/agent/netns_probe.h>
#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>

namespace skydive::agent {

/// The runc probe (spec §7): containers from runc's state directories
/// (`agent.topology.runc.run_path`; `<root>/<id>/state.json`, or `<root>/<namespace>/<id>/`
/// as containerd lays them out), watched with inotify plus a one-second rescan (state.json is
/// written after its directory appears). Each container's namespace is a netns node
/// (`Manager`/`Runtime: runc` when not set yet) owning a container node named after the ID; a
/// container node that another probe made for the same init PID is updated instead.
class RuncProbe {
public:
    RuncProbe(TopologyGraph& graph, std::string host_node_id, NetnsProbe& netns,
              std::vector<std::string> run_paths);
    ~RuncProbe();
    RuncProbe(const RuncProbe&) = delete;
    RuncProbe& operator=(const RuncProbe&) = delete;

    model::Status start();
    void stop();

private:
    struct Known {
        std::string node_id;
        std::string netns_path;
        bool owned = true;  ///< false when the node belongs to another probe (docker)
    };
    void run();
    void rescan();
    void watchDirs();
    void add(const std::string& state_file);
    void remove(const std::string& id);

    TopologyGraph& graph_;
    std::string host_;
    NetnsProbe& netns_;
    std::vector<std::string> roots_;
    std::map<std::string, Known> containers_;  ///< by container ID; worker thread only
    std::thread thread_;
    int inotify_fd_ = -1;
    int stop_fd_ = -1;
};

}  // namespace skydive::agent
