#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace skydive::graph {

/// A thread of its own that runs one job at a time beside the thread that hands it jobs: the
/// live graph finishes a large mutation's image on one while the group is written, and the
/// history store appends a group to its recent window and encodes chunks on others (ADR 015).
/// The thread starts with the first job; the destructor waits for the current job and joins.
class JobThread {
public:
    JobThread() = default;
    ~JobThread();
    JobThread(const JobThread&) = delete;
    JobThread& operator=(const JobThread&) = delete;

    /// REQUIRES: no job pending (wait() returned since the last start()).
    void start(std::function<void()> job);
    /// Starts `job` unless one is pending or running; returns whether it did.
    bool tryStart(std::function<void()> job);
    /// Returns once no job is pending or running.
    void wait();
    /// Withdraws the job if the thread has not picked it up yet (it may still be waking up);
    /// returns false when the job is running or done (then wait() for it).
    bool cancelIfNotStarted();
    /// REQUIRES: start() was called once.
    std::thread::id id() const { return thread_.get_id(); }

private:
    void loop();

    std::mutex mu_;
    std::condition_variable cv_;
    std::function<void()> job_;
    bool running_ = false;  // loop() is running job_
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace skydive::graph
