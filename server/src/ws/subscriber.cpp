// /ws/subscriber: SyncRequest/SyncReply and live events, through an optional Gremlin filter.
#include "ws/subscriber.h"

#include <spdlog/spdlog.h>

#include <skydive/gremlin/query_result.h>
#include <skydive/ingest/uuid.h>

namespace skydive::server {

namespace {

using ingest::GraphMessage;
using ingest::GraphMessageType;

constexpr std::string_view kNotAGraph = "did not return a graph";

}  // namespace

Subscriber::Subscriber(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info,
                       std::optional<std::string> filter, bool no_echo)
    : hub_(hub),
      conn_(std::move(conn)),
      info_(std::move(info)),
      origin_(info_.origin()),
      no_echo_(no_echo),
      filter_(std::move(filter)),
      has_filter_(filter_.has_value()) {
    if (filter_) {
        if (auto g = evaluate(hub_.context(), *filter_); g.ok()) resetView(*g);
    }
}

model::Result<model::Graph> Subscriber::evaluate(ApiContext& ctx, const std::string& filter) {
    auto r = ctx.engine->run(filter, *ctx.source);
    if (!r.ok()) return r.error();
    if (r->kind != gremlin::ResultKind::Graph || !r->graph)
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "subscription filter " + std::string(kNotAGraph));
    model::Graph g = graph::materialize(*r->graph);
    return g;
}

void Subscriber::resetView(const model::Graph& g) {
    nodes_.clear();
    edges_.clear();
    for (const auto& n : g.nodes) nodes_.emplace(n.id.str(), n);
    for (const auto& e : g.edges) edges_.emplace(e.id.str(), e);
}

bool Subscriber::filtered() const {
    std::lock_guard lock(mutex_);
    return filter_.has_value();
}

bool Subscriber::send(std::string text) {
    if (conn_->send(wireMessage(info_.protobuf, std::move(text)))) return true;
    hub_.context().metrics.wsDropped();
    return false;
}

void Subscriber::deliver(const model::Change& change, const EncodedEvent& event) {
    const auto& msg = event.of(info_.protobuf, info_.partial);
    if (no_echo_ && change.base().origin.view() == origin_) return;
    // Unfiltered (the common case): no lock, the shared bytes go straight to the queue.
    if (!has_filter_.load(std::memory_order_acquire)) {
        if (!conn_->send(msg)) hub_.context().metrics.wsDropped();
        return;
    }
    std::lock_guard lock(mutex_);
    if (!filter_) {
        if (!conn_->send(msg)) hub_.context().metrics.wsDropped();
        return;
    }
    // Re-evaluate the filter and send the difference with the previous view, then the event
    // itself when its element stays inside (spec §5.3).
    auto g = evaluate(hub_.context(), *filter_);
    if (!g.ok()) return;
    std::map<std::string, model::Node> nodes;
    std::map<std::string, model::Edge> edges;
    for (auto& n : g->nodes) nodes.emplace(n.id.str(), std::move(n));
    for (auto& e : g->edges) edges.emplace(e.id.str(), std::move(e));
    auto diffEvent = [](GraphMessageType t, auto element) {
        return ingest::encodeGraphMessage(
            GraphMessage{t, ingest::newUuid4(), 200, std::move(element)});
    };
    for (const auto& [id, e] : edges_)
        if (!edges.count(id)) send(diffEvent(GraphMessageType::EdgeDeleted, e));
    for (const auto& [id, n] : nodes_)
        if (!nodes.count(id)) send(diffEvent(GraphMessageType::NodeDeleted, n));
    for (const auto& [id, n] : nodes)
        if (!nodes_.count(id)) send(diffEvent(GraphMessageType::NodeAdded, n));
    for (const auto& [id, e] : edges)
        if (!edges_.count(id)) send(diffEvent(GraphMessageType::EdgeAdded, e));
    std::string id(change.base().id.view());
    bool updated = change.kind == model::ChangeKind::NodeUpdated ||
                   change.kind == model::ChangeKind::EdgeUpdated;
    bool inside = model::isNodeChange(change.kind) ? nodes.count(id) && nodes_.count(id)
                                                   : edges.count(id) && edges_.count(id);
    if (updated && inside && !conn_->send(msg)) hub_.context().metrics.wsDropped();
    nodes_ = std::move(nodes);
    edges_ = std::move(edges);
}

void Subscriber::onMessage(std::string_view data) {
    ApiContext& ctx = hub_.context();
    auto text = jsonMessage(info_.protobuf, data);
    if (!text.ok()) return;
    auto msg = ingest::decodeGraphMessage(*text, ctx.clock->now());
    if (!msg.ok() || msg->type != GraphMessageType::SyncRequest) return;
    const auto& req = std::get<ingest::SyncRequest>(msg->payload);
    GraphMessage reply{GraphMessageType::SyncReply, msg->uuid, 200, std::monostate{}};
    std::lock_guard lock(mutex_);
    if (req.gremlin_filter && !req.gremlin_filter->empty()) {
        auto g = evaluate(ctx, *req.gremlin_filter);
        if (!g.ok()) {
            reply.status = 400;
            reply.payload = g.error().message;
        } else {
            filter_ = *req.gremlin_filter;
            has_filter_.store(true, std::memory_order_release);
            resetView(*g);
            reply.payload = std::move(g).value();
        }
    } else if (req.gremlin_filter) {
        // "" resets the filter; Time asks for the graph at that moment (slice semantics).
        filter_.reset();
        has_filter_.store(false, std::memory_order_release);
        nodes_.clear();
        edges_.clear();
        graph::GraphViewPtr view = ctx.source->live();
        if (req.time != 0) {
            auto past = ctx.source->slice(req.time, req.time);
            if (!past.ok()) {
                reply.status = 400;
                view = nullptr;
            } else {
                view = *past;
            }
        }
        if (view) {
            model::Graph g = graph::materialize(*view);
            reply.payload = std::move(g);
        }
    } else if (filter_) {
        auto g = evaluate(ctx, *filter_);
        if (g.ok()) {
            resetView(*g);
            reply.payload = std::move(g).value();
        } else {
            reply.status = 400;
            reply.payload = g.error().message;
        }
    } else {
        send(hub_.syncReply(msg->uuid));
        return;
    }
    send(ingest::encodeGraphMessage(reply));
}

void Subscriber::onClose() {
    hub_.removeSubscriber(this);
    hub_.removeClient(info_);
}

}  // namespace skydive::server
