#include <skydive/graph/job_thread.h>

#include <cassert>

namespace skydive::graph {

JobThread::~JobThread() {
    {
        std::lock_guard l(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void JobThread::start(std::function<void()> job) {
    [[maybe_unused]] const bool started = tryStart(std::move(job));
    assert(started);  // the caller's contract: no job pending
}

bool JobThread::tryStart(std::function<void()> job) {
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    std::lock_guard l(mu_);
    if (job_) return false;
    job_ = std::move(job);
    cv_.notify_all();
    return true;
}

void JobThread::wait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return !job_; });
}

bool JobThread::cancelIfNotStarted() {
    std::lock_guard l(mu_);
    if (!job_ || running_) return false;
    job_ = nullptr;
    return true;
}

void JobThread::loop() {
    std::unique_lock l(mu_);
    for (;;) {
        cv_.wait(l, [&] { return stop_ || job_; });
        if (!job_) return;  // stopping, nothing left to run
        running_ = true;
        l.unlock();
        job_();
        l.lock();
        running_ = false;
        job_ = nullptr;
        cv_.notify_all();
    }
}

}  // namespace skydive::graph
