#include <skydive/agent/agent.h>
#include <skydive/agent/docker_probe.h>
#include <skydive/agent/forwarder.h>
#include <skydive/agent/ids.h>
#include <skydive/agent/libvirt_probe.h>
#include <skydive/agent/lldp_probe.h>
#include <skydive/agent/netlink_probe.h>
#include <skydive/agent/netns_probe.h>
#include <skydive/agent/ovsdb_probe.h>
#include <skydive/agent/runc_probe.h>
#include <skydive/agent/socketinfo_probe.h>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>

namespace skydive::agent {

const std::vector<std::string>& knownProbeNames() {
    static const std::vector<std::string> kNames = {
        "blockdev",     "netlink",    "netns",   "ovsdb", "lxd", "docker", "lldp",    "neutron",
        "opencontrail", "socketinfo", "libvirt", "runc",  "vpp", "bess",   "hardware"};
    return kNames;
}

namespace {

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

// Probes implemented here; the other known names are accepted and reported as missing.
bool implemented(const std::string& name) {
    return name == "netlink" || name == "netns" || name == "ovsdb" || name == "socketinfo" ||
           name == "lldp" || name == "docker" || name == "libvirt" || name == "runc";
}

// Puts a probe in its slot and starts it.
template <class P>
model::Status startInto(std::unique_ptr<P>& slot, std::unique_ptr<P> probe) {
    slot = std::move(probe);
    return slot->start();
}

}  // namespace

struct Agent::Impl {
    AgentOptions options;
    const model::Clock& clock;
    TopologyGraph topology;
    graph::LiveGraph live;
    std::uint64_t mirror_token = 0;
    std::string host_node_id = randomId();
    std::unique_ptr<NetlinkProbe> netlink;
    std::unique_ptr<NetnsProbe> netns;
    std::unique_ptr<OvsdbProbe> ovsdb;
    std::unique_ptr<SocketInfoProbe> socketinfo;
    std::unique_ptr<LldpProbe> lldp;
    std::unique_ptr<DockerProbe> docker;
    std::unique_ptr<LibvirtProbe> libvirt;
    std::unique_ptr<RuncProbe> runc;
    std::vector<std::unique_ptr<Forwarder>> forwarders;
    bool started = false;

    Impl(AgentOptions o, const model::Clock& c)
        : options(std::move(o)), clock(c), topology(options.host_id, c), live(c) {}
};

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() {
    stop();
}

model::Result<std::unique_ptr<Agent>> Agent::create(AgentOptions options,
                                                    const model::Clock& clock) {
    if (options.host_id.empty()) options.host_id = hostname();
    const auto& known = knownProbeNames();
    for (const auto& p : options.probes) {
        if (std::find(known.begin(), known.end(), p) == known.end()) {
            return model::makeError(model::ErrorCode::InvalidArgument,
                                    "unknown topology probe: " + p);
        }
    }
    if (!options.host_metadata.isObject()) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "agent.metadata must be an object");
    }
    auto impl = std::make_unique<Impl>(std::move(options), clock);
    return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

