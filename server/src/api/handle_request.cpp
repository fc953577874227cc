// The request pipeline around the route handlers (spec §0, §4, §4.3).
#include <chrono>

#include "api/context.h"
#include "api/error_status.h"
#include "api/gzip.h"

namespace skydive::server {

namespace {

constexpr std::string_view kAllowedHeaders[] = {"x-requested-with", "content-type", "authorization",
                                                "x-auth-token"};
constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
/// Bodies below this size are sent as they are even when the client accepts gzip.
constexpr std::size_t kMinGzipBytes = 256;

std::string lowerTrim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// CORS preflight: any origin, the methods and headers of spec §0.
HttpResponse preflight(const HttpRequest& req) {
    HttpResponse r = HttpResponse::empty(200);
    r.set("Access-Control-Allow-Origin", "*");
    r.set("Access-Control-Allow-Methods", std::string(kAllowedMethods));
    std::string allowed;
    if (auto h = req.header("access-control-request-headers")) {
        std::string_view list = *h;
        while (!list.empty()) {
            auto comma = list.find(',');
            std::string name = lowerTrim(list.substr(0, comma));
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
            for (auto a : kAllowedHeaders) {
                if (name == a) {
                    if (!allowed.empty()) allowed += ", ";
                    allowed += name;
                }
            }
        }
    }
    if (!allowed.empty()) r.set("Access-Control-Allow-Headers", allowed);
    return r;
}

std::string_view actionName(Action a) {
    switch (a) {
        case Action::Read: return "read";
        case Action::Write: return "write";
    }
    return "";
}

HttpResponse dispatch(ApiContext& ctx, const HttpRequest& req) {
    if (req.method == "OPTIONS" && req.header("access-control-request-method"))
        return preflight(req);
    auto match = ctx.router.match(req.method, req.path);
    if (match.route == nullptr) {
        if (match.status == 405) return errorResponse(405, "Method Not Allowed");
        return errorResponse(404, "404 page not found");
    }
    RequestContext rc{req, std::move(match.params), {}, {}};
    if (match.route->authenticated) {
        auto id = ctx.auth->authenticate(req);
        if (!id.ok()) {
            HttpResponse r = HttpResponse::text(401, id.error().message);
            r.set("WWW-Authenticate", "Basic realm=\"Authorization Required\"");
            return r;
        }
        rc.user = id->user;
        rc.role = id->role;
        const Permission& perm = match.route->permission;
        if (!perm.object.empty() && !Auth::allowed(rc.role, perm.object, perm.action)) {
            if (!perm.deny_with_body) return HttpResponse::empty(405);
            return errorResponse(405, "'" + rc.user + "' has no '" +
                                          std::string(actionName(perm.action)) +
                                          "' permission on '" + perm.object + "'");
        }
    }
    return match.route->fn(rc);
}

}  // namespace

HttpResponse handleRequest(ApiContext& ctx, const HttpRequest& req) {
    auto start = std::chrono::steady_clock::now();
    HttpResponse res = dispatch(ctx, req);
    if (req.header("origin") && !res.header("Access-Control-Allow-Origin"))
        res.set("Access-Control-Allow-Origin", "*");
    if (ctx.tls) res.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    if (res.body.size() >= kMinGzipBytes && !res.header("Content-Encoding")) {
        if (auto ae = req.header("accept-encoding"); ae && acceptsGzip(*ae)) {
            if (auto gz = gzipCompress(res.body)) {
                res.body = std::move(*gz);
                res.set("Content-Encoding", "gzip");
                res.set("Vary", "Accept-Encoding");
            }
        }
    }
    ctx.metrics.observeRequest(req.method, res.status, std::chrono::steady_clock::now() - start);
    return res;
}

}  // namespace skydive::server
