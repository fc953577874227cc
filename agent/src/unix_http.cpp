#include "unix_http.h"

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

// Reads what is there within `timeout`; 0 at EOF, -1 on error (errno), -2 on timeout.
ssize_t readSome(int fd, char* buf, std::size_t len, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r == 0) return -2;
    if (r < 0) return -1;
    return ::read(fd, buf, len);
}

// Sends the request and reads up to the end of the headers; the status in `status`.
model::Result<int> request(const std::string& socket_path, const std::string& target, int& status,
                           std::string& rest, std::chrono::milliseconds timeout) {
    auto fd = connectUnix(socket_path);
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

model::Result<std::string> unixSocketPath(const std::string& url) {
    constexpr std::string_view kScheme = "unix://";
    if (url.rfind(kScheme, 0) == 0) return url.substr(kScheme.size());
    if (!url.empty() && url[0] == '/') return url;
    return model::makeError(model::ErrorCode::InvalidArgument,
                            "only unix:// addresses are supported: " + url);
}

model::Result<UnixHttpResponse> unixHttpGet(const std::string& socket_path,
                                            const std::string& target,
                                            std::chrono::milliseconds timeout) {
    UnixHttpResponse res;
    auto fd = request(socket_path, target, res.status, res.body, timeout);
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

model::Result<int> unixHttpStream(const std::string& socket_path, const std::string& target,
                                  std::string& leftover, std::chrono::milliseconds timeout) {
    int status = 0;
    auto fd = request(socket_path, target, status, leftover, timeout);
    if (!fd.ok()) return fd.error();
    if (status != 200) {
        ::close(*fd);
        return model::makeError(model::ErrorCode::Unavailable,
                                target + ": HTTP status " + std::to_string(status));
    }
    return *fd;
}

}  // namespace skydive::agent
