#include "event_hub.h"

#include <algorithm>

#include "graph_txn.h"

namespace skydive::graph {

void Subscription::State::run() {
    std::unique_lock lock(mu);
    for (;;) {
        wake.wait(lock, [&] { return stop || overflowed || !queue.empty(); });
        if (stop) break;
        if (overflowed) {
            queue.clear();
            idle.notify_all();
            lock.unlock();
            if (on_overflow) on_overflow();
            lock.lock();
            wake.wait(lock, [&] { return stop; });
            break;
        }
        model::Change change = std::move(queue.front());
        queue.pop_front();
        busy = true;
        lock.unlock();
        fn(change);
        lock.lock();
        busy = false;
        if (queue.empty()) idle.notify_all();
    }
    idle.notify_all();
}

Subscription::Subscription(std::shared_ptr<State> state) : state_(std::move(state)) {}

Subscription::~Subscription() {
    {
        std::lock_guard lock(state_->mu);
        state_->stop = true;
    }
    state_->wake.notify_all();
    if (state_->thread.get_id() == std::this_thread::get_id())
        state_->thread.detach();
    else if (state_->thread.joinable())
        state_->thread.join();
}

bool Subscription::overflowed() const {
    std::lock_guard lock(state_->mu);
    return state_->overflowed;
}

bool Subscription::drain(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mu);
    return state_->idle.wait_for(
        lock, timeout, [&] { return (state_->queue.empty() && !state_->busy) || state_->stop; });
}

std::shared_ptr<Subscription::State> EventHub::add(LiveGraph::ChangeFn fn,
                                                   SubscribeOptions options) {
    auto st = std::make_shared<Subscription::State>();
    st->fn = std::move(fn);
    st->on_overflow = std::move(options.on_overflow);
    st->capacity = std::max<std::size_t>(1, options.queue_capacity);
    // The thread keeps the state alive even when the handle is destroyed from the callback.
    st->thread = std::thread([st] { st->run(); });
    std::lock_guard lock(mu_);
    subs_.push_back(st);
    return st;
}

void EventHub::publish(std::span<const model::ChangeKind> kinds,
                       std::span<const ChangeVersions> versions) {
    if (kinds.empty()) return;
    std::lock_guard lock(mu_);
    std::erase_if(subs_, [](const auto& w) { return w.expired(); });
    if (!subs_.empty()) publishLocked(changeEvents(kinds, versions));
}

void EventHub::publishLocked(const std::vector<model::Change>& changes) {
    for (const auto& weak : subs_) {
        auto st = weak.lock();
        if (!st) continue;
        bool notify = false;
        {
            std::lock_guard sl(st->mu);
            if (st->stop || st->overflowed) continue;
            if (st->queue.size() + changes.size() > st->capacity) {
                st->overflowed = true;
            } else {
                st->queue.insert(st->queue.end(), changes.begin(), changes.end());
            }
            notify = true;
        }
        if (notify) st->wake.notify_one();
    }
}

}  // namespace skydive::graph
