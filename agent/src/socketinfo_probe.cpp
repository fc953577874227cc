#include <skydive/agent/socketinfo_probe.h>
#include <skydive/model/json.h>

#include <spdlog/spdlog.h>

#include "worker.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace skydive::agent {

using model::List;
using model::Object;
using model::Value;

namespace {

std::string_view tcpState(unsigned s) {
    static constexpr std::array<std::string_view, 12> kNames = {
        "UNKNOWN",   "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "TIME_WAIT",   "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING"};
    return s < kNames.size() ? kNames[s] : "UNKNOWN";
}

bool hex(std::string_view s, std::uint64_t& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "0100007F:0016" (IPv4, each 32-bit word in host byte order) or 32 hex digits for IPv6.
bool endpoint(std::string_view s, std::string& addr, std::uint16_t& port) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view a = s.substr(0, colon);
    std::uint64_t p = 0;
    if (!hex(s.substr(colon + 1), p) || p > 0xffff) return false;
    port = static_cast<std::uint16_t>(p);
    if (a.size() != 8 && a.size() != 32) return false;
    std::array<std::uint32_t, 4> words{};
    for (std::size_t i = 0; i < a.size() / 8; ++i) {
        std::uint64_t w = 0;
        if (!hex(a.substr(i * 8, 8), w)) return false;
        words[i] = static_cast<std::uint32_t>(w);
    }
    char buf[INET6_ADDRSTRLEN] = {};
    int family = a.size() == 8 ? AF_INET : AF_INET6;
    if (inet_ntop(family, words.data(), buf, sizeof buf) == nullptr) return false;
    addr = buf;
    return true;
}

std::string readLink(const std::string& path) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(path, ec);
    return ec ? std::string() : target.string();
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

std::vector<ProcSocket> parseProcNet(std::string_view text) {
    std::vector<ProcSocket> out;
    std::size_t pos = text.find('\n');  // header line
    while (pos != std::string_view::npos && pos + 1 < text.size()) {
        std::size_t end = text.find('\n', pos + 1);
        std::string line(text.substr(pos + 1, end == std::string_view::npos ? end : end - pos - 1));
        pos = end;
        std::istringstream in(line);
        std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
        if (!(in >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >>
              inode)) {
            continue;
        }
        ProcSocket s;
        std::uint64_t state = 0;
        if (!endpoint(local, s.local_address, s.local_port) ||
            !endpoint(remote, s.remote_address, s.remote_port) || !hex(st, state)) {
            continue;
        }
        auto r = std::from_chars(inode.data(), inode.data() + inode.size(), s.inode);
        if (r.ec != std::errc()) continue;
        s.state = std::string(tcpState(static_cast<unsigned>(state)));
        out.push_back(std::move(s));
    }
    return out;
}

SocketInfoProbe::SocketInfoProbe(TopologyGraph& graph, std::string host_node_id,
                                 std::chrono::milliseconds interval, std::string proc_root)
    : graph_(graph),
      host_(std::move(host_node_id)),
      interval_(interval),
      proc_(std::move(proc_root)) {}

SocketInfoProbe::~SocketInfoProbe() {
    stop();
}

model::Value SocketInfoProbe::scan() const {
    struct Proc {
        int pid;
        std::string exe;
        std::string name;
    };
    std::map<std::uint64_t, Proc> by_inode;
    std::map<std::string, int> netns_reader;  // netns link → one pid to read its tables from
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(proc_, ec)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        int pid = std::stoi(name);
        std::string base = proc_ + "/" + name;
        std::string ns = readLink(base + "/ns/net");
        if (!ns.empty()) netns_reader.emplace(ns, pid);
        std::string comm = readFile(base + "/comm");
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        Proc p{pid, readLink(base + "/exe"), comm};
        std::error_code fd_ec;  // processes vanish mid-scan: skip them
        for (const auto& fd : std::filesystem::directory_iterator(base + "/fd", fd_ec)) {
            std::string target = readLink(fd.path().string());
            if (target.rfind("socket:[", 0) != 0) continue;
            std::uint64_t inode = 0;
            auto b = target.data() + 8;
            if (std::from_chars(b, target.data() + target.size() - 1, inode).ec == std::errc()) {
                by_inode.emplace(inode, p);
            }
        }
    }
    std::map<std::string, Value> sorted;  // by JSON text: stable order, duplicates dropped
    for (const auto& [ns, pid] : netns_reader) {
        for (auto [file, proto] : {std::pair{"tcp", "TCP"}, std::pair{"tcp6", "TCP"},
                                   std::pair{"udp", "UDP"}, std::pair{"udp6", "UDP"}}) {
            std::string path = proc_ + "/" + std::to_string(pid) + "/net/" + file;
            for (const auto& s : parseProcNet(readFile(path))) {
                auto p = by_inode.find(s.inode);
                if (p == by_inode.end()) continue;
                Object o{{"Process", p->second.exe},
                         {"Pid", p->second.pid},
                         {"Name", p->second.name},
                         {"LocalAddress", s.local_address},
                         {"LocalPort", static_cast<int>(s.local_port)},
                         {"RemoteAddress", s.remote_address},
                         {"RemotePort", static_cast<int>(s.remote_port)},
                         {"Protocol", proto},
                         {"State", s.state}};
                Value v(std::move(o));
                sorted.emplace(model::toJson(v), std::move(v));
            }
        }
    }
    List sockets;
    sockets.reserve(sorted.size());
    for (auto& [key, v] : sorted) sockets.push_back(std::move(v));
    return Value(std::move(sockets));
}

model::Status SocketInfoProbe::start() {
    if (thread_.joinable()) return {};
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) return model::makeError(model::ErrorCode::Unavailable, "eventfd");
    thread_ = std::thread([this] {
        while (true) {
            Value sockets = scan();
            {
                auto lock = graph_.lock();
                if (auto host = graph_.node(host_)) {
                    Value md = host->metadata;
                    md.mutableObject().set("Sockets", std::move(sockets));
                    graph_.setNodeMetadata(host_, std::move(md));  // no revision when equal
                }
            }
            pollfd p{stop_fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(interval_.count())) != 0) return;
        }
    });
    return {};
}

void SocketInfoProbe::stop() {
    stopWorker(thread_, stop_fd_);
    closeFd(stop_fd_);
}

}  // namespace skydive::agent
