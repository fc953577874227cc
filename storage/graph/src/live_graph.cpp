#include <skydive/graph/live_graph.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "event_hub.h"
#include "graph_txn.h"

namespace skydive::graph {

using model::Status;

// One mutation between staging and its durable write.
struct PendingCommit {
    PendingCommit(std::unique_ptr<StagedCommit> s, GraphImage img, std::vector<model::ChangeKind> k,
                  std::vector<ChangeVersions> v)
        : staged(std::move(s)),
          image(std::move(img)),
          kinds(std::move(k)),
          versions(std::move(v)) {}
    std::unique_ptr<StagedCommit> staged;
    GraphImage image;                      // the image after this mutation
    std::vector<model::ChangeKind> kinds;  // its changes, for the subscribers' events
    std::vector<ChangeVersions> versions;
    bool done = false;
    Status status;
};

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

    Impl(const model::Clock& c, std::shared_ptr<const IndexConfig> cfg)
        : clock(c), config(cfg), head(cfg), current(std::move(cfg)) {}

    // Runs `op` on a copy of the newest image; the result becomes visible (and the call
    // returns success) only when op, the hook and the durable write all succeed.
    template <typename Op>
    Status mutate(const Op& op) {
        std::shared_ptr<PendingCommit> p;
        {
            std::lock_guard wl(write_mu);
            GraphImage before = head;
            GraphTxn txn{before, clock.now(), {}, {}};
            if (auto st = op(txn); !st) return st;
            if (txn.kinds.empty()) return {};
            if (log == nullptr) {
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
            auto staged = log->stage(txn.kinds, txn.versions, before, txn.image);
            if (!staged) return staged.error();
            head = txn.image;
            p = std::make_shared<PendingCommit>(std::move(*staged), std::move(txn.image),
                                                std::move(txn.kinds), std::move(txn.versions));
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
        if (!st) {
            abortPending(st);
            return st;
        }
        log->committed(staged, group.back()->image);
        GraphImage replaced = group.back()->image;
        {
            std::lock_guard vl(view_mu);
            std::swap(current, replaced);
        }
        log->retire(std::move(replaced));
        for (const auto& g : group) {
            hub.publish(g->kinds, g->versions);
            log->retire(std::move(g->versions));
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
        head = image();
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
        t.kinds.reserve(delta.changes.size());  // deletions of nodes with edges add more
        t.versions.reserve(delta.changes.size());
        for (const auto& c : delta.changes)
            if (auto st = t.applyChange(c); !st) return st;
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
    std::lock_guard vl(impl_->view_mu);
    impl_->head = image;
    impl_->current = std::move(image);
}

const model::Clock& LiveGraph::clock() const {
    return impl_->clock;
}

}  // namespace skydive::graph