model::Status Agent::start() {
    Impl& d = *impl_;
    if (d.started) return {};
    // Mirror every change of the probes' graph into the LiveGraph, in order (the listener runs
    // under the topology lock). Elements carry their revisions, so apply() takes them as is.
    d.mirror_token = d.topology.subscribe([&d](const model::Change& c) {
        auto s = d.live.apply(model::GraphDelta{{c}});
        if (!s) spdlog::error("agent live graph: {}", s.error().toString());
    });
    model::Value md = d.options.host_metadata;
    auto& obj = md.mutableObject();
    obj.set("Name", d.options.host_id);
    obj.set("Type", "host");
    obj.set("Hostname", hostname());
    d.topology.addNode(d.host_node_id, std::move(md));

    // A probe that fails to start stops the agent, except libvirt (no hypervisor is common).
    model::Status s = startInto(
        d.netlink, std::make_unique<NetlinkProbe>(d.topology, d.host_node_id, std::string(),
                                                  d.options.metrics_update));
    if (s)
        s = startInto(d.netns, std::make_unique<NetnsProbe>(d.topology, d.host_node_id,
                                                            d.options.netns_run_path,
                                                            d.options.metrics_update));
    for (std::size_t i = 0; s && i < d.options.probes.size(); ++i) {
        const std::string& p = d.options.probes[i];
        if (!implemented(p)) spdlog::warn("topology probe {} is not implemented, skipped", p);
        if (p == "socketinfo" && !d.socketinfo) {
            s = startInto(d.socketinfo,
                          std::make_unique<SocketInfoProbe>(d.topology, d.host_node_id,
                                                            d.options.socketinfo_update));
        } else if (p == "lldp" && !d.lldp) {
            s = startInto(d.lldp, std::make_unique<LldpProbe>(d.topology, d.host_node_id,
                                                              d.options.lldp_interfaces));
        } else if (p == "docker" && !d.docker) {
            s = startInto(d.docker, std::make_unique<DockerProbe>(d.topology, d.host_node_id,
                                                                  *d.netns, d.options.docker_url));
        } else if (p == "runc" && !d.runc) {
            s = startInto(d.runc, std::make_unique<RuncProbe>(d.topology, d.host_node_id, *d.netns,
                                                              d.options.runc_run_paths));
        } else if (p == "ovsdb" && !d.ovsdb) {
            s = startInto(d.ovsdb,
                          std::make_unique<OvsdbProbe>(d.topology, d.host_node_id,
                                                       OvsdbProbeOptions{d.options.ovsdb_address}));
        } else if (p == "libvirt" && !d.libvirt) {
            auto l = startInto(d.libvirt, std::make_unique<LibvirtProbe>(d.topology, d.host_node_id,
                                                                         d.options.libvirt_url));
            if (!l) {
                spdlog::warn("{}; probe libvirt skipped", l.error().message);
                d.libvirt.reset();
            }
        }
    }
    if (!s) {
        stop();
        return s;
    }
    for (const auto& address : d.options.analyzers) {
        d.forwarders.push_back(std::make_unique<Forwarder>(d.topology, ForwarderOptions{
                                                                           address,
                                                                           d.options.host_id,
                                                                       }));
        d.forwarders.back()->start();
    }
    d.started = true;
    return {};
}

void Agent::stop() {
    Impl& d = *impl_;
    for (auto& f : d.forwarders) f->stop();
    d.forwarders.clear();
    if (d.libvirt) d.libvirt->stop();
    d.libvirt.reset();
    if (d.runc) d.runc->stop();  // before docker: it may point at docker's containers
    d.runc.reset();
    if (d.docker) d.docker->stop();  // before netns: it unregisters container namespaces
    d.docker.reset();
    if (d.lldp) d.lldp->stop();
    d.lldp.reset();
    if (d.socketinfo) d.socketinfo->stop();
    d.socketinfo.reset();
    if (d.ovsdb) d.ovsdb->stop();
    d.ovsdb.reset();
    if (d.netns) d.netns->stop();
    if (d.netlink) d.netlink->stop();
    d.netns.reset();
    d.netlink.reset();
    if (d.mirror_token != 0) d.topology.unsubscribe(d.mirror_token);
    d.mirror_token = 0;
    d.started = false;
}

const AgentOptions& Agent::options() const {
    return impl_->options;
}
const std::string& Agent::hostNodeId() const {
    return impl_->host_node_id;
}
TopologyGraph& Agent::topology() {
    return impl_->topology;
}
graph::LiveGraph& Agent::liveGraph() {
    return impl_->live;
}

bool Agent::connected() const {
    for (const auto& f : impl_->forwarders) {
        if (f->connected()) return true;
    }
    return false;
}

}  // namespace skydive::agent

namespace skydive::agent {

std::vector<AnalyzerLink> Agent::analyzerLinks() const {
    std::vector<AnalyzerLink> out;
    for (const auto& f : impl_->forwarders)
        out.push_back(AnalyzerLink{f->address(), f->connected(), f->connectTime()});
    return out;
}

std::vector<std::string> Agent::runningProbes() const {
    const Impl& d = *impl_;
    std::vector<std::string> out;
    if (d.netlink) out.push_back("netlink");
    if (d.netns) out.push_back("netns");
    if (d.ovsdb) out.push_back("ovsdb");
    if (d.socketinfo) out.push_back("socketinfo");
    if (d.lldp) out.push_back("lldp");
    if (d.docker) out.push_back("docker");
    if (d.libvirt) out.push_back("libvirt");
    if (d.runc) out.push_back("runc");
    return out;
}

}  // namespace skydive::agent
