#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skydive::server {

/// A request as the transport hands it to the application: no Beast type crosses this line.
struct HttpRequest {
    std::string method;  ///< upper case: GET, POST...
    std::string target;  ///< raw target, with the query string
    std::string path;    ///< target without the query string, percent-decoded
    std::vector<std::pair<std::string, std::string>> query;    ///< decoded query parameters
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    std::string remote_addr;  ///< peer IP
    std::uint16_t remote_port = 0;
    bool tls = false;

    /// First header with that (lower-case) name.
    std::optional<std::string_view> header(std::string_view lower_name) const;
    /// Every header with that name (Cookie, X-Websocket-Namespace are repeatable).
    std::vector<std::string_view> headers_named(std::string_view lower_name) const;
    std::optional<std::string_view> queryParam(std::string_view name) const;
    /// Value of a cookie from the Cookie headers.
    std::optional<std::string> cookie(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// Set when the connection must be closed after this response.
    bool close = false;

    HttpResponse& set(std::string name, std::string value);
    std::optional<std::string_view> header(std::string_view name) const;  ///< case-insensitive

    static HttpResponse json(int status, std::string body);
    static HttpResponse text(int status, std::string body);
    static HttpResponse empty(int status);
};

/// Splits `a=1&b=%20x` into decoded pairs ('+' is a space).
std::vector<std::pair<std::string, std::string>> parseQueryString(std::string_view qs);
/// Percent-decoding; invalid escapes are kept as they are.
std::string percentDecode(std::string_view s, bool plus_is_space);
/// The reason phrase of a status code ("Not Found").
std::string_view statusReason(int status);

}  // namespace skydive::server
