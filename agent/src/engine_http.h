#pragma once

// Plain HTTP/1.0 to a container engine's API (Docker) over a unix socket or TCP: HTTP/1.0 keeps
// bodies unchunked (the server ends them by closing), so a stream of events is just lines.
#include <chrono>
#include <string>

#include <skydive/model/result.h>

namespace skydive::agent {

/// Where the engine listens: a unix socket path, or a TCP host and port.
struct HttpEndpoint {
    std::string unix_path;  ///< set for unix sockets
    std::string host;       ///< set for TCP
    std::string port;

    std::string describe() const { return unix_path.empty() ? host + ":" + port : unix_path; }
};

struct HttpResponse {
    int status = 0;
    std::string body;
};

/// Parses `unix:///path` (or a bare `/path`) and `tcp://host:port` / `http://host:port` (as
/// DOCKER_HOST writes them; `[v6]:port` too). InvalidArgument otherwise — TLS endpoints
/// (`https://`) are not supported.
model::Result<HttpEndpoint> parseEndpoint(const std::string& url);

/// GET `target`, whole body; Unavailable on connect/IO errors, Timeout past `timeout`.
model::Result<HttpResponse> httpGet(const HttpEndpoint& endpoint, const std::string& target,
                                    std::chrono::milliseconds timeout);

/// GET `target` and leave the body streaming: returns a connected descriptor positioned after
/// the headers, with any body bytes already read in `leftover`. The caller closes it.
model::Result<int> httpStream(const HttpEndpoint& endpoint, const std::string& target,
                              std::string& leftover, std::chrono::milliseconds timeout);

}  // namespace skydive::agent
