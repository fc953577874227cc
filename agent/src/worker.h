#pragma once

#include <unistd.h>

#include <cstdint>
#include <thread>

namespace skydive::agent {

/// Wakes a probe's worker thread through its eventfd (the worker polls it next to its own
/// descriptors) and joins it. Safe to call when the thread never started.
inline void stopWorker(std::thread& worker, int stop_fd) {
    if (!worker.joinable()) return;
    std::uint64_t one = 1;
    (void)::write(stop_fd, &one, sizeof one);
    worker.join();
}

/// Closes a descriptor if open and marks it closed.
inline void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace skydive::agent
