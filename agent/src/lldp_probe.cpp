// AF_PACKET listeners for LLDP on host interfaces, feeding applyLldpNeighbor.
#include <skydive/agent/lldp.h>
#include <skydive/agent/lldp_probe.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "worker.h"

namespace skydive::agent {

namespace {

constexpr int kRefreshMs = 1000;
constexpr std::array<unsigned char, 6> kLldpMulticast = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};

const model::Value* field(const model::Node& n, std::string_view key) {
    return n.metadata.isObject() ? n.metadata.asObject().find(key) : nullptr;
}

bool isString(const model::Value* v, std::string_view s) {
    return v != nullptr && v->isString() && v->asString() == s;
}

// A raw socket receiving only LLDP on one interface, joined to the LLDP multicast group.
int openListener(std::int64_t if_index) {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(kEtherTypeLldp));
    if (fd < 0) return -1;
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(kEtherTypeLldp);
    addr.sll_ifindex = static_cast<int>(if_index);
    packet_mreq mreq{};
    mreq.mr_ifindex = static_cast<int>(if_index);
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = kLldpMulticast.size();
    std::memcpy(mreq.mr_address, kLldpMulticast.data(), kLldpMulticast.size());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

LldpProbe::LldpProbe(TopologyGraph& graph, std::string host_node_id,
                     std::vector<std::string> interfaces)
    : graph_(graph), host_(std::move(host_node_id)), interfaces_(std::move(interfaces)) {}

LldpProbe::~LldpProbe() {
    stop();
}

model::Status LldpProbe::start() {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) {
        return model::makeError(model::ErrorCode::Unavailable,
                                std::string("lldp: eventfd: ") + std::strerror(errno));
    }
    refreshListeners();
    thread_ = std::thread([this] { run(); });
    return {};
}

void LldpProbe::stop() {
    stopWorker(thread_, stop_fd_);
    for (auto& [name, l] : listeners_) closeFd(l.fd);
    listeners_.clear();
    {
        auto lock = graph_.lock();
        while (!neighbors_.empty()) forget(neighbors_.begin());
    }
    closeFd(stop_fd_);
}

// Host-owned interfaces to listen on, name → IfIndex (and their node IDs in `ids`).
std::map<std::string, std::int64_t> LldpProbe::wantedInterfaces(
    std::map<std::string, std::string>& ids) {
    std::map<std::string, std::int64_t> out;
    auto lock = graph_.lock();
    for (const auto& e : graph_.outEdges(host_)) {
        if (!isString(e.metadata.asObject().find("RelationType"), "ownership")) continue;
        auto n = graph_.node(e.child.view());
        if (!n) continue;
        const auto* name = field(*n, "Name");
        const auto* index = field(*n, "IfIndex");
        if (name == nullptr || !name->isString() || index == nullptr || !index->isInt()) continue;
        std::string n_name(name->asString());
        bool wanted = false;
        if (interfaces_.empty()) {
            wanted = isString(field(*n, "State"), "UP") && field(*n, "MAC") != nullptr &&
                     isString(field(*n, "EncapType"), "ether");
        } else {
            for (const auto& i : interfaces_) wanted = wanted || i == n_name;
        }
        if (!wanted) continue;
        out[n_name] = index->asInt();
        ids[n_name] = std::string(n->id.view());
    }
    return out;
}

void LldpProbe::refreshListeners() {
    std::map<std::string, std::string> ids;
    auto wanted = wantedInterfaces(ids);
    for (auto it = listeners_.begin(); it != listeners_.end();) {
        auto w = wanted.find(it->first);
        if (w == wanted.end() || w->second != it->second.if_index) {
            closeFd(it->second.fd);
            it = listeners_.erase(it);
        } else {
            it->second.node_id = ids[it->first];
            ++it;
        }
    }
    for (const auto& [name, index] : wanted) {
        if (listeners_.count(name) != 0) continue;
        int fd = openListener(index);
        if (fd < 0) {
            spdlog::warn("lldp: cannot listen on {}: {}", name, std::strerror(errno));
            continue;
        }
        listeners_[name] = Listener{fd, index, ids[name]};
        spdlog::debug("lldp: listening on {}", name);
    }
}

void LldpProbe::receive(const std::string& name, Listener& l) {
    std::array<std::uint8_t, 9216> buf{};
    for (;;) {
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        ssize_t n =
            ::recvfrom(l.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) return;
        if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own host's frames
        auto frame = parseLldpFrame(std::span<const std::uint8_t>(buf.data(), std::size_t(n)));
        if (!frame.ok()) {
            spdlog::debug("lldp: {} on {}", frame.error().message, name);
            continue;
        }
        // lldpd on this very host echoes our interface name as the port description.
        if (frame->port_description == name) continue;
        learn(name, l.node_id, *frame);
    }
}

void LldpProbe::learn(const std::string& ifname, const std::string& local_node,
                      const LldpNeighbor& n) {
    std::string key = ifname + "\n" + n.chassis_id_type + "\n" + n.chassis_id + "\n" +
                      n.port_id_type + "\n" + n.port_id;
    auto lock = graph_.lock();
    auto it = neighbors_.find(key);
    std::string chassis = lldpChassisNodeId(n);
    std::string port = lldpPortNodeId(chassis, n);
    if (it != neighbors_.end() && (n.ttl == 0 || it->second.port_node != port)) {
        forget(it);  // shutdown frame, or new identity (e.g. renamed system): old nodes go
        it = neighbors_.end();
    }
    if (n.ttl == 0 || !graph_.node(local_node)) return;
    applyLldpNeighbor(graph_, local_node, n);
    neighbors_[key] = Neighbor{chassis, port, graph_.clock().now() + n.ttl * 1000LL};
}

void LldpProbe::forget(std::map<std::string, Neighbor>::iterator it) {
    Neighbor old = it->second;
    neighbors_.erase(it);
    bool port_used = false, chassis_used = false;
    for (const auto& [k, v] : neighbors_) {
        port_used = port_used || v.port_node == old.port_node;
        chassis_used = chassis_used || v.chassis_node == old.chassis_node;
    }
    if (!port_used) graph_.deleteNode(old.port_node);
    if (!chassis_used) graph_.deleteNode(old.chassis_node);
}

void LldpProbe::expire() {
    auto lock = graph_.lock();
    model::Time now = graph_.clock().now();
    for (auto it = neighbors_.begin(); it != neighbors_.end();) {
        auto next = std::next(it);
        if (it->second.expires < now) forget(it);
        it = next;
    }
}

void LldpProbe::run() {
    for (;;) {
        std::vector<pollfd> fds;
        std::vector<std::string> names;
        fds.push_back({stop_fd_, POLLIN, 0});
        for (const auto& [name, l] : listeners_) {
            fds.push_back({l.fd, POLLIN, 0});
            names.push_back(name);
        }
        int ready = ::poll(fds.data(), fds.size(), kRefreshMs);
        if (ready < 0 && errno != EINTR) {
            spdlog::error("lldp: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents != 0) return;
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            auto it = listeners_.find(names[i - 1]);
            if (it != listeners_.end()) receive(it->first, it->second);
        }
        refreshListeners();
        expire();
    }
}

}  // namespace skydive::agent
