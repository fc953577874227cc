#include <skydive/agent/netlink_messages.h>
#include <skydive/agent/netlink_probe.h>
#include <skydive/agent/netlink_topology.h>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <vector>

#include "netlink_wire.h"

namespace skydive::agent {
namespace {

constexpr int kEventBufferBytes = 8 << 20;  // kernel receive buffer; overflow → full resync
constexpr std::size_t kRecvBytes = 64 << 10;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        reset();
        fd_ = std::exchange(o.fd_, -1);
        return *this;
    }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int get() const { return fd_; }
    bool ok() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

model::Error sysError(const std::string& what) {
    return model::makeError(model::ErrorCode::Unavailable, what + ": " + std::strerror(errno));
}

std::string ethtoolDriver(int sock, const std::string& ifname) {
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    req.ifr_data = reinterpret_cast<char*>(&info);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return "";
    return std::string(info.driver, strnlen(info.driver, sizeof info.driver));
}

// The veth driver exposes its peer's ifindex as the ethtool statistic "peer_ifindex".
std::int32_t ethtoolPeerIndex(int sock, const std::string& ifname) {
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    req.ifr_data = reinterpret_cast<char*>(&info);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0 || info.n_stats == 0 || info.n_stats > 64) return 0;
    std::vector<std::uint8_t> strings(sizeof(ethtool_gstrings) + info.n_stats * ETH_GSTRING_LEN);
    auto* gs = reinterpret_cast<ethtool_gstrings*>(strings.data());
    gs->cmd = ETHTOOL_GSTRINGS;
    gs->string_set = ETH_SS_STATS;
    gs->len = info.n_stats;
    req.ifr_data = reinterpret_cast<char*>(gs);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return 0;
    std::uint32_t slot = info.n_stats;
    for (std::uint32_t i = 0; i < gs->len && i < info.n_stats; ++i) {
        const char* name = reinterpret_cast<const char*>(gs->data + i * ETH_GSTRING_LEN);
        if (strncmp(name, "peer_ifindex", ETH_GSTRING_LEN) == 0) slot = i;
    }
    if (slot == info.n_stats) return 0;
    std::vector<std::uint8_t> stats(sizeof(ethtool_stats) + info.n_stats * sizeof(std::uint64_t));
    auto* st = reinterpret_cast<ethtool_stats*>(stats.data());
    st->cmd = ETHTOOL_GSTATS;
    st->n_stats = info.n_stats;
    req.ifr_data = reinterpret_cast<char*>(st);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0 || slot >= st->n_stats) return 0;
    std::uint64_t v = 0;
    std::memcpy(&v, stats.data() + sizeof(ethtool_stats) + slot * sizeof v, sizeof v);
    return static_cast<std::int32_t>(v);
}

