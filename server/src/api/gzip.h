#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace skydive::server {

/// gzip (RFC 1952) of `data` at the default level; nullopt if zlib fails.
std::optional<std::string> gzipCompress(std::string_view data);
/// Inflates a gzip stream, refusing output larger than `max_bytes`.
std::optional<std::string> gzipDecompress(std::string_view data, std::size_t max_bytes);
/// True when an Accept-Encoding header value accepts gzip (q > 0).
bool acceptsGzip(std::string_view accept_encoding);

}  // namespace skydive::server
