#include <skydive/server/http_message.h>

#include <algorithm>
#include <cctype>

namespace skydive::server {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) return std::string_view(value);
    }
    return std::nullopt;
}

std::vector<std::string_view> HttpRequest::headers_named(std::string_view lower_name) const {
    std::vector<std::string_view> out;
    for (const auto& [name, value] : headers) {
        if (name == lower_name) out.emplace_back(value);
    }
    return out;
}

std::optional<std::string_view> HttpRequest::queryParam(std::string_view name) const {
    for (const auto& [k, v] : query) {
        if (k == name) return std::string_view(v);
    }
    return std::nullopt;
}

std::optional<std::string> HttpRequest::cookie(std::string_view name) const {
    for (std::string_view line : headers_named("cookie")) {
        while (!line.empty()) {
            auto semi = line.find(';');
            std::string_view part = trim(line.substr(0, semi));
            line = semi == std::string_view::npos ? std::string_view() : line.substr(semi + 1);
            auto eq = part.find('=');
            if (eq == std::string_view::npos) continue;
            if (trim(part.substr(0, eq)) == name) {
                std::string_view v = trim(part.substr(eq + 1));
                if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
                    v = v.substr(1, v.size() - 2);
                return std::string(v);
            }
        }
    }
    return std::nullopt;
}

HttpResponse& HttpResponse::set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return std::string_view(v);
    }
    return std::nullopt;
}

HttpResponse HttpResponse::json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.set("Content-Type", "application/json; charset=UTF-8");
    return r;
}

HttpResponse HttpResponse::text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.set("Content-Type", "text/plain; charset=utf-8");
    return r;
}

HttpResponse HttpResponse::empty(int status) {
    HttpResponse r;
    r.status = status;
    return r;
}

std::string percentDecode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int hi = hexValue(s[i + 1]);
            int lo = hexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parseQueryString(std::string_view qs) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!qs.empty()) {
        auto amp = qs.find('&');
        std::string_view part = qs.substr(0, amp);
        qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        std::string_view key = part.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
        out.emplace_back(percentDecode(key, true), percentDecode(value, true));
    }
    return out;
}

std::string_view statusReason(int status) {
    switch (status) {
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 426: return "Upgrade Required";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

}  // namespace skydive::server

#include <charconv>

#include <skydive/server/http_server.h>

namespace skydive::server {

model::Result<std::pair<std::string, std::uint16_t>> splitHostPort(std::string_view addr) {
    auto bad = [&] {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "invalid address '" + std::string(addr) + "' (want host:port)");
    };
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) return bad();
    std::string_view host = addr.substr(0, colon);
    std::string_view port = addr.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535)
        return bad();
    return std::pair<std::string, std::uint16_t>(std::string(host),
                                                 static_cast<std::uint16_t>(value));
}

}  // namespace skydive::server
