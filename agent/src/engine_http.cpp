#include "engine_http.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skydive::agent {

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

model::Error unavailable(const std::string& what) {
    return model::makeError(model::ErrorCode::Unavailable, what + ": " + std::strerror(errno));
}

model::Result<int> connectUnix(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path)
        return model::makeError(model::ErrorCode::InvalidArgument, "socket path too long");
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return unavailable("socket");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        auto e = unavailable("connect " + path);
        ::close(fd);
        return e;
    }
    return fd;
}

model::Result<int> connectTcp(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return model::makeError(model::ErrorCode::Unavailable,
                                "resolve " + host + ": " + ::gai_strerror(rc));
    }
    model::Error last = model::makeError(model::ErrorCode::Unavailable, "no address");
    int fd = -1;
    for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last = unavailable("socket");
            continue;
        }
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last = unavailable("connect " + host + ":" + port);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd < 0) return last;
    return fd;
}

model::Result<int> connectTo(const HttpEndpoint& e) {
    return e.unix_path.empty() ? connectTcp(e.host, e.port) : connectUnix(e.unix_path);
}

// Reads what is there within `timeout`; 0 at EOF, -1 on error (errno), -2 on timeout.
ssize_t readSome(int fd, char* buf, std::size_t len, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r == 0) return -2;
    if (r < 0) return -1;
    return ::read(fd, buf, len);
}

// Sends the request and reads up to the end of the headers; the status in `status`.
model::Result<int> request(const HttpEndpoint& endpoint, const std::string& target, int& status,
                           std::string& rest, std::chrono::milliseconds timeout) {
    auto fd = connectTo(endpoint);
    if (!fd.ok()) return fd.error();
    std::string req = "GET " + target + " HTTP/1.0\r\nHost: docker\r\n\r\n";
    if (::send(*fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        auto e = unavailable("send");
        ::close(*fd);
        return e;
    }
    std::string head;
    char buf[4096];
    std::size_t end = std::string::npos;
    while ((end = head.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = readSome(*fd, buf, sizeof buf, timeout);
        if (n <= 0 || head.size() > kMaxHeaderBytes) {
            ::close(*fd);
            if (n == -2) return model::makeError(model::ErrorCode::Timeout, "no HTTP response");
            return model::makeError(model::ErrorCode::Unavailable, "bad HTTP response");
        }
        head.append(buf, static_cast<std::size_t>(n));
    }
    // "HTTP/1.x NNN ..."
    auto sp = head.find(' ');
    status = sp == std::string::npos ? 0 : std::atoi(head.c_str() + sp + 1);
    rest = head.substr(end + 4);
    return *fd;
}

}  // namespace

model::Result<HttpEndpoint> parseEndpoint(const std::string& url) {
    HttpEndpoint e;
    auto bad = [&](const std::string& why) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "container engine address '" + url + "': " + why);
    };
    if (url.rfind("unix://", 0) == 0) {
        e.unix_path = url.substr(7);
    } else if (!url.empty() && url[0] == '/') {
        e.unix_path = url;
    } else {
        std::string rest;
        for (std::string_view scheme : {"tcp://", "http://"}) {
            if (url.rfind(scheme, 0) == 0) rest = url.substr(scheme.size());
        }
        if (rest.empty()) {
            return bad(
                "expected unix:///path or tcp://host:port (TLS endpoints are not supported)");
        }
        if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos || colon + 1 == rest.size()) return bad("no port");
        e.host = rest.substr(0, colon);
        e.port = rest.substr(colon + 1);
        if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
            e.host = e.host.substr(1, e.host.size() - 2);
        }
        if (e.host.empty()) return bad("no host");
        if (e.port.find_first_not_of("0123456789") != std::string::npos || e.port.size() > 5 ||
            std::stoi(e.port) == 0 || std::stoi(e.port) > 65535) {
            return bad("bad port");
        }
    }
    if (e.host.empty() && e.unix_path.empty()) return bad("empty socket path");
    return e;
}

model::Result<HttpResponse> httpGet(const HttpEndpoint& endpoint, const std::string& target,
                                    std::chrono::milliseconds timeout) {
    HttpResponse res;
    auto fd = request(endpoint, target, res.status, res.body, timeout);
    if (!fd.ok()) return fd.error();
    char buf[16384];
    for (;;) {
        ssize_t n = readSome(*fd, buf, sizeof buf, timeout);
        if (n == 0) break;
        if (n < 0) {
            ::close(*fd);
            return model::makeError(
                n == -2 ? model::ErrorCode::Timeout : model::ErrorCode::Unavailable,
                "reading " + target);
        }
        res.body.append(buf, static_cast<std::size_t>(n));
    }
    ::close(*fd);
    return res;
}

model::Result<int> httpStream(const HttpEndpoint& endpoint, const std::string& target,
                              std::string& leftover, std::chrono::milliseconds timeout) {
    int status = 0;
    auto fd = request(endpoint, target, status, leftover, timeout);
    if (!fd.ok()) return fd.error();
    if (status != 200) {
        ::close(*fd);
        return model::makeError(model::ErrorCode::Unavailable,
                                target + ": HTTP status " + std::to_string(status));
    }
    return *fd;
}

}  // namespace skydive::agent
