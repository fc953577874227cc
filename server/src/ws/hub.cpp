// Handshake rules (spec §5.1), the event fan-out and /api/status of the WebSocket clients.
#include "ws/hub.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <skydive/ingest/struct_message.h>
#include <skydive/model/json.h>

#include "api/error_status.h"
#include "rfc3339.h"
#include "ws/replication.h"
#include "ws/subscriber.h"

namespace skydive::server {

namespace {

constexpr std::string_view kSubscriber = "/ws/subscriber";
constexpr std::string_view kPublisher = "/ws/publisher";
constexpr std::string_view kAgent = "/ws/agent/topology";
constexpr std::string_view kPubSub = "/ws/pubsub";
constexpr std::string_view kReplication = "/ws/replication";

/// Handshake parameters may be headers or lower-cased query parameters (spec §5.1).
std::string param(const HttpRequest& req, std::string_view lower_name) {
    if (auto h = req.header(lower_name)) return std::string(*h);
    if (auto q = req.queryParam(lower_name)) return std::string(*q);
    return {};
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

WsDecision refuse(int status, std::string_view message) {
    WsDecision d;
    d.accept = false;
    d.response = message.empty() ? HttpResponse::empty(status) : errorResponse(status, message);
    d.response.close = true;
    return d;
}

}  // namespace

std::shared_ptr<const std::string> wireMessage(bool protobuf, std::string json) {
    if (protobuf) {
        // Our own envelopes always re-encode; an error here would be a bug in the encoder.
        if (auto pb = ingest::jsonEnvelopeToProtobuf(json); pb.ok())
            return std::make_shared<const std::string>(std::move(*pb));
    }
    return std::make_shared<const std::string>(std::move(json));
}

model::Result<std::string> jsonMessage(bool protobuf, std::string_view data) {
    if (protobuf) return ingest::protobufEnvelopeToJson(data);
    return std::string(data);
}

Hub::Hub(ApiContext& ctx, Auth& cluster_auth) : Hub(ctx, cluster_auth, Options{}) {}

Hub::Hub(ApiContext& ctx, Auth& cluster_auth, Options options)
    : ctx_(ctx), cluster_auth_(cluster_auth), options_(options) {}

Hub::~Hub() {
    stop();
}

void Hub::start() {
    graph::SubscribeOptions options;
    options.queue_capacity = kGraphEventQueue;
    options.on_overflow = [this] {
        spdlog::error("hub fell behind the live graph: dropping every subscriber");
        std::lock_guard lock(mutex_);
        for (auto& s : *subscribers_) s->connection().close();
    };
    subscription_ =
        ctx_.graph->subscribe([this](const model::Change& c) { onChange(c); }, std::move(options));
    // Agents known from a previous run (persisted elements) get a full expiry period to come
    // back, as if they had answered a ping at start-up.
    model::Time now = ctx_.clock->now();
    std::vector<std::string> origins;
    ctx_.graph->snapshot()->forEachNode([&](model::NodeHandle n) {
        if (n.origin().starts_with("agent.")) origins.emplace_back(n.origin());
        return true;
    });
    {
        std::lock_guard lock(mutex_);
        for (auto& o : origins) pongs_.try_emplace(std::move(o), now);
    }
    auto peers = ctx_.config ? ctx_.config->getStringList("analyzers")
                             : model::Result<std::vector<std::string>>(std::vector<std::string>{});
    auto listen = ctx_.config ? ctx_.config->getString("analyzer.listen")
                              : model::Result<std::string>(std::string());
    if (options_.replication && peers.ok() && !peers->empty()) {
        replicator_ = std::make_unique<Replicator>(*this, *peers, listen.ok() ? *listen : "");
        replicator_->start();
    }
    if (options_.rules)
        rules_thread_ = std::thread([this] {
            std::unique_lock lock(expiry_mutex_);
            while (!expiry_stop_) {
                rules_cv_.wait(lock, [this] { return expiry_stop_ || rules_pending_.load(); });
                if (expiry_stop_) break;
                // Debounce: one pass for a burst of changes.
                rules_cv_.wait_for(lock, std::chrono::milliseconds(50),
                                   [this] { return expiry_stop_; });
                rules_pending_.store(false);
                lock.unlock();
                reapplyRules(ctx_);
                lock.lock();
            }
        });
    expiry_thread_ = std::thread([this] {
        std::unique_lock lock(expiry_mutex_);
        while (!expiry_cv_.wait_for(lock, options_.interval, [this] { return expiry_stop_; })) {
            lock.unlock();
            expireAgents();
            lock.lock();
        }
    });
}

void Hub::stop() {
    {
        std::lock_guard lock(expiry_mutex_);
        expiry_stop_ = true;
    }
    expiry_cv_.notify_all();
    rules_cv_.notify_all();
    if (expiry_thread_.joinable()) expiry_thread_.join();
    if (rules_thread_.joinable()) rules_thread_.join();
    if (replicator_) replicator_->stop();
    subscription_.reset();
}

void Hub::recordPong(const std::string& origin) {
    model::Time now = ctx_.clock->now();
    std::lock_guard lock(mutex_);
    pongs_[origin] = now;
}

std::vector<std::string> Hub::expireAgents() {
    model::Time now = ctx_.clock->now();
    std::vector<std::string> expired;
    {
        std::lock_guard lock(mutex_);
        for (auto it = pongs_.begin(); it != pongs_.end();) {
            bool connected = false;
            for (const auto& [endpoint, hosts] : clients_)
                for (const auto& [host, info] : hosts)
                    connected =
                        connected || (endpoint != kSubscriber && info.origin() == it->first);
            if (!connected && now - it->second > options_.max_age.count()) {
                expired.push_back(it->first);
                it = pongs_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& origin : expired) {
        spdlog::info("{} sent no pong for {} ms: deleting its elements", origin,
                     options_.max_age.count());
        deleteOrigin(origin);
    }
    return expired;
}

void Hub::onChange(const model::Change& change) {
    std::shared_ptr<const SubscriberList> list;
    {
        std::lock_guard lock(mutex_);
        list = subscribers_;
    }
    const SubscriberList& subs = *list;
    if (options_.rules && !rules_pending_.exchange(true)) {
        std::lock_guard lock(expiry_mutex_);  // no lost wake-up against the rules thread
        rules_cv_.notify_one();
    }
    bool replicate = replicator_ && !consumeMark(change);
    if (subs.empty() && !replicate) {
        if (metadata_tracked_.load(std::memory_order_acquire)) trackMetadata(change, false);
        return;
    }
    EncodedEvent event;
    std::string json = ingest::encodeGraphMessage(ingest::messageForChange(change));
    bool any_protobuf = false, any_partial = false;
    for (const auto& s : subs) {
        any_protobuf = any_protobuf || s->protobuf();
        any_partial = any_partial || s->info().partial;
    }
    if (any_protobuf) event.protobuf = wireMessage(true, json);
    if (metadata_tracked_.load(std::memory_order_acquire)) {
        if (auto partial = trackMetadata(change, any_partial)) {
            event.partial_json = std::make_shared<const std::string>(std::move(*partial));
            if (any_protobuf) event.partial_protobuf = wireMessage(true, *event.partial_json);
        }
    }
    event.json = std::make_shared<const std::string>(std::move(json));
    if (replicate) replicator_->publish(event.json);
    for (auto& s : subs) s->deliver(change, event);
}

void Hub::startTrackingMetadata() {
    std::lock_guard lock(metadata_mutex_);
    if (metadata_tracked_.load()) return;
    // The first partial subscriber: from now on every node's last metadata is kept (also
    // while no partial subscriber is connected, so that a later one starts from the truth).
    ctx_.graph->snapshot()->forEachNode([this](model::NodeHandle n) {
        node_metadata_.insert_or_assign(std::string(n.id()), n.metadata());
        return true;
    });
    metadata_tracked_.store(true, std::memory_order_release);
}

std::optional<std::string> Hub::trackMetadata(const model::Change& change, bool encode) {
    std::lock_guard lock(metadata_mutex_);
    std::optional<std::string> partial;
    std::string_view id = change.base().id.view();
    const auto* node = std::get_if<model::Node>(&change.element);
    if (encode && (change.kind == model::ChangeKind::NodeUpdated ||
                   change.kind == model::ChangeKind::EdgeUpdated)) {
        model::Value before = model::Value::object();
        if (auto it = node_metadata_.find(id); node && it != node_metadata_.end())
            before = it->second;
        partial = ingest::encodeGraphMessage(ingest::partialMessageForUpdate(change, before));
    }
    if (node) {
        if (change.kind == model::ChangeKind::NodeDeleted) {
            if (auto it = node_metadata_.find(id); it != node_metadata_.end())
                node_metadata_.erase(it);
        } else {
            node_metadata_.insert_or_assign(std::string(id), node->metadata);
        }
    }
    return partial;
}

WsDecision Hub::upgrade(const HttpRequest& req) {
    const std::string& path = req.path;
    if (path != kSubscriber && path != kPublisher && path != kAgent && path != kPubSub &&
        path != kReplication)
        return refuse(404, "404 page not found");
    Auth& auth = path == kAgent || path == kReplication ? cluster_auth_ : *ctx_.auth;
    auto id = auth.authenticate(req);
    if (!id.ok()) return refuse(401, id.error().message);
    if (!Auth::websocketAllowed(id->role, path)) return refuse(403, "");
    ClientInfo info;
    info.endpoint = path;
    info.addr = req.remote_addr;
    info.port = req.remote_port;
    info.host_id = param(req, "x-host-id");
    if (info.host_id.empty())
        info.host_id = req.remote_addr + ":" + std::to_string(req.remote_port);
    info.client_type = param(req, "x-client-type");
    info.connect_time = ctx_.clock->now();
    {
        std::lock_guard lock(mutex_);
        auto& endpoint = clients_[path];
        if (endpoint.count(info.host_id) != 0)
            return refuse(409, "duplicate connection for host " + info.host_id);
    }
    std::string protocol = param(req, "x-client-protocol");
    std::string policy = lower(param(req, "x-update-policy"));
    // Missing client type, an unknown protocol or an unknown update policy: the upgrade
    // succeeds and the connection is closed at once.
    info.protobuf = protocol == "protobuf";
    info.partial = param(req, "x-update-policy") == "partial";
    bool close_now = info.client_type.empty() ||
                     (!protocol.empty() && protocol != "json" && !info.protobuf) ||
                     (!policy.empty() && policy != "full" && policy != "partial");
    std::optional<std::string> filter;
    if (path == kSubscriber || path == kPubSub) {
        std::string f = param(req, "x-gremlin-filter");
        if (!f.empty()) {
            auto g = Subscriber::evaluate(ctx_, f);
            if (!g.ok()) return refuse(400, g.error().message);
            filter = f;
        }
    }
    bool delete_on_disconnect = req.header("x-persistence-policy") == "DeleteOnDisconnect";
    WsDecision d;
    d.accept = true;
    d.response.set("X-Host-ID", ctx_.host_id);
    d.response.set("X-Service-Type", ctx_.service);
    d.binary_frames = info.protobuf;
    d.make_handler = [this, info, filter, close_now, delete_on_disconnect](
                         std::shared_ptr<WsConnection> conn) -> std::shared_ptr<WsHandler> {
        if (close_now) {
            conn->close();
            return nullptr;
        }
        {
            std::lock_guard lock(mutex_);
            clients_[info.endpoint][info.host_id] = info;
        }
        ctx_.metrics.wsConnected(info.endpoint);
        if (info.endpoint == kSubscriber || info.endpoint == kPubSub) {
            bool pubsub = info.endpoint == kPubSub;
            if (info.partial) startTrackingMetadata();
            auto s = std::make_shared<Subscriber>(*this, conn, info, filter, pubsub);
            {
                std::lock_guard lock(mutex_);
                auto next = std::make_shared<SubscriberList>(*subscribers_);
                next->push_back(s);
                subscribers_ = std::move(next);
            }
            if (!pubsub) return s;
            auto p = std::make_shared<Publisher>(*this, std::move(conn), info, true,
                                                 delete_on_disconnect, false);
            return std::make_shared<PubSub>(std::move(p), std::move(s));
        }
        // /ws/publisher overwrites Origin; agents and peers (replication) send it themselves.
        return std::make_shared<Publisher>(*this, std::move(conn), info,
                                           info.endpoint == kPublisher, delete_on_disconnect);
    };
    return d;
}

void Hub::removeClient(const ClientInfo& info) {
    {
        std::lock_guard lock(mutex_);
        auto it = clients_.find(info.endpoint);
        if (it != clients_.end()) it->second.erase(info.host_id);
    }
    ctx_.metrics.wsDisconnected(info.endpoint);
}

void Hub::removeSubscriber(const Subscriber* s) {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<SubscriberList>(*subscribers_);
    std::erase_if(*next, [s](const auto& p) { return p.get() == s; });
    subscribers_ = std::move(next);
}

std::string Hub::statusJson() const {
    model::JsonWriter w;
    auto clients = [&](std::string_view endpoint) {
        w.beginObject();
        if (auto it = clients_.find(std::string(endpoint)); it != clients_.end()) {
            for (const auto& [host, c] : it->second) {
                w.key(host).beginObject();
                w.key("ServiceType").string(c.client_type);
                w.key("ClientProtocol").string(c.protobuf ? "protobuf" : "json");
                w.key("Addr").string(c.addr);
                w.key("Port").integer(c.port);
                w.key("IsConnected").boolean(true);
                w.key("ConnectTime").string(rfc3339Millis(c.connect_time));
                w.key("RemoteHost").string(c.host_id);
                w.key("RemoteServiceType").string(c.client_type);
                w.endObject();
            }
        }
        w.endObject();
    };
    std::lock_guard lock(mutex_);
    w.beginObject();
    w.key("Agents");
    clients(kAgent);
    w.key("Peers").beginObject().key("Incomers");
    clients(kReplication);
    w.key("Outgoers").beginObject();
    if (replicator_) {
        for (const auto& host : replicator_->connectedPeers()) {
            w.key(host).beginObject();
            w.key("ServiceType").string("analyzer");
            w.key("ClientProtocol").string("json");
            w.key("IsConnected").boolean(true);
            w.key("RemoteHost").string(host);
            w.key("RemoteServiceType").string("analyzer");
            w.endObject();
        }
    }
    w.endObject().endObject();
    w.key("Publishers");
    clients(kPublisher);
    w.key("Subscribers");
    clients(kSubscriber);
    w.key("Alerts").raw(R"({"IsMaster":true})");
    w.key("Captures").raw(R"({"IsMaster":true})");
    w.key("Probes").raw("{}");
    w.endObject();
    return std::move(w).str();
}

}  // namespace skydive::server