// The bus address and the offload features ({name: active}) of a physical-like interface.
std::pair<std::string, model::Value> ethtoolDetails(int sock, const std::string& ifname) {
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ethtool_drvinfo info{};
    info.cmd = ETHTOOL_GDRVINFO;
    req.ifr_data = reinterpret_cast<char*>(&info);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return {};
    std::string bus(info.bus_info, strnlen(info.bus_info, sizeof info.bus_info));
    model::Value features = model::Value::object();
    // How many feature names: ETHTOOL_GSSET_INFO with one set requested.
    // The header followed by one u32 (the kernel writes the set's length there).
    alignas(ethtool_sset_info) std::uint8_t sset_buf[sizeof(ethtool_sset_info) + 4] = {};
    auto* sset = reinterpret_cast<ethtool_sset_info*>(sset_buf);
    sset->cmd = ETHTOOL_GSSET_INFO;
    sset->sset_mask = 1ULL << ETH_SS_FEATURES;
    req.ifr_data = reinterpret_cast<char*>(sset);
    constexpr std::uint32_t kMaxFeatures = 1024;
    std::uint32_t count = 0;
    if (::ioctl(sock, SIOCETHTOOL, &req) == 0 && sset->sset_mask != 0)
        std::memcpy(&count, sset_buf + sizeof(ethtool_sset_info), sizeof count);
    if (count == 0 || count > kMaxFeatures) return {bus, features};
    std::vector<std::uint8_t> strings(sizeof(ethtool_gstrings) + count * ETH_GSTRING_LEN);
    auto* gs = reinterpret_cast<ethtool_gstrings*>(strings.data());
    gs->cmd = ETHTOOL_GSTRINGS;
    gs->string_set = ETH_SS_FEATURES;
    gs->len = count;
    req.ifr_data = reinterpret_cast<char*>(gs);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return {bus, features};
    std::uint32_t blocks = (count + 31) / 32;
    std::vector<std::uint8_t> fbuf(sizeof(ethtool_gfeatures) +
                                   blocks * sizeof(ethtool_get_features_block));
    auto* gf = reinterpret_cast<ethtool_gfeatures*>(fbuf.data());
    gf->cmd = ETHTOOL_GFEATURES;
    gf->size = blocks;
    req.ifr_data = reinterpret_cast<char*>(gf);
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return {bus, features};
    for (std::uint32_t i = 0; i < count && i < gs->len; ++i) {
        const char* name = reinterpret_cast<const char*>(gs->data + i * ETH_GSTRING_LEN);
        std::string_view n(name, strnlen(name, ETH_GSTRING_LEN));
        if (n.empty()) continue;
        bool active = (gf->features[i / 32].active >> (i % 32)) & 1U;
        features.mutableObject().set(n, active);
    }
    return {bus, features};
}

// The negotiated speed in Mb/s (ETHTOOL_GLINKSETTINGS); 0 when the driver has none or does not
// know it yet (SPEED_UNKNOWN).
std::int64_t ethtoolSpeed(int sock, const std::string& ifname) {
    ifreq req{};
    std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    // The header then the three link-mode bitmaps, sized by the kernel's handshake below.
    std::array<std::uint32_t, sizeof(ethtool_link_settings) / 4 + 3 * 127> buf{};
    auto* ls = reinterpret_cast<ethtool_link_settings*>(buf.data());
    ls->cmd = ETHTOOL_GLINKSETTINGS;
    req.ifr_data = reinterpret_cast<char*>(ls);
    // First call: link_mode_masks_nwords = 0 asks the kernel for the bitmap size (negative).
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0 || ls->link_mode_masks_nwords >= 0) return 0;
    std::int8_t words = static_cast<std::int8_t>(-ls->link_mode_masks_nwords);
    if (words <= 0) return 0;  // an int8_t: at most 127 anyway
    buf.fill(0);
    ls->cmd = ETHTOOL_GLINKSETTINGS;
    ls->link_mode_masks_nwords = words;
    if (::ioctl(sock, SIOCETHTOOL, &req) != 0) return 0;
    if (ls->speed == 0 || ls->speed == static_cast<std::uint32_t>(SPEED_UNKNOWN)) return 0;
    return ls->speed;
}

// Sends one netlink request (`fill` writes its payload after the header) and returns the bytes of
// the answer to it: empty on a send error, an NLMSG_ERROR answer or no answer within the
// socket's SO_RCVTIMEO; answers to earlier, timed-out requests are skipped.
template <std::size_t kPayload, typename Fill>
std::vector<std::uint8_t> query(int sock, std::uint16_t type, std::uint32_t seq, Fill&& fill) {
    alignas(nlmsghdr) std::array<std::uint8_t, NLMSG_LENGTH(kPayload)> req{};
    auto* h = reinterpret_cast<nlmsghdr*>(req.data());
    h->nlmsg_len = req.size();
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST;
    h->nlmsg_seq = seq;
    fill(static_cast<std::uint8_t*>(NLMSG_DATA(h)));
    if (::send(sock, req.data(), req.size(), 0) < 0) return {};
    alignas(nlmsghdr) std::array<std::uint8_t, 16384> buf{};
    while (true) {
        ssize_t n = ::recv(sock, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return {};
        auto left = static_cast<int>(n);
        for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(m, left);
             m = NLMSG_NEXT(m, left)) {
            if (m->nlmsg_seq != seq) continue;
            if (m->nlmsg_type == NLMSG_ERROR) return {};
            const auto* p = reinterpret_cast<const std::uint8_t*>(m);
            return {p, p + m->nlmsg_len};
        }
    }
}

