// The analyzer composition: configuration → live graph, auth, routes, transport.
#include <skydive/server/analyzer.h>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <skydive/graph/live_graph.h>
#include <skydive/store/store.h>

#include "api/context.h"
#include "api/error_status.h"
#include "metric_recorder.h"
#include "store_config.h"
#include "ws/hub.h"

namespace skydive::server {

namespace {

std::string defaultHostId() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

bool isLoopback(std::string_view host) {
    return host == "localhost" || host.starts_with("127.") || host == "::1";
}

}  // namespace

struct Analyzer::Impl {
    const Config* config = nullptr;
    const model::Clock* clock = nullptr;
    AnalyzerOptions options;
    ServerOptions server_options;
    std::unique_ptr<GraphBackend> backend;
    std::unique_ptr<MetricRecorder> metric_recorder;  // interface metrics → store (spec §3.6)
    ApiContext ctx;
    std::unique_ptr<Auth> cluster_auth;
    std::unique_ptr<Hub> hub;
    std::unique_ptr<HttpServer> server;
    bool stopped = false;

    HttpResponse status() { return HttpResponse::json(200, hub->statusJson()); }
};

Analyzer::Analyzer() : impl_(std::make_unique<Impl>()) {}
Analyzer::~Analyzer() {
    stop();
}

model::Result<std::unique_ptr<Analyzer>> Analyzer::create(const Config& config,
                                                          AnalyzerOptions options,
                                                          const model::Clock& clock) {
    std::unique_ptr<Analyzer> a(new Analyzer());
    auto& impl = *a->impl_;
    impl.config = &config;
    impl.clock = &clock;
    impl.options = std::move(options);
    auto listen = config.getString("analyzer.listen");
    if (!listen.ok()) return listen.error();
    auto hp = splitHostPort(*listen);
    if (!hp.ok()) return hp.error();
    auto host_id = config.getString("host_id");
    impl.ctx.host_id = host_id.ok() && !host_id->empty() ? *host_id : defaultHostId();
    impl.ctx.config = &config;
    impl.ctx.clock = &clock;
    impl.ctx.version = impl.options.version;
    auto auth = Auth::fromConfig(config, "analyzer.auth.api.backend", clock);
    if (!auth.ok()) return auth.error();
    impl.ctx.auth = std::move(auth).value();
    auto cluster_auth = Auth::fromConfig(config, "analyzer.auth.cluster.backend", clock);
    if (!cluster_auth.ok()) return cluster_auth.error();
    impl.cluster_auth = std::move(cluster_auth).value();
    if (impl.ctx.auth->type() == Auth::Type::NoAuth && !isLoopback(hp->first)) {
        spdlog::warn(
            "listening on {} without authentication: anyone who can reach it has full "
            "access (set analyzer.auth.api.backend)",
            *listen);
    }

    ServerOptions so;
    so.listen = *listen;
    so.threads = impl.options.threads;
    so.limits = impl.options.limits;
    if (auto q = config.getInt("http.ws.queue_size"); q.ok() && *q > 0)
        so.limits.ws_queue_depth = static_cast<std::size_t>(*q);
    auto ping = config.getInt("http.ws.ping_delay");
    auto pong = config.getInt("http.ws.pong_timeout");
    if (ping.ok() && pong.ok() && *ping + *pong > 0)
        so.limits.ws_idle_timeout = std::chrono::seconds(*ping + *pong);
    if (auto cert = config.getString("tls.server_cert"); cert.ok()) so.tls_cert_file = *cert;
    if (auto key = config.getString("tls.server_key"); key.ok()) so.tls_key_file = *key;
    impl.ctx.tls = !so.tls_cert_file.empty() && !so.tls_key_file.empty();
    impl.server_options = so;

    if (impl.options.data_dir.empty()) {
        impl.backend = makeMemoryBackend(clock);
    } else {
        auto so_store = storeOptionsFromConfig(config, impl.options.data_dir);
        if (!so_store.ok()) return so_store.error();
        auto st = store::Store::open(*so_store, clock);
        if (!st.ok()) return st.error();
        store::Store& store = **st;
        impl.backend = makeStoreBackend(std::move(st).value(), impl.options.data_dir);
        impl.metric_recorder = std::make_unique<MetricRecorder>(impl.backend->live(), store);
    }
    impl.ctx.backend = impl.backend.get();
    impl.ctx.graph = &impl.backend->live();
    impl.ctx.source = &impl.backend->source();
    impl.ctx.engine = std::make_unique<gremlin::Engine>(clock, gremlin::EngineOptions{});
    Hub::Options hub_options;
    hub_options.replication = true;
    hub_options.rules = true;
    hub_options.interval = impl.options.agent_expiry_interval;
    hub_options.max_age = 5 * std::chrono::duration_cast<std::chrono::milliseconds>(
                                  so.limits.ws_idle_timeout);  // 5 × (pong_timeout + ping_delay)
    impl.hub = std::make_unique<Hub>(impl.ctx, *impl.cluster_auth, hub_options);
    impl.ctx.metrics.addGauge("skydive_graph_nodes", "Nodes in the live graph.",
                              [g = impl.ctx.graph] { return static_cast<double>(g->nodeCount()); });
    impl.ctx.metrics.addGauge("skydive_graph_edges", "Edges in the live graph.",
                              [g = impl.ctx.graph] { return static_cast<double>(g->edgeCount()); });
    impl.ctx.metrics.addGauge("skydive_store_bytes", "Size of the embedded store on disk.",
                              [b = impl.backend.get()] { return b->storeBytes(); });

    registerStatusRoutes(impl.ctx);
    registerGraphRoutes(impl.ctx);
    registerTopologyRoutes(impl.ctx);
    registerResourceRoutes(impl.ctx);
    impl.ctx.router.add("GET", "/api/status", {"status", Action::Read, false},
                        [&impl](RequestContext&) { return impl.status(); });
    return a;
}

model::Result<std::uint16_t> Analyzer::start() {
    auto& impl = *impl_;
    Application app;
    app.handle_request = [&impl](const HttpRequest& req) { return handleRequest(impl.ctx, req); };
    app.handle_upgrade = [&impl](const HttpRequest& req) { return impl.hub->upgrade(req); };
    impl.hub->start();
    impl.server = std::make_unique<HttpServer>(impl.server_options, std::move(app));
    auto port = impl.server->start();
    if (!port.ok()) return port.error();
    spdlog::info("analyzer {} listening on {} (port {}{})", impl.ctx.host_id,
                 impl.server_options.listen, *port, impl.ctx.tls ? ", TLS" : "");
    return port;
}

void Analyzer::stop() {
    auto& impl = *impl_;
    if (impl.stopped) return;
    impl.stopped = true;
    if (impl.server) impl.server->stop();
    if (impl.hub) impl.hub->stop();
    if (impl.metric_recorder) {
        impl.metric_recorder->drain(std::chrono::seconds(2));
        impl.metric_recorder.reset();
    }
    if (impl.backend) {
        if (auto st = impl.backend->flush(); !st.ok())
            spdlog::error("flushing the store: {}", st.error().message);
        impl.hub.reset();
        impl.backend.reset();  // closes the store
    }
}

std::uint16_t Analyzer::port() const {
    return impl_->server ? impl_->server->port() : 0;
}

}  // namespace skydive::server
