#pragma once

#include <memory>
#include <string>

#include <skydive/graph/live_graph.h>
#include <skydive/gremlin/engine.h>
#include <skydive/model/clock.h>
#include <skydive/server/config.h>

#include "api/auth.h"
#include "api/backend.h"
#include "api/metrics.h"
#include "api/router.h"

namespace skydive::server {

/// Everything the route handlers share; owned by the Analyzer.
struct ApiContext {
    const Config* config = nullptr;
    const model::Clock* clock = nullptr;
    std::string host_id;
    std::string service = "analyzer";
    std::string version;
    bool tls = false;
    std::unique_ptr<Auth> auth;
    GraphBackend* backend = nullptr;             ///< where writes go
    graph::LiveGraph* graph = nullptr;           ///< reads and subscriptions
    const graph::GraphSource* source = nullptr;  ///< what queries read (store when present)
    std::unique_ptr<gremlin::Engine> engine;
    Metrics metrics;
    Router router;
};

/// The pure request entry point: CORS, routing (404/405), authentication (401), RBAC (405),
/// the handler, gzip, HSTS and metrics.
HttpResponse handleRequest(ApiContext& ctx, const HttpRequest& request);

void registerStatusRoutes(ApiContext& ctx);
/// /api/node, /api/edge (spec §4.2) and GET /api/topology.
void registerGraphRoutes(ApiContext& ctx);
/// POST /api/topology (spec §2.9, §2.11).
void registerTopologyRoutes(ApiContext& ctx);
/// capture, alert, noderule, edgerule in the API table (spec §4.2, §6.1).
void registerResourceRoutes(ApiContext& ctx);
/// Re-applies every update node rule and edge rule to the current graph (after graph changes,
/// so that elements added after a rule get its effect, as upstream).
void reapplyRules(ApiContext& ctx);

}  // namespace skydive::server