// The ID the namespace of netlink socket `sock` gives the namespace at `path` (RTM_GETNSID
// with NETNSA_FD; the query assigns none): nullopt when it has none or the query fails.
std::optional<std::int32_t> nsidOf(int sock, const std::string& path, std::uint32_t seq) {
    Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.ok()) return std::nullopt;
    constexpr std::size_t kHead = NLMSG_ALIGN(sizeof(rtgenmsg));
    const auto fd = static_cast<std::uint32_t>(ns.get());
    auto answer = query<kHead + RTA_LENGTH(sizeof fd)>(sock, RTM_GETNSID, seq, [&](auto* p) {
        reinterpret_cast<rtgenmsg*>(p)->rtgen_family = AF_UNSPEC;
        auto* attr = reinterpret_cast<rtattr*>(p + kHead);
        attr->rta_type = NETNSA_FD;
        attr->rta_len = RTA_LENGTH(sizeof fd);
        std::memcpy(RTA_DATA(attr), &fd, sizeof fd);
    });
    const std::size_t skip = NLMSG_LENGTH(kHead);
    if (answer.size() < skip ||
        reinterpret_cast<const nlmsghdr*>(answer.data())->nlmsg_type != RTM_NEWNSID)
        return std::nullopt;
    std::optional<std::int32_t> id;
    wire::forEachAttr(wire::Bytes(answer).subspan(skip), [&](std::uint16_t type, wire::Bytes v) {
        std::int32_t x = 0;
        if (type == NETNSA_NSID && wire::read(v, x) && x >= 0) id = x;
    });
    return id;
}

// A veth's IFLA_LINK_NETNSID, asked again (RTM_GETLINK of one index).
std::optional<std::int32_t> linkNetnsid(int sock, std::int32_t ifindex, std::uint32_t seq) {
    auto answer = query<sizeof(ifinfomsg)>(sock, RTM_GETLINK, seq, [&](auto* p) {
        auto* ifi = reinterpret_cast<ifinfomsg*>(p);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
    });
    for (const auto& ev : parseNetlink(answer)) {
        if (ev.kind != NetlinkEventKind::NewLink) continue;
        const auto& l = std::get<LinkInfo>(ev.data);
        if (l.index == ifindex) return l.link_netnsid;
    }
    return std::nullopt;
}

}  // namespace

struct NetlinkProbe::Loop {
    explicit Loop(NetlinkProbe& p) : probe(p) {}
    NetlinkProbe& probe;
    Fd events;
    Fd dump;
    Fd ioctl_sock;
    Fd query_sock;  // one-answer queries, apart from dumps (they come in the middle of one)
    std::map<std::string, std::optional<std::int32_t>> nsids;  // see rootOf
    Fd stop_fd{::eventfd(0, EFD_CLOEXEC)};
    std::unique_ptr<NetlinkTopology> topo;
    std::uint32_t seq = 1;
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(kRecvBytes);

