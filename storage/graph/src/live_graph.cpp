#include <skydive/graph/live_graph.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include <skydive/graph/job_thread.h>

#include "event_hub.h"
#include "graph_txn.h"

namespace skydive::graph {

using model::Status;

// One mutation between staging and its durable write.
struct PendingCommit {
    PendingCommit(std::unique_ptr<StagedCommit> s, GraphTxn t)
        : staged(std::move(s)), txn(std::move(t)) {}
    std::unique_ptr<StagedCommit> staged;
    GraphTxn txn;  // the image after this mutation, and its changes for the subscribers' events
    bool done = false;
    Status status;
};

// Deltas of at least this many changes defer their node replacements' image work to the
// finisher thread (GraphTxn::defer); smaller ones do it inline (a hand-off costs more).
constexpr std::size_t kDeferChanges = 256;
// A large mutation's applied changes go to CommitLog::prepare() by runs of this many.
constexpr std::size_t kPrepareEvery = 256;

struct LiveGraph::Impl {
    const model::Clock& clock;
    std::shared_ptr<const IndexConfig> config;

    // Lock order: write_mu, then commit_mu, then view_mu.
    std::mutex write_mu;         // one mutation stages at a time; guards `head`
    GraphImage head;             // the newest staged image (== current when nothing is pending)
    mutable std::mutex view_mu;  // guards `current` (held for O(1) copies only)
    GraphImage current;          // the newest committed image: what readers see
    CommitHook hook;
    CommitLog* log = nullptr;
    EventHub hub;

    // Group commit (ADR 013): staged mutations wait here; the first waiter finding no leader
    // writes every queued mutation in one write, publishes them and wakes the others.
    std::mutex commit_mu;
    std::condition_variable commit_cv;
    std::deque<std::shared_ptr<PendingCommit>> queue;
    bool leader_active = false;

    // The newest staged mutation while `finisher` completes its image (GraphTxn::defer): the
    // next mutation waits for it before building on `head`. Guarded by write_mu.
    std::shared_ptr<PendingCommit> unfinished;
    JobThread finisher;  // last: joined before the members its job uses are destroyed

    Impl(const model::Clock& c, std::shared_ptr<const IndexConfig> cfg)
        : clock(c), config(cfg), head(cfg), current(std::move(cfg)) {}

    // Runs `op` on a copy of the newest image; the result becomes visible (and the call
    // returns success) only when op, the hook and the durable write all succeed.
    template <typename Op>
    Status mutate(const Op& op) {
        std::shared_ptr<PendingCommit> p;
        {
            std::lock_guard wl(write_mu);
            settleHead();
            GraphImage before = head;
            GraphTxn txn(before, clock.now());
            if (auto st = op(txn); !st) {
                if (log) log->unprepare();
                return st;
            }
            if (txn.kinds.empty()) return {};
            if (log == nullptr) {  // (apply() defers only with a log)
                if (hook)
                    if (auto st = hook(changeEvents(txn.kinds, txn.versions), before, txn.image);
                        !st)
                        return st;
                head = txn.image;
                {
                    std::lock_guard vl(view_mu);
                    current = std::move(txn.image);
                }
                hub.publish(txn.kinds, txn.versions);
                return {};
            }
            auto staged = log->stage(txn.kinds, txn.versions);
            if (!staged) return staged.error();
            p = std::make_shared<PendingCommit>(std::move(*staged), std::move(txn));
            if (p->txn.hasDeferred()) {
                // The image is finished on the finisher while this thread writes the group.
                unfinished = p;
                finisher.start([q = p.get()] { q->txn.applyDeferred(); });
            } else {
                head = p->txn.image;
            }
            std::lock_guard cl(commit_mu);
            queue.push_back(p);
        }
        return awaitCommit(*p);
    }

    Status awaitCommit(PendingCommit& p) {
        std::unique_lock l(commit_mu);
        while (!p.done) {
            if (leader_active) {
                commit_cv.wait(l);
                continue;
            }
            leader_active = true;
            std::vector<std::shared_ptr<PendingCommit>> group(queue.begin(), queue.end());
            queue.clear();
            l.unlock();
            Status st = writeGroup(group);
            l.lock();
            for (auto& g : group) {
                g->done = true;
                g->status = st;
            }
            leader_active = false;
            commit_cv.notify_all();
        }
        return p.status;
    }

    // Called by the leader without commit_mu.
    Status writeGroup(const std::vector<std::shared_ptr<PendingCommit>>& group) {
        std::vector<StagedCommit*> staged;
        staged.reserve(group.size());
        for (const auto& g : group) staged.push_back(g->staged.get());
        Status st = log->write(staged);
        // Every image staged before this group was taken is finished once no job is left (a
        // job of a later mutation may be waited for too).
        finisher.wait();
        if (!st) {
            abortPending(st);
            return st;
        }
        const GraphImage& after = group.back()->txn.image;
        log->committed(staged, after);
        GraphImage replaced = after;
        {
            std::lock_guard vl(view_mu);
            std::swap(current, replaced);
        }
        log->retire(std::move(replaced));
        for (const auto& g : group) {
            hub.publish(g->txn.kinds, g->txn.versions);
            log->retire(std::move(g->txn.versions));
        }
        return {};
    }

