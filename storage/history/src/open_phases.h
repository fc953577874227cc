#pragma once

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace skydive::store {

/// CPU time (ms) of the whole process: every thread, RocksDB's included.
inline double processCpuMs() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/// Times the phases of Store::open() (wall ms each, in order), for Store::Stats.
class PhaseClock {
public:
    using Phases = std::vector<std::pair<std::string, double>>;
    explicit PhaseClock(Phases* out) : out_(out) {}
    /// Ends the running phase under `name` and starts the next one.
    void lap(std::string name) {
        auto now = std::chrono::steady_clock::now();
        if (out_ != nullptr)
            out_->emplace_back(std::move(name),
                               std::chrono::duration<double, std::milli>(now - last_).count());
        last_ = now;
    }

private:
    Phases* out_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace skydive::store
