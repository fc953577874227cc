#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdint>

namespace skydive::store::testing {

/// Forks a child running `child(fd)`, which writes each acknowledged mutation's number (a
/// uint32) on `fd` and never returns; reads acknowledgements until `wanted` came, kills the
/// child with SIGKILL, drains the acknowledgements sent before it died, and reaps it. Returns
/// the last acknowledged number (-1: none). Fails the test if the child exited on its own.
template <typename Child>
std::int64_t runAndKill(Child&& child, std::int64_t wanted) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    EXPECT_GE(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        child(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::int64_t last = -1;
    std::uint32_t v;
    while (last + 1 < wanted && read(fds[0], &v, sizeof v) == sizeof v) last = v;
    kill(pid, SIGKILL);
    while (read(fds[0], &v, sizeof v) == sizeof v) last = v;  // acks sent before death
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    return last;
}

}  // namespace skydive::store::testing
