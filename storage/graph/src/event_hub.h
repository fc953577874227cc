#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include <skydive/graph/live_graph.h>

namespace skydive::graph {

/// One subscriber: a bounded FIFO filled by the writer and emptied by its own dispatch thread,
/// so a slow callback never blocks the writer (it overflows instead).
struct Subscription::State {
    LiveGraph::ChangeFn fn;
    std::function<void()> on_overflow;
    std::size_t capacity = kDefaultSubscriberQueue;

    std::mutex mu;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<model::Change> queue;
    bool stop = false;
    bool overflowed = false;
    bool busy = false;
    std::thread thread;

    void run();
};

/// Fans changes out to the subscribers. publish() takes O(1) per subscriber.
class EventHub {
public:
    std::shared_ptr<Subscription::State> add(LiveGraph::ChangeFn fn, SubscribeOptions options);
    /// Builds the events from a mutation's kinds and versions only when there is a subscriber
    /// (ADR 015: otherwise no element is copied).
    void publish(std::span<const model::ChangeKind> kinds,
                 std::span<const ChangeVersions> versions);

private:
    void publishLocked(const std::vector<model::Change>& changes);  // under mu_
    std::mutex mu_;
    std::vector<std::weak_ptr<Subscription::State>> subs_;
};

}  // namespace skydive::graph
