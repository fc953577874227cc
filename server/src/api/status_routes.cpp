// GET /api, GET /api/config/{key}, POST /login, GET /metrics (spec §4.1).
#include <skydive/model/json.h>

#include "api/context.h"
#include "api/error_status.h"

namespace skydive::server {

namespace {

std::string formField(std::string_view body, std::string_view name) {
    for (const auto& [k, v] : parseQueryString(body)) {
        if (k == name) return v;
    }
    return {};
}

HttpResponse login(ApiContext& ctx, RequestContext& rc) {
    const HttpRequest& req = rc.request;
    if (req.method != "POST") {
        HttpResponse r = HttpResponse::empty(302);
        r.set("Location", "/");
        return r;
    }
    std::string user = formField(req.body, "username");
    std::string password = formField(req.body, "password");
    if (user.empty()) {
        if (auto q = req.queryParam("username")) user = std::string(*q);
        if (auto q = req.queryParam("password")) password = std::string(*q);
    }
    auto result = ctx.auth->login(user, password);
    if (!result.ok()) return HttpResponse::text(401, result.error().message);
    const auto& [identity, token] = *result;
    model::JsonWriter perms;
    perms.beginArray();
    for (const char* object : {"topology", "status", "capture", "alert", "node", "edge", "noderule",
                               "edgerule", "config"}) {
        for (Action a : {Action::Read, Action::Write}) {
            perms.beginObject();
            perms.key("Object").string(object);
            perms.key("Action").string(a == Action::Read ? "read" : "write");
            perms.key("Allowed").boolean(Auth::allowed(identity.role, object, a));
            perms.endObject();
        }
    }
    perms.endArray();
    model::JsonWriter w;
    w.beginObject();
    w.key("Token").string(token);
    w.key("Permissions").raw(perms.str());
    w.endObject();
    HttpResponse r = HttpResponse::json(200, std::move(w).str());
    if (!token.empty()) r.set("Set-Cookie", "authtoken=" + token + "; Path=/");
    if (auto origin = req.header("origin")) {
        r.set("Access-Control-Allow-Origin", std::string(*origin));
        r.set("Access-Control-Allow-Credentials", "true");
    }
    return r;
}

}  // namespace

void registerStatusRoutes(ApiContext& ctx) {
    ctx.router.add("GET", "/api", {}, [&ctx](RequestContext&) {
        model::JsonWriter w;
        w.beginObject();
        w.key("Host").string(ctx.host_id);
        w.key("Version").string(ctx.version);
        w.key("Service").string(ctx.service);
        w.endObject();
        return HttpResponse::json(200, std::move(w).str());
    });
    ctx.router.add("GET", "/api/config/{key}", {"config", Action::Read, false},
                   [&ctx](RequestContext& rc) {
                       return HttpResponse::json(200, ctx.config->getJson(rc.params[0]));
                   });
    auto loginFn = [&ctx](RequestContext& rc) { return login(ctx, rc); };
    ctx.router.add("POST", "/login", {}, loginFn, false);
    ctx.router.add("GET", "/login", {}, loginFn, false);
    ctx.router.add("GET", "/metrics", {}, [&ctx](RequestContext&) {
        HttpResponse r;
        r.body = ctx.metrics.render();
        r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        return r;
    });
}

}  // namespace skydive::server
