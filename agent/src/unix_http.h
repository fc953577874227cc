#pragma once

// Plain HTTP/1.0 over a unix socket, enough for the Docker Engine API: HTTP/1.0 keeps bodies
// unchunked (the server ends them by closing), so a stream of events is just lines.
#include <chrono>
#include <string>

#include <skydive/model/result.h>

namespace skydive::agent {

struct UnixHttpResponse {
    int status = 0;
    std::string body;
};

/// Extracts the socket path of "unix:///path" (or a bare "/path"); InvalidArgument otherwise.
model::Result<std::string> unixSocketPath(const std::string& url);

/// GET `target`, whole body; Unavailable on connect/IO errors, Timeout past `timeout`.
model::Result<UnixHttpResponse> unixHttpGet(const std::string& socket_path,
                                            const std::string& target,
                                            std::chrono::milliseconds timeout);

/// GET `target` and leave the body streaming: returns a connected descriptor positioned after
/// the headers, with any body bytes already read in `leftover`. The caller closes it.
model::Result<int> unixHttpStream(const std::string& socket_path, const std::string& target,
                                  std::string& leftover, std::chrono::milliseconds timeout);

}  // namespace skydive::agent
