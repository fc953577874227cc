#pragma once

// Shared by the benchmarks that report CPU time (and page faults) beside wall time (agent
// footprint, ingest).
#include <sys/resource.h>
#include <time.h>

namespace skydive::bench {

/// CPU time used so far by the whole process (every thread), in seconds.
inline double processCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Minor page faults of the whole process so far: on a VM where each costs ~14 µs (ADR 015,
/// twelfth round), they tell how much of a figure is fresh memory being touched.
inline long processMinorFaults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

}  // namespace skydive::bench