    model::Status open() {
        if (!probe.netns_path_.empty()) {
            Fd ns(::open(probe.netns_path_.c_str(), O_RDONLY | O_CLOEXEC));
            if (!ns.ok()) return sysError("open " + probe.netns_path_);
            if (::setns(ns.get(), CLONE_NEWNET) != 0) return sysError("setns " + probe.netns_path_);
        }
        events = Fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        dump = Fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        ioctl_sock = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        query_sock = Fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        if (!events.ok() || !dump.ok() || !query_sock.ok()) return sysError("netlink socket");
        timeval answer_within{1, 0};  // queries run under the graph lock: never wait forever
        if (::setsockopt(query_sock.get(), SOL_SOCKET, SO_RCVTIMEO, &answer_within,
                         sizeof answer_within) != 0)
            return sysError("netlink query timeout");
        int size = kEventBufferBytes;
        if (::setsockopt(events.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
            (void)::setsockopt(events.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        }
        sockaddr_nl addr{};
        addr.nl_family = AF_NETLINK;
        if (::bind(events.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            return sysError("bind netlink");
        }
        for (int group : {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
                          RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH}) {
            if (::setsockopt(events.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
                             sizeof group) != 0) {
                return sysError("netlink membership");
            }
        }
        int sock = ioctl_sock.get();
        NetlinkTopology::Ethtool ethtool;
        if (sock >= 0) {
            ethtool.driver = [sock](const std::string& name) { return ethtoolDriver(sock, name); };
            ethtool.peer_index = [sock](const std::string& name) {
                return ethtoolPeerIndex(sock, name);
            };
            ethtool.details = [sock](const std::string& name) {
                return ethtoolDetails(sock, name);
            };
            ethtool.speed = [sock](const std::string& name) { return ethtoolSpeed(sock, name); };
        }
        NetlinkTopology::PeerNamespace peers;
        peers.link_netnsid = [this](std::int32_t ifindex) {
            return linkNetnsid(query_sock.get(), ifindex, ++seq);
        };
        peers.root = [this](std::int32_t nsid) { return rootOf(nsid); };
        topo = std::make_unique<NetlinkTopology>(probe.graph_, probe.root_id_, std::move(ethtool),
                                                 std::move(peers));
        return {};
    }

    // The root of the namespace this one calls `nsid`: the agent's own namespace (the host
    // node) or one of the netns nodes in the graph. The ID this namespace gives each of them is
    // asked once (RTM_GETNSID) and kept while its node is in the graph: an assigned ID stays
    // with its namespace while it lives. One with no ID yet is asked again on a miss (a veth
    // pair between the two assigns one).
    std::optional<std::string> rootOf(std::int32_t nsid) {
        TopologyGraph& g = probe.graph_;
        auto lock = g.lock();
        // Asked on every publication of a veth: a known ID whose namespace is still in the
        // graph answers without listing the namespaces.
        for (const auto& [root, id] : nsids)
            if (id == nsid && g.node(root)) return root;
        std::optional<std::string> host =
            probe.netns_path_.empty() ? probe.root_id_ : g.owner(probe.root_id_);
        std::vector<std::pair<std::string, std::string>> spaces;  // (root, path)
        if (host && *host != probe.root_id_) spaces.emplace_back(*host, "/proc/self/ns/net");
        for (const auto& n : g.nodesWhere("Type", model::Value("netns"))) {
            const model::Value* path = n.metadata.asObject().find("Path");
            if (path != nullptr && path->isString() && n.id.view() != probe.root_id_)
                spaces.emplace_back(n.id.str(), path->asString());
        }
        std::map<std::string, std::optional<std::int32_t>> kept;
        for (const auto& [root, path] : spaces)
            if (auto it = nsids.find(root); it != nsids.end()) kept.insert(*it);
        nsids.swap(kept);
        for (const auto& [root, id] : nsids)
            if (id == nsid) return root;
        for (const auto& [root, path] : spaces) {
            if (auto it = nsids.find(root); it != nsids.end() && it->second) continue;
            auto id = nsidOf(query_sock.get(), path, ++seq);
            nsids[root] = id;
            if (id == nsid) return root;
        }
        return std::nullopt;
    }

    void apply(std::span<const std::uint8_t> bytes, bool* done, int* error) {
        ParseReport rep;
        for (const auto& ev : parseNetlink(bytes, &rep)) {
            if (ev.kind == NetlinkEventKind::Done && done != nullptr) *done = true;
            if (ev.kind == NetlinkEventKind::Error && error != nullptr) *error = ev.error;
            topo->apply(ev);
        }
        if (rep.malformed != 0) {
            probe.malformed_ += rep.malformed;
            spdlog::warn("netlink {}: skipped {} malformed message(s): {}", probe.netns_path_,
                         rep.malformed, rep.last_error);
        }
    }

    // One RTM_GET* dump, applied as it arrives.
    model::Status dumpOne(std::uint16_t type) {
        struct {
            nlmsghdr h;
            rtgenmsg g;
        } req{};
        req.h.nlmsg_len = NLMSG_LENGTH(sizeof(rtgenmsg));
        req.h.nlmsg_type = type;
        req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        req.h.nlmsg_seq = ++seq;
        req.g.rtgen_family = AF_UNSPEC;
        if (::send(dump.get(), &req, req.h.nlmsg_len, 0) < 0) return sysError("netlink dump");
        bool done = false;
        int error = 0;
        while (!done && error == 0) {
            ssize_t n = ::recv(dump.get(), buf.data(), buf.size(), 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                return sysError("netlink dump recv");
            }
            if (n == 0) break;
            apply(std::span(buf.data(), static_cast<std::size_t>(n)), &done, &error);
        }
        if (error != 0) {
            errno = error;
            return sysError("netlink dump");
        }
        return {};
    }

    model::Status dumpAll() {
        for (std::uint16_t t : {RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH}) {
            if (auto s = dumpOne(t); !s) return s;
        }
        return {};
    }

    void run() {
        pollfd fds[2] = {{events.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
        using Steady = std::chrono::steady_clock;
        auto interval = probe.metrics_interval_;
        auto next_metrics = Steady::now() + interval;
        if (interval.count() > 0) topo->updateMetrics(probe.graph_.clock().now());
        while (true) {
            int timeout = -1;
            if (interval.count() > 0) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_metrics -
                                                                                  Steady::now());
                timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
            }
            int ready = ::poll(fds, 2, timeout);
            if (ready < 0) {
                if (errno == EINTR) continue;
                spdlog::error("netlink {}: poll: {}", probe.netns_path_, std::strerror(errno));
                return;
            }
            if ((fds[1].revents & POLLIN) != 0) return;
            if (interval.count() > 0 && Steady::now() >= next_metrics) {
                // Counters are not announced by events: dump links for IFLA_STATS64.
                if (auto s = dumpOne(RTM_GETLINK); !s) {
                    spdlog::warn("netlink {}: {}", probe.netns_path_, s.error().toString());
                }
                topo->updateMetrics(probe.graph_.clock().now());
                next_metrics = Steady::now() + interval;
            }
            if (ready == 0 || (fds[0].revents & POLLIN) == 0) continue;
            ssize_t n = ::recv(events.get(), buf.data(), buf.size(), MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                if (errno == ENOBUFS) {  // events were lost: rebuild from a fresh dump
                    spdlog::warn("netlink {}: event overflow, resyncing", probe.netns_path_);
                    topo->beginResync();
                    if (auto s = dumpAll(); !s) spdlog::error("resync: {}", s.error().toString());
                    topo->endResync();
                    continue;
                }
                spdlog::error("netlink {}: recv: {}", probe.netns_path_, std::strerror(errno));
                return;
            }
            apply(std::span(buf.data(), static_cast<std::size_t>(n)), nullptr, nullptr);
        }
    }
};

NetlinkProbe::NetlinkProbe(TopologyGraph& graph, std::string root_id, std::string netns_path,
                           std::chrono::milliseconds metrics_interval)
    : graph_(graph),
      root_id_(std::move(root_id)),
      netns_path_(std::move(netns_path)),
      metrics_interval_(metrics_interval) {}

NetlinkProbe::~NetlinkProbe() {
    stop();
}

model::Status NetlinkProbe::start() {
    if (thread_.joinable()) return {};
    loop_ = std::make_unique<Loop>(*this);
    std::promise<model::Status> ready;
    auto ready_future = ready.get_future();
    thread_ = std::thread([this, &ready] {
        // Subscribe before dumping: events raced with the dump are replayed afterwards, and
        // since each carries a full state the result converges.
        model::Status s = loop_->open();
        if (s) s = loop_->dumpAll();
        bool ok = s.ok();
        ready.set_value(std::move(s));
        if (ok) loop_->run();
    });
    model::Status s = ready_future.get();
    if (!s) {
        thread_.join();
        if (loop_->topo) loop_->topo->clear();
        loop_.reset();
    }
    return s;
}

void NetlinkProbe::stop() {
    if (!thread_.joinable()) return;
    std::uint64_t one = 1;
    (void)::write(loop_->stop_fd.get(), &one, sizeof one);
    thread_.join();
    loop_->topo->clear();
    loop_.reset();
}

}  // namespace skydive::agent
