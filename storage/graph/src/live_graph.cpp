#include <skydive/graph/live_graph.h>

#include <mutex>

#include "event_hub.h"
#include "graph_txn.h"

namespace skydive::graph {

using model::Status;

struct LiveGraph::Impl {
    const model::Clock& clock;
    std::shared_ptr<const IndexConfig> config;

    std::mutex write_mu;         // one writer at a time, held through the commit hook
    mutable std::mutex view_mu;  // guards `current` (held for O(1) copies only)
    GraphImage current;
    CommitHook hook;
    EventHub hub;

    Impl(const model::Clock& c, std::shared_ptr<const IndexConfig> cfg)
        : clock(c), config(cfg), current(std::move(cfg)) {}

    // Runs `op` on a copy of the current image; publishes it only when op and hook succeed.
    template <typename Op>
    Status mutate(const Op& op) {
        std::lock_guard wl(write_mu);
        GraphImage before = image();
        GraphTxn txn{before, clock.now(), {}};
        if (auto st = op(txn); !st) return st;
        if (txn.changes.empty()) return {};
        if (hook)
            if (auto st = hook(txn.changes, before, txn.image); !st) return st;
        {
            std::lock_guard vl(view_mu);
            current = std::move(txn.image);
        }
        hub.publish(txn.changes);
        return {};
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

void LiveGraph::reset(GraphImage image) {
    std::lock_guard wl(impl_->write_mu);
    std::lock_guard vl(impl_->view_mu);
    impl_->current = std::move(image);
}

const model::Clock& LiveGraph::clock() const {
    return impl_->clock;
}

}  // namespace skydive::graph