    // A failed write: every mutation staged after the group was built on it, so they fail too.
    void abortPending(const Status& st) {
        std::lock_guard wl(write_mu);
        {
            std::lock_guard cl(commit_mu);
            for (auto& q : queue) {
                q->done = true;
                q->status = st;
            }
            queue.clear();
        }
        log->aborted();
        finisher.wait();  // an image being finished is dropped
        unfinished.reset();
        head = image();
    }

    // Under write_mu: makes `head` the newest staged image, once the finisher completed it.
    void settleHead() {
        if (!unfinished) return;
        finisher.wait();
        head = unfinished->txn.image;
        unfinished.reset();
    }

    GraphImage image() const {
        std::lock_guard vl(view_mu);
        return current;
    }
};

LiveGraph::LiveGraph(const model::Clock& clock, LiveGraphOptions options) {
    auto cfg = std::make_shared<IndexConfig>();
    cfg->keys = std::move(options.indexed_keys);
    impl_ = std::make_unique<Impl>(clock, std::move(cfg));
}

LiveGraph::~LiveGraph() = default;

Status LiveGraph::addNode(model::Node node) {
    return impl_->mutate([&](GraphTxn& t) { return t.addNode(std::move(node)); });
}
Status LiveGraph::addEdge(model::Edge edge) {
    return impl_->mutate([&](GraphTxn& t) { return t.addEdge(std::move(edge)); });
}
Status LiveGraph::replaceNode(model::Node node) {
    return impl_->mutate([&](GraphTxn& t) { return t.replaceNode(std::move(node)); });
}
Status LiveGraph::replaceEdge(model::Edge edge) {
    return impl_->mutate([&](GraphTxn& t) { return t.replaceEdge(std::move(edge)); });
}
Status LiveGraph::setNodeMetadata(std::string_view id, std::string_view key, model::Value value) {
    return impl_->mutate([&](GraphTxn& t) { return t.updateNodeMetadata(id, key, &value); });
}
Status LiveGraph::deleteNodeMetadata(std::string_view id, std::string_view key) {
    return impl_->mutate([&](GraphTxn& t) { return t.updateNodeMetadata(id, key, nullptr); });
}
Status LiveGraph::setEdgeMetadata(std::string_view id, std::string_view key, model::Value value) {
    return impl_->mutate([&](GraphTxn& t) { return t.updateEdgeMetadata(id, key, &value); });
}
Status LiveGraph::deleteEdgeMetadata(std::string_view id, std::string_view key) {
    return impl_->mutate([&](GraphTxn& t) { return t.updateEdgeMetadata(id, key, nullptr); });
}
Status LiveGraph::deleteNode(std::string_view id, Time at) {
    return impl_->mutate([&](GraphTxn& t) { return t.deleteNode(id, at, true); });
}
Status LiveGraph::deleteEdge(std::string_view id, Time at) {
    return impl_->mutate([&](GraphTxn& t) { return t.deleteEdge(id, at, true); });
}
Status LiveGraph::apply(const model::GraphDelta& delta) {
    return impl_->mutate([&](GraphTxn& t) -> Status {
        t.defer = impl_->log != nullptr && delta.changes.size() >= kDeferChanges;
        t.kinds.reserve(delta.changes.size());  // deletions of nodes with edges add more
        t.versions.reserve(delta.changes.size());
        CommitLog* log = t.defer ? impl_->log : nullptr;
        std::size_t prepared = 0;
        for (const auto& c : delta.changes) {
            if (auto st = t.applyChange(c); !st) return st;
            // The log encodes what is applied while the rest is (ADR 015, twentieth round).
            if (log && t.kinds.size() >= prepared + kPrepareEvery) {
                log->prepare(t.kinds, t.versions);
                prepared = t.kinds.size();
            }
        }
        return {};
    });
}

GraphViewPtr LiveGraph::snapshot() const {
    return impl_->image().view(ViewKind::Live);
}
GraphImage LiveGraph::image() const {
    return impl_->image();
}
std::size_t LiveGraph::nodeCount() const {
    return impl_->image().nodeCount();
}
std::size_t LiveGraph::edgeCount() const {
    return impl_->image().edgeCount();
}

model::Result<GraphViewPtr> LiveGraph::at(Time) const {
    return model::makeError(model::ErrorCode::Unsupported, "Backend does not support history");
}
model::Result<GraphViewPtr> LiveGraph::slice(Time, Time) const {
    return model::makeError(model::ErrorCode::Unsupported, "Backend does not support history");
}

SubscriptionPtr LiveGraph::subscribe(ChangeFn fn, SubscribeOptions options) {
    return std::make_unique<Subscription>(impl_->hub.add(std::move(fn), std::move(options)));
}

void LiveGraph::setCommitHook(CommitHook hook) {
    std::lock_guard wl(impl_->write_mu);
    impl_->hook = std::move(hook);
}

void LiveGraph::setCommitLog(CommitLog* log) {
    std::lock_guard wl(impl_->write_mu);
    impl_->log = log;
}

void LiveGraph::reset(GraphImage image) {
    std::lock_guard wl(impl_->write_mu);
    impl_->settleHead();
    std::lock_guard vl(impl_->view_mu);
    impl_->head = image;
    impl_->current = std::move(image);
}

const model::Clock& LiveGraph::clock() const {
    return impl_->clock;
}

}  // namespace skydive::graph
