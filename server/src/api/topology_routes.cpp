// POST /api/topology: a Gremlin query on the live graph (or the store), spec §2.9 and §2.11.
#include <skydive/gremlin/query_result.h>
#include <skydive/model/json.h>

#include "api/context.h"
#include "api/error_status.h"

namespace skydive::server {

namespace {

constexpr std::string_view kDotType = "text/vnd.graphviz";

HttpResponse queryTopology(ApiContext& ctx, const HttpRequest& req) {
    std::string query;
    if (!req.body.empty()) {
        auto doc = model::parseJson(req.body);
        if (!doc.ok()) return errorResponse(400, doc.error().message);
        if (!doc->isObject()) return errorResponse(400, "body must be a JSON object");
        if (const auto* q = doc->asObject().find("GremlinQuery"); q != nullptr && !q->isNull()) {
            if (!q->isString()) return errorResponse(400, "GremlinQuery must be a string");
            query = std::string(q->asString());
        }
    }
    if (query.empty()) return HttpResponse::empty(204);
    auto result = ctx.engine->run(query, *ctx.source);
    if (!result.ok()) return errorResponse(400, result.error().message);
    std::string accept(req.header("accept").value_or(""));
    HttpResponse res;
    if (accept.find(kDotType) != std::string::npos) {
        auto dot = gremlin::toDot(*result);
        if (!dot.ok()) {
            return errorResponse(406, "Error while encoding response: " + dot.error().message);
        }
        res.body = std::move(dot).value();
        res.set("Content-Type", std::string(kDotType) + "; charset=UTF-8");
        return res;
    }
    res.body = gremlin::toJson(*result);
    res.set("Content-Type", "application/json; charset=UTF-8");
    return res;
}

}  // namespace

void registerTopologyRoutes(ApiContext& ctx) {
    ctx.router.add("POST", "/api/topology", {"topology", Action::Read, false},
                   [&ctx](RequestContext& rc) { return queryTopology(ctx, rc.request); });
}

}  // namespace skydive::server
