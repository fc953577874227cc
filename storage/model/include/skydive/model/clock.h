#pragma once

#include <atomic>
#include <cstdint>

namespace skydive::model {

/// Milliseconds since the Unix epoch: the one time unit of every external form (spec §1.1).
using Time = std::int64_t;

/// The only source of "now". Everything that needs the time takes a Clock, so tests and
/// relative time queries (`At('-1m')`) run on a frozen clock.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Time now() const = 0;
};

/// Reads the system's realtime clock.
class SystemClock final : public Clock {
public:
    Time now() const override;
    /// A process-wide instance.
    static const SystemClock& instance();
};

/// A clock that only moves when told to; safe to read from several threads.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Time start = 0) : now_(start) {}
    Time now() const override { return now_.load(std::memory_order_relaxed); }
    void set(Time t) { now_.store(t, std::memory_order_relaxed); }
    void advance(Time delta_ms) { now_.fetch_add(delta_ms, std::memory_order_relaxed); }

private:
    std::atomic<Time> now_;
};

}  // namespace skydive::model
