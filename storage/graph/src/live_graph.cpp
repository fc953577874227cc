#include <skydive/graph/live_graph.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

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
    // Whether `txn.image` is a copy of its own, published at commit; else it went back into
    // `head` once finished, and the commit publishes no image (ADR 046).
    bool published = true;
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
    mutable std::mutex view_mu;  // guards `current` and `stale` (held for O(1) copies only)
    GraphImage current;          // the newest committed image: what readers see, unless...
    bool stale = false;          // ...the newest commits published none (ADR 046)
    CommitHook hook;
    CommitLog* log = nullptr;
    EventHub hub;

    // Group commit (ADR 013): staged mutations wait here; the first waiter finding no leader
    // writes every queued mutation in one write, publishes them and wakes the others.
    std::mutex commit_mu;
    std::condition_variable commit_cv;
    std::deque<std::shared_ptr<PendingCommit>> queue;
    bool leader_active = false;
    std::size_t unwritten = 0;      // staged mutations not yet committed or failed
    std::uint64_t groups_done = 0;  // groups written (or failed) so far

    // Publication on demand (ADR 046): commits publish their image while a read happened within
    // `publish_after_read` or a reader waits, and when the log asks for it.
    const std::int64_t publish_after_read_ns;
    mutable std::atomic<std::int64_t> read_until_ns{0};
    mutable std::atomic<int> readers_waiting{0};

    // The newest staged mutation while `finisher` completes its image (GraphTxn::defer): the
    // next mutation waits for it before building on `head`. Guarded by write_mu.
    std::shared_ptr<PendingCommit> unfinished;
    JobThread finisher;  // last: joined before the members its job uses are destroyed

    Impl(const model::Clock& c, std::shared_ptr<const IndexConfig> cfg,
         std::chrono::milliseconds publish_after_read)
        : clock(c),
          config(cfg),
          head(cfg),
          current(std::move(cfg)),
          publish_after_read_ns(
              std::chrono::duration_cast<std::chrono::nanoseconds>(publish_after_read).count()) {}

    static std::int64_t steadyNs() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    bool readRecently() const {
        return readers_waiting.load() > 0 ||
               (publish_after_read_ns > 0 && steadyNs() < read_until_ns.load());
    }

    // Runs `op` on the newest image; the result becomes visible (and the call returns success)
    // only when op, the hook and the durable write all succeed. The image is a copy when the
    // commit will publish it; otherwise `head` itself, changed in place (no copy on write, no
    // reference count traffic: ADR 046) and reverted change by change if the mutation fails.
    template <typename Op>
    Status mutate(const Op& op) {
        std::shared_ptr<PendingCommit> p;
        {
            std::lock_guard wl(write_mu);
            settleHead();
            const bool publish = log == nullptr || readRecently() || log->wantsImage();
            GraphTxn txn(publish ? GraphImage(head) : std::move(head), clock.now());
            // A failed mutation that worked on `head` itself gives it back, reverted.
            auto giveBack = [&](GraphTxn& t) {
                if (publish) return;
                t.applyDeferred();
                undoChanges(t.image, t.kinds, t.versions);
                head = std::move(t.image);
            };
            if (auto st = op(txn); !st) {
                if (log) log->unprepare();
                giveBack(txn);
                return st;
            }
            if (txn.kinds.empty()) {
                if (!publish) head = std::move(txn.image);
                return {};
            }
            if (log == nullptr) {  // (apply() defers only with a log)
                if (hook)
                    if (auto st = hook(changeEvents(txn.kinds, txn.versions), head, txn.image); !st)
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
            if (!staged) {
                giveBack(txn);
                return staged.error();
            }
            p = std::make_shared<PendingCommit>(std::move(*staged), std::move(txn));
            p->published = publish;
            if (p->txn.hasDeferred()) {
                // The image is finished on the finisher while this thread writes the group.
                unfinished = p;
                finisher.start([q = p.get()] { q->txn.applyDeferred(); });
            } else {
                head = takeImage(*p);
            }
            std::lock_guard cl(commit_mu);
            queue.push_back(p);
            ++unwritten;
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
            unwritten -= group.size();
            ++groups_done;
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
            abortPending(st, group);
            return st;
        }
        const PendingCommit& last = *group.back();
        const GraphImage* after = last.published ? &last.txn.image : nullptr;
        log->committed(staged, after);
        std::optional<GraphImage> replaced;
        {
            std::lock_guard vl(view_mu);
            if (after) {
                replaced = *after;
                std::swap(current, *replaced);
                stale = false;
            } else if (!stale) {  // dropped: it would make the writer copy on write again
                replaced = std::exchange(current, GraphImage(config));
                stale = true;
            }
        }
        if (replaced) log->retire(std::move(*replaced));
        for (const auto& g : group) {
            hub.publish(g->txn.kinds, g->txn.versions);
            log->retire(std::move(g->txn.versions));
        }
        return {};
    }

    // A failed write: every mutation staged after the group was built on it, so they fail too,
    // and `head` goes back to the last committed image: `current` when the last commit
    // published it, else `head` with the failed mutations reverted, newest first.
    void abortPending(const Status& st, const std::vector<std::shared_ptr<PendingCommit>>& group) {
        std::lock_guard wl(write_mu);
        std::deque<std::shared_ptr<PendingCommit>> later;
        {
            std::lock_guard cl(commit_mu);
            for (auto& q : queue) {
                q->done = true;
                q->status = st;
            }
            later.swap(queue);
            unwritten -= later.size();
        }
        log->aborted();
        finisher.wait();  // an image being finished is dropped or reverted
        {
            std::lock_guard vl(view_mu);
            if (!stale) {
                unfinished.reset();
                head = current;
                return;
            }
        }
        settleHead();
        for (auto it = later.rbegin(); it != later.rend(); ++it)
            undoChanges(head, (*it)->txn.kinds, (*it)->txn.versions);
        for (auto it = group.rbegin(); it != group.rend(); ++it)
            undoChanges(head, (*it)->txn.kinds, (*it)->txn.versions);
    }

    // Under write_mu: makes `head` the newest staged image, once the finisher completed it.
    void settleHead() {
        if (!unfinished) return;
        finisher.wait();
        head = takeImage(*unfinished);
        unfinished.reset();
    }

    // The image a staged mutation leads to, as the next `head`: shared when its commit will
    // publish it, else moved (the writer keeps changing it in place; ADR 046).
    static GraphImage takeImage(PendingCommit& p) {
        if (p.published) return p.txn.image;
        return std::move(p.txn.image);
    }

    GraphImage image() {
        if (publish_after_read_ns > 0) read_until_ns.store(steadyNs() + publish_after_read_ns);
        {
            std::lock_guard vl(view_mu);
            if (!stale) return current;
        }
        return publishOnDemand();
    }

    // A read after commits that published no image: `head` is the last committed image once
    // every staged mutation is written; meanwhile this reader waiting makes the next commits
    // publish theirs, whichever comes first.
    GraphImage publishOnDemand() {
        readers_waiting.fetch_add(1);
        struct Leave {
            std::atomic<int>& n;
            ~Leave() { n.fetch_sub(1); }
        } leave{readers_waiting};
        for (;;) {
            std::uint64_t seen;
            {
                std::lock_guard wl(write_mu);
                {
                    std::lock_guard vl(view_mu);
                    if (!stale) return current;
                }
                std::unique_lock cl(commit_mu);
                seen = groups_done;
                if (unwritten == 0) {
                    cl.unlock();
                    settleHead();
                    if (log) log->republish(head);
                    std::lock_guard vl(view_mu);
                    current = head;
                    stale = false;
                    return current;
                }
            }
            std::unique_lock cl(commit_mu);
            commit_cv.wait(cl, [&] { return unwritten == 0 || groups_done != seen; });
        }
    }
};

LiveGraph::LiveGraph(const model::Clock& clock, LiveGraphOptions options) {
    auto cfg = std::make_shared<IndexConfig>();
    cfg->keys = std::move(options.indexed_keys);
    impl_ = std::make_unique<Impl>(clock, std::move(cfg), options.publish_after_read);
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
        const auto& changes = delta.changes;
        for (std::size_t k = 0; k < GraphTxn::kPrefetchNear && k < changes.size(); ++k)
            t.prefetchNear(changes[k], k);  // the first changes get their probes at once
        for (std::size_t i = 0; i < changes.size(); ++i) {
            if (i + GraphTxn::kPrefetchFar < changes.size())
                t.prefetchFar(changes[i + GraphTxn::kPrefetchFar]);
            if (i + GraphTxn::kPrefetchNear < changes.size())
                t.prefetchNear(changes[i + GraphTxn::kPrefetchNear], i + GraphTxn::kPrefetchNear);
            t.stepProbes(i);
            t.applying(i);
            if (auto st = t.applyChange(changes[i]); !st) return st;
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
    impl_->stale = false;
}

const model::Clock& LiveGraph::clock() const {
    return impl_->clock;
}

}  // namespace skydive::graph
