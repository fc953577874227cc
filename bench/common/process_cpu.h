#pragma once

// Shared by the benchmarks that report CPU time beside wall time (agent footprint, ingest).
#include <time.h>

namespace skydive::bench {

/// CPU time used so far by the whole process (every thread), in seconds.
inline double processCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace skydive::bench
