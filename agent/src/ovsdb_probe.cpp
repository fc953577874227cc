#include <skydive/agent/ovsdb_probe.h>
#include <skydive/agent/ovsdb_topology.h>
#include <skydive/model/json.h>

#include <spdlog/spdlog.h>

#include "worker.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

namespace skydive::agent {
namespace {

constexpr std::string_view kMonitorId = "skydive-monitor";

bool sendAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string socketPath(const std::string& address) {
    for (std::string_view prefix : {"unix://", "unix:"}) {
        if (address.rfind(prefix, 0) == 0) return address.substr(prefix.size());
    }
    return address;
}

// "tcp:HOST:PORT" ("tcp:[v6]:PORT") split into host and port.
std::optional<std::pair<std::string, std::string>> tcpEndpoint(const std::string& address) {
    std::string rest = address.substr(4);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
    std::string host = rest.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return std::make_pair(host, rest.substr(colon + 1));
}

// A connected stream socket to the address (unix: or tcp:), or -1.
int connectTo(const std::string& address) {
    if (address.rfind("tcp:", 0) == 0) {
        auto ep = tcpEndpoint(address);
        if (!ep) return -1;
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (::getaddrinfo(ep->first.c_str(), ep->second.c_str(), &hints, &res) != 0) return -1;
        int fd = -1;
        for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
            fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
                ::close(fd);
                fd = -1;
            }
        }
        ::freeaddrinfo(res);
        return fd;
    }
    std::string path = socketPath(address);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        fd = -1;
    }
    return fd;
}

}  // namespace

OvsdbProbe::OvsdbProbe(TopologyGraph& graph, std::string host_node_id, OvsdbProbeOptions options)
    : graph_(graph), host_(std::move(host_node_id)), options_(std::move(options)) {}

OvsdbProbe::~OvsdbProbe() {
    stop();
}

model::Status OvsdbProbe::start() {
    if (thread_.joinable()) return {};
    if (options_.address.rfind("ssl:", 0) == 0) {
        return model::makeError(
            model::ErrorCode::Unsupported,
            "ovsdb probe: ssl: is not supported, use unix: or tcp: " + options_.address);
    }
    if (options_.address.rfind("tcp:", 0) == 0 && !tcpEndpoint(options_.address)) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "ovsdb probe: expected tcp:HOST:PORT, got " + options_.address);
    }
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) return model::makeError(model::ErrorCode::Unavailable, "eventfd");
    thread_ = std::thread([this] { run(); });
    return {};
}

void OvsdbProbe::stop() {
    stopWorker(thread_, stop_fd_);
    closeFd(stop_fd_);
}

void OvsdbProbe::run() {
    while (true) {
        int fd = connectTo(options_.address);
        bool stopped = false;
        if (fd >= 0) {
            spdlog::info("ovsdb: connected to {}", options_.address);
            stopped = session(fd);
        }
        if (fd >= 0) ::close(fd);
        if (stopped) return;
        pollfd p{stop_fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(options_.retry.count())) > 0) return;
    }
}

// One connection; returns true when asked to stop.
bool OvsdbProbe::session(int fd) {
    OvsdbTopology topo(graph_, host_);
    JsonStreamFramer framer;
    bool stop = false;
    if (sendAll(fd, OvsdbTopology::monitorRequest(kMonitorId))) {
        char buf[65536];
        pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        while (true) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            if ((fds[1].revents & POLLIN) != 0) {
                stop = true;
                break;
            }
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            auto chunk = framer.push(std::string_view(buf, static_cast<std::size_t>(n)));
            for (const auto& doc : chunk.docs) {
                auto msg = model::parseJson(doc);
                if (!msg.ok() || !msg->isObject()) {
                    ++skipped_;
                    spdlog::warn("ovsdb: malformed message skipped");
                    continue;
                }
                const model::Object& o = msg->asObject();
                const model::Value* method = o.find("method");
                const model::Value* params = o.find("params");
                const model::Value* id = o.find("id");
                if (method != nullptr && *method == model::Value("echo") && id != nullptr) {
                    model::JsonWriter w;
                    w.beginObject().key("id").value(*id).key("result");
                    w.value(params != nullptr ? *params : model::Value::list());
                    w.key("error").null().endObject();
                    if (!sendAll(fd, w.str())) break;
                    continue;
                }
                const model::Value* updates = nullptr;
                if (method != nullptr && *method == model::Value("update") && params != nullptr &&
                    params->isList() && params->asList().size() == 2) {
                    updates = &params->asList()[1];
                } else if (id != nullptr && *id == model::Value(kMonitorId)) {
                    const model::Value* error = o.find("error");
                    if (error != nullptr && !error->isNull()) {
                        spdlog::error("ovsdb: monitor refused: {}", model::toJson(*error));
                        continue;
                    }
                    updates = o.find("result");
                    connected_ = true;
                }
                if (updates == nullptr) continue;
                if (auto s = topo.apply(*updates); !s) {
                    ++skipped_;
                    spdlog::warn("ovsdb: {}", s.error().toString());
                }
            }
            if (chunk.error) {
                ++skipped_;
                spdlog::warn("ovsdb: {}; reconnecting", chunk.error->toString());
                break;
            }
        }
    }
    skipped_ += topo.skippedRows();
    connected_ = false;
    topo.clear();  // the OVS view is unknown until the next monitor reply
    return stop;
}

}  // namespace skydive::agent
