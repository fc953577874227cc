// Handshake rules (spec §5.1), the event fan-out and /api/status of the WebSocket clients.
#include "ws/hub.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include <skydive/model/json.h>

#include "api/error_status.h"
#include "ws/subscriber.h"

namespace skydive::server {

namespace {

constexpr std::string_view kSubscriber = "/ws/subscriber";
constexpr std::string_view kPublisher = "/ws/publisher";
constexpr std::string_view kAgent = "/ws/agent/topology";

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

std::string rfc3339(model::Time ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
    return out;
}

WsDecision refuse(int status, std::string_view message) {
    WsDecision d;
    d.accept = false;
    d.response = message.empty() ? HttpResponse::empty(status) : errorResponse(status, message);
    d.response.close = true;
    return d;
}

}  // namespace

Hub::Hub(ApiContext& ctx, Auth& cluster_auth) : ctx_(ctx), cluster_auth_(cluster_auth) {}

Hub::~Hub() {
    stop();
}

void Hub::start() {
    graph::SubscribeOptions options;
    options.queue_capacity = kGraphEventQueue;
    options.on_overflow = [this] {
        spdlog::error("hub fell behind the live graph: dropping every subscriber");
        std::lock_guard lock(mutex_);
        for (auto& s : subscribers_) s->connection().close();
    };
    subscription_ =
        ctx_.graph->subscribe([this](const model::Change& c) { onChange(c); }, std::move(options));
}

void Hub::stop() {
    subscription_.reset();
}

void Hub::onChange(const model::Change& change) {
    std::vector<std::shared_ptr<Subscriber>> subs;
    {
        std::lock_guard lock(mutex_);
        subs = subscribers_;
    }
    if (subs.empty()) return;
    auto msg = std::make_shared<const std::string>(
        ingest::encodeGraphMessage(ingest::messageForChange(change)));
    for (auto& s : subs) s->deliver(change, msg);
}

WsDecision Hub::upgrade(const HttpRequest& req) {
    const std::string& path = req.path;
    if (path != kSubscriber && path != kPublisher && path != kAgent)
        return refuse(404, "404 page not found");
    Auth& auth = path == kAgent ? cluster_auth_ : *ctx_.auth;
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
    // Missing client type, a protocol other than JSON (protobuf is not spoken here) or an
    // unknown update policy: the upgrade succeeds and the connection is closed at once.
    bool close_now = info.client_type.empty() || (!protocol.empty() && protocol != "json") ||
                     (!policy.empty() && policy != "full" && policy != "partial");
    std::optional<std::string> filter;
    if (path == kSubscriber) {
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
        if (info.endpoint == kSubscriber) {
            auto s = std::make_shared<Subscriber>(*this, std::move(conn), info, filter);
            std::lock_guard lock(mutex_);
            subscribers_.push_back(s);
            return s;
        }
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
    std::erase_if(subscribers_, [s](const auto& p) { return p.get() == s; });
}

std::string Hub::statusJson() const {
    model::JsonWriter w;
    auto clients = [&](std::string_view endpoint) {
        w.beginObject();
        if (auto it = clients_.find(std::string(endpoint)); it != clients_.end()) {
            for (const auto& [host, c] : it->second) {
                w.key(host).beginObject();
                w.key("ServiceType").string(c.client_type);
                w.key("ClientProtocol").string("json");
                w.key("Addr").string(c.addr);
                w.key("Port").integer(c.port);
                w.key("IsConnected").boolean(true);
                w.key("ConnectTime").string(rfc3339(c.connect_time));
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
    w.key("Peers").raw(R"({"Incomers":{},"Outgoers":{}})");
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
