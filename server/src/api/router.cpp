#include "api/router.h"

namespace skydive::server {

namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash);
    }
    return out;
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, Permission permission, RouteFn fn,
                 bool authenticated) {
    Route r;
    r.method = std::move(method);
    for (auto seg : splitPath(pattern)) {
        r.segments.emplace_back(seg.starts_with("{") ? std::string("{}") : std::string(seg));
    }
    r.authenticated = authenticated;
    r.permission = std::move(permission);
    r.fn = std::move(fn);
    routes_.push_back(std::move(r));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    auto parts = splitPath(path);
    Match m;
    m.status = 404;
    for (const Route& r : routes_) {
        if (r.segments.size() != parts.size()) continue;
        std::vector<std::string> params;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            if (r.segments[i] == "{}") {
                params.emplace_back(parts[i]);
            } else {
                ok = r.segments[i] == parts[i];
            }
        }
        if (!ok) continue;
        if (r.method != method && !(method == "HEAD" && r.method == "GET")) {
            m.status = 405;
            continue;
        }
        m.route = &r;
        m.params = std::move(params);
        m.status = 200;
        return m;
    }
    return m;
}

}  // namespace skydive::server
