// Publisher and agent connections: graph messages applied to the live graph (spec §5.3).
#include <spdlog/spdlog.h>

#include <skydive/ingest/uuid.h>
#include <skydive/model/json.h>

#include "ws/hub.h"
#include "ws/subscriber.h"

namespace skydive::server {

namespace {

using ingest::GraphMessage;
using ingest::GraphMessageType;
using model::Change;
using model::ChangeKind;

bool validNode(const model::Node& n) {
    const auto& md = n.metadata.asObject();
    auto str = [&md](std::string_view k) {
        const model::Value* v = md.find(k);
        return v != nullptr && v->isString() && !v->asString().empty();
    };
    return !n.id.empty() && str("Name") && (str("Type") || str("Path") || str("UUID"));
}

bool validEdge(const model::Edge& e) {
    const model::Value* rel = e.metadata.asObject().find("RelationType");
    return !e.id.empty() && !e.parent.empty() && !e.child.empty() && rel != nullptr &&
           rel->isString() && !rel->asString().empty();
}

std::optional<ChangeKind> changeKindOf(GraphMessageType t) {
    switch (t) {
        case GraphMessageType::NodeAdded: return ChangeKind::NodeAdded;
        case GraphMessageType::NodeUpdated: return ChangeKind::NodeUpdated;
        case GraphMessageType::NodeDeleted: return ChangeKind::NodeDeleted;
        case GraphMessageType::EdgeAdded: return ChangeKind::EdgeAdded;
        case GraphMessageType::EdgeUpdated: return ChangeKind::EdgeUpdated;
        case GraphMessageType::EdgeDeleted: return ChangeKind::EdgeDeleted;
        case GraphMessageType::SyncRequest:
        case GraphMessageType::SyncReply:
        case GraphMessageType::Sync:
        case GraphMessageType::NodePartiallyUpdated:
        case GraphMessageType::EdgePartiallyUpdated: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::string Hub::syncReply(const std::string& request_uuid) const {
    auto view = ctx_.graph->snapshot();
    model::Graph g = graph::materialize(*view);
    return ingest::encodeGraphMessage(
        GraphMessage{GraphMessageType::SyncReply, request_uuid, 200, std::move(g)});
}

std::string Hub::syncMessage() const {
    auto view = ctx_.graph->snapshot();
    model::Graph g = graph::materialize(*view);
    return ingest::encodeGraphMessage(
        GraphMessage{GraphMessageType::Sync, ingest::newUuid4(), 200, std::move(g)});
}

namespace {

std::string markKey(const Change& c) {
    return std::to_string(static_cast<int>(c.kind)) + ":" + std::string(c.base().id.view());
}

}  // namespace

model::Status Hub::apply(const model::GraphDelta& delta, bool replicated) {
    if (replicated && replicator_) {
        std::lock_guard lock(marks_mutex_);
        if (marks_.size() > kMaxMarks) marks_.clear();  // stale marks of rejected changes
        for (const auto& c : delta.changes) {
            ++marks_[markKey(c)].count;
        }
    }
    return ctx_.backend->apply(delta);
}

bool Hub::consumeMark(const Change& change) {
    std::lock_guard lock(marks_mutex_);
    if (marks_.empty()) return false;
    auto it = marks_.find(markKey(change));
    if (it == marks_.end()) return false;
    if (--it->second.count <= 0) marks_.erase(it);
    return true;
}

void Hub::deleteOrigin(const std::string& origin, bool replicated) {
    auto view = ctx_.graph->snapshot();
    model::GraphDelta delta;
    model::Time now = ctx_.clock->now();
    view->forEachEdge([&](const model::Edge& e) {
        if (e.origin.view() == origin) {
            model::Edge d = e;
            d.deleted_at = now;
            delta.changes.push_back(Change{ChangeKind::EdgeDeleted, std::move(d)});
        }
        return true;
    });
    view->forEachNode([&](model::NodeHandle n) {
        if (n.origin() == origin) {
            model::Node d = n.toNode();  // the connection's node, copied into the delta
            d.deleted_at = now;
            delta.changes.push_back(Change{ChangeKind::NodeDeleted, std::move(d)});
        }
        return true;
    });
    if (delta.empty()) return;
    if (auto st = apply(delta, replicated); !st.ok())
        spdlog::warn("deleting the elements of {}: {}", origin, st.error().message);
}

/// Sync: the connection's elements are replaced by the received graph; received elements whose
/// ID already exists with another origin are left alone.
static void applySync(ApiContext& ctx, Hub& hub, const model::Graph& g, const std::string& origin,
                      bool replicated) {
    hub.deleteOrigin(origin, replicated);
    auto view = ctx.graph->snapshot();
    model::GraphDelta delta;
    for (const auto& n : g.nodes) {
        bool exists = false;
        view->findNode(n.id.view(), [&exists](model::NodeHandle) { return !(exists = true); });
        if (!exists) delta.changes.push_back(Change{ChangeKind::NodeAdded, n});
    }
    for (const auto& e : g.edges) {
        bool exists = false;
        view->findEdge(e.id.view(), [&exists](const model::Edge&) { return !(exists = true); });
        if (!exists) delta.changes.push_back(Change{ChangeKind::EdgeAdded, e});
    }
    if (auto st = hub.apply(delta, replicated); st.ok()) return;
    // One bad element must not cost the whole sync: apply one by one.
    for (const auto& c : delta.changes) {
        model::GraphDelta one;
        one.changes.push_back(c);
        if (auto st = hub.apply(one, replicated); !st.ok())
            spdlog::debug("sync from {}: {} rejected: {}", origin, c.base().id.view(),
                          st.error().message);
    }
}

static void applyPartial(ApiContext& ctx, Hub& hub, const ingest::PartialUpdate& p, bool node,
                         bool replicated) {
    auto view = ctx.graph->snapshot();
    auto update = [&](auto element, ChangeKind kind) {
        if (p.revision != 0 && p.revision <= element.revision) return;  // spec §1.4
        if (!ingest::applyPartialOps(element.metadata, p.ops)) return;
        element.revision = p.revision != 0 ? p.revision : element.revision + 1;
        if (p.updated_at != 0) element.updated_at = p.updated_at;
        model::GraphDelta delta;
        delta.changes.push_back(Change{kind, std::move(element)});
        (void)hub.apply(delta, replicated);
    };
    if (node) {
        view->findNode(p.id, [&](model::NodeHandle n) {
            update(n.toNode(), ChangeKind::NodeUpdated);
            return false;
        });
    } else {
        view->findEdge(p.id, [&](const model::Edge& e) {
            update(e, ChangeKind::EdgeUpdated);
            return false;
        });
    }
}

std::optional<std::string> Hub::applyPublished(const GraphMessage& msg, const std::string& origin,
                                               bool overwrite_origin, bool replicated) {
    switch (msg.type) {
        case GraphMessageType::SyncRequest: return syncReply(msg.uuid);
        case GraphMessageType::Sync:
        case GraphMessageType::SyncReply:
            if (const auto* g = std::get_if<model::Graph>(&msg.payload))
                applySync(ctx_, *this, *g, origin, replicated);
            return std::nullopt;
        case GraphMessageType::NodePartiallyUpdated:
        case GraphMessageType::EdgePartiallyUpdated:
            applyPartial(ctx_, *this, std::get<ingest::PartialUpdate>(msg.payload),
                         msg.type == GraphMessageType::NodePartiallyUpdated, replicated);
            return std::nullopt;
        case GraphMessageType::NodeAdded:
        case GraphMessageType::NodeUpdated:
        case GraphMessageType::NodeDeleted:
        case GraphMessageType::EdgeAdded:
        case GraphMessageType::EdgeUpdated:
        case GraphMessageType::EdgeDeleted: break;
    }
    Change change{*changeKindOf(msg.type), model::Node{}};
    if (const auto* n = std::get_if<model::Node>(&msg.payload)) {
        model::Node node = *n;
        if (overwrite_origin) {
            node.origin = origin;
            if (!validNode(node)) return std::nullopt;  // dropped, as upstream (schema check)
        }
        change.element = std::move(node);
    } else if (const auto* e = std::get_if<model::Edge>(&msg.payload)) {
        model::Edge edge = *e;
        if (overwrite_origin) {
            edge.origin = origin;
            if (!validEdge(edge)) return std::nullopt;
        }
        change.element = std::move(edge);
    }
    if (change.kind == ChangeKind::NodeDeleted || change.kind == ChangeKind::EdgeDeleted) {
        auto& base = std::visit([](auto& el) -> model::Element& { return el; }, change.element);
        if (base.deleted_at == 0) base.deleted_at = ctx_.clock->now();
    }
    model::GraphDelta delta;
    delta.changes.push_back(std::move(change));
    if (auto st = apply(delta, replicated); !st.ok())
        spdlog::debug("message from {} rejected: {}", origin, st.error().message);
    return std::nullopt;
}

Publisher::Publisher(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info,
                     bool overwrite_origin, bool delete_on_disconnect, bool registered)
    : hub_(hub),
      conn_(std::move(conn)),
      info_(std::move(info)),
      overwrite_origin_(overwrite_origin),
      delete_on_disconnect_(delete_on_disconnect),
      registered_(registered) {}

void Publisher::onPong() {
    if (info_.endpoint == "/ws/agent/topology" || info_.endpoint == "/ws/replication")
        hub_.recordPong(info_.origin());
}

void Publisher::onMessage(std::string_view data) {
    onPong();  // any traffic proves the agent is alive
    auto text = jsonMessage(info_.protobuf, data);
    if (!text.ok()) {
        spdlog::debug("{} from {}: {}", info_.endpoint, info_.host_id, text.error().message);
        return;
    }
    auto msg = ingest::decodeGraphMessage(*text, hub_.context().clock->now());
    if (!msg.ok()) {
        spdlog::debug("{} from {}: {}", info_.endpoint, info_.host_id, msg.error().message);
        return;
    }
    bool replicated = info_.endpoint == "/ws/replication";
    if (auto reply = hub_.applyPublished(*msg, info_.origin(), overwrite_origin_, replicated))
        conn_->send(wireMessage(info_.protobuf, std::move(*reply)));
}

void Publisher::onClose() {
    onPong();  // the expiry period starts when the agent leaves
    if (delete_on_disconnect_) hub_.deleteOrigin(info_.origin());
    if (registered_) hub_.removeClient(info_);
    conn_.reset();
}

}  // namespace skydive::server
