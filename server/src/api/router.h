#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/server/http_message.h>

namespace skydive::server {

/// RBAC actions of spec §4.3.
enum class Action : std::uint8_t { Read, Write };

/// What a route needs: the RBAC object and action, and whether a denial carries the
/// `'<user>' has no '<action>' permission on '<object>'` body (spec §4: collection GET-one, POST,
/// DELETE) or an empty one.
struct Permission {
    std::string object;  ///< empty: no RBAC check
    Action action = Action::Read;
    bool deny_with_body = false;
};

/// Per-request data handed to a route handler.
struct RequestContext {
    const HttpRequest& request;
    std::vector<std::string> params;  ///< values of `{...}` segments, in order
    std::string user;
    std::string role;
};

using RouteFn = std::function<HttpResponse(RequestContext&)>;

struct Route {
    std::string method;
    std::vector<std::string> segments;  ///< "{}" matches one segment
    bool authenticated = true;          ///< false: /login
    Permission permission;
    RouteFn fn;
};

/// Method + path pattern routing (`/api/node/{id}`); 404 for an unknown path, 405 when the path
/// exists with another method.
class Router {
public:
    void add(std::string method, std::string_view pattern, Permission permission, RouteFn fn,
             bool authenticated = true);

    struct Match {
        const Route* route = nullptr;
        std::vector<std::string> params;
        int status = 200;  ///< 404 or 405 when route is null
    };
    Match match(std::string_view method, std::string_view path) const;

private:
    std::vector<Route> routes_;
};

}  // namespace skydive::server
