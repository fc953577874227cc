#pragma once

// Helpers shared by tests that run commands or open servers: included by relative path
// (`../../support/process.h`) so that no test target needs an extra include directory.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace skydive::test_support {

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
inline std::uint16_t freeLoopbackPort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

/// What a shell command wrote on stdout and how it ended (`code` is -1 when it did not exit
/// normally or could not start). Redirect stderr in `cmd` to capture or silence it.
struct CommandResult {
    int code = -1;
    std::string output;

    /// The output without its trailing line breaks.
    std::string line() const {
        std::string s = output;
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }
};

inline CommandResult runCommand(const std::string& cmd) {
    CommandResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

/// stdout of `cmd`, stderr discarded.
inline std::string commandOutput(const std::string& cmd) {
    return runCommand(cmd + " 2>/dev/null").output;
}

}  // namespace skydive::test_support
