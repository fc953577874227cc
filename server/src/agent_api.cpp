// The agent's API: the analyzer's router, hub and transport over the agent's read-only graph.
#include "agent_api.h"

#include <spdlog/spdlog.h>

#include <skydive/model/json.h>

#include "api/context.h"
#include "api/error_status.h"
#include "rfc3339.h"
#include "ws/hub.h"

namespace skydive::server {

namespace {

constexpr std::string_view kSubscriberPath = "/ws/subscriber";

model::Status readOnly() {
    return model::makeError(model::ErrorCode::Unsupported,
                            "the agent's graph is written by its probes only");
}

// The agent's LiveGraph seen as a backend: reads and subscriptions, no writes, no API objects
// (the agent has no resource collections).
class AgentGraphBackend final : public GraphBackend {
public:
    explicit AgentGraphBackend(graph::LiveGraph& g) : graph_(g) {}

    model::Status addNode(model::Node) override { return readOnly(); }
    model::Status addEdge(model::Edge) override { return readOnly(); }
    model::Status deleteNode(std::string_view) override { return readOnly(); }
    model::Status deleteEdge(std::string_view) override { return readOnly(); }
    model::Status apply(const model::GraphDelta&) override { return readOnly(); }
    graph::LiveGraph& live() override { return graph_; }
    const graph::GraphSource& source() const override { return graph_; }

    model::Status putApiObject(std::string_view, std::string_view, const model::Value&) override {
        return readOnly();
    }
    model::Result<model::Value> getApiObject(std::string_view, std::string_view) const override {
        return model::makeError(model::ErrorCode::NotFound, "no such object");
    }
    model::Result<std::vector<std::pair<std::string, model::Value>>> listApiObjects(
        std::string_view) const override {
        return std::vector<std::pair<std::string, model::Value>>{};
    }
    model::Status deleteApiObject(std::string_view, std::string_view) override {
        return readOnly();
    }
    model::Status flush() override { return {}; }
    double storeBytes() const override { return 0; }

private:
    graph::LiveGraph& graph_;
};

}  // namespace

struct AgentApi::Impl {
    agent::Agent* agent = nullptr;
    ServerOptions server_options;
    std::unique_ptr<AgentGraphBackend> backend;
    ApiContext ctx;
    std::unique_ptr<Auth> ws_auth;
    std::unique_ptr<Hub> hub;
    std::unique_ptr<HttpServer> server;
    bool stopped = false;

    // Spec §4.1, agent shape: Clients (the subscribers), Analyzers (ConnStatus + IsMaster, the
    // first connected one being the master), TopologyProbes, FlowProbes.
    HttpResponse status() const {
        std::string clients = "{}";
        if (auto hub_status = model::parseJson(hub->statusJson()); hub_status.ok()) {
            if (const auto* s = hub_status->asObject().find("Subscribers"))
                clients = model::toJson(*s);
        }
        model::JsonWriter w;
        w.beginObject();
        w.key("Clients").raw(clients);
        w.key("Analyzers").beginObject();
        bool master_taken = false;
        for (const auto& link : agent->analyzerLinks()) {
            auto hp = splitHostPort(link.address);
            w.key(link.address).beginObject();
            w.key("ServiceType").string("analyzer");
            w.key("ClientProtocol").string("json");
            w.key("Addr").string(hp.ok() ? hp->first : link.address);
            w.key("Port").integer(hp.ok() ? hp->second : 0);
            w.key("IsConnected").boolean(link.connected);
            w.key("ConnectTime")
                .string(link.connect_time > 0 ? rfc3339Millis(link.connect_time) : "");
            w.key("IsMaster").boolean(link.connected && !master_taken);
            master_taken = master_taken || link.connected;
            w.endObject();
        }
        w.endObject();
        w.key("TopologyProbes").beginObject();
        for (const auto& name : agent->runningProbes()) {
            w.key(name).beginObject();
            w.key("Status").string("running");
            w.endObject();
        }
        w.endObject();
        w.key("FlowProbes").beginArray().endArray();
        w.endObject();
        return HttpResponse::json(200, std::move(w).str());
    }

    WsDecision upgrade(const HttpRequest& req) {
        if (req.path != kSubscriberPath) {
            WsDecision d;
            d.response = HttpResponse::text(404, "404 page not found");
            return d;
        }
        return hub->upgrade(req);
    }
};

AgentApi::AgentApi() : impl_(std::make_unique<Impl>()) {}
AgentApi::~AgentApi() {
    stop();
}

model::Result<std::unique_ptr<AgentApi>> AgentApi::create(const Config& config, agent::Agent& agent,
                                                          const model::Clock& clock,
                                                          std::string version) {
    std::unique_ptr<AgentApi> api(new AgentApi());
    auto& impl = *api->impl_;
    impl.agent = &agent;
    auto listen = config.getString("agent.listen");
    if (!listen.ok()) return listen.error();
    if (auto hp = splitHostPort(*listen); !hp.ok()) return hp.error();
    impl.server_options.listen = *listen;
    impl.server_options.threads = 1;
    auto auth = Auth::fromConfig(config, "agent.auth.api.backend", clock);
    if (!auth.ok()) return auth.error();
    auto ws_auth = Auth::fromConfig(config, "agent.auth.api.backend", clock);
    if (!ws_auth.ok()) return ws_auth.error();
    impl.ws_auth = std::move(ws_auth).value();
    impl.backend = std::make_unique<AgentGraphBackend>(agent.liveGraph());
    impl.ctx.config = &config;
    impl.ctx.clock = &clock;
    impl.ctx.host_id = agent.options().host_id;
    impl.ctx.service = "agent";
    impl.ctx.version = std::move(version);
    impl.ctx.auth = std::move(auth).value();
    impl.ctx.backend = impl.backend.get();
    impl.ctx.graph = &agent.liveGraph();
    impl.ctx.source = &agent.liveGraph();
    impl.ctx.engine = std::make_unique<gremlin::Engine>(clock, gremlin::EngineOptions{});
    impl.hub = std::make_unique<Hub>(impl.ctx, *impl.ws_auth);
    registerStatusRoutes(impl.ctx);
    registerGraphRoutes(impl.ctx);
    registerTopologyRoutes(impl.ctx);
    impl.ctx.router.add("GET", "/api/status", {"status", Action::Read, false},
                        [&impl](RequestContext&) { return impl.status(); });
    return api;
}

model::Result<std::uint16_t> AgentApi::start() {
    auto& impl = *impl_;
    Application app;
    app.handle_request = [&impl](const HttpRequest& req) { return handleRequest(impl.ctx, req); };
    app.handle_upgrade = [&impl](const HttpRequest& req) { return impl.upgrade(req); };
    impl.hub->start();
    impl.server = std::make_unique<HttpServer>(impl.server_options, std::move(app));
    auto port = impl.server->start();
    if (!port.ok()) return port.error();
    spdlog::info("agent {} API listening on {} (port {})", impl.ctx.host_id,
                 impl.server_options.listen, *port);
    return port;
}

void AgentApi::stop() {
    auto& impl = *impl_;
    if (impl.stopped) return;
    impl.stopped = true;
    if (impl.server) impl.server->stop();
    if (impl.hub) impl.hub->stop();
    impl.hub.reset();
}

}  // namespace skydive::server
