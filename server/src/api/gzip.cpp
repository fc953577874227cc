#include "api/gzip.h"

#include <zlib.h>

namespace skydive::server {

std::optional<std::string> gzipCompress(std::string_view data) {
    z_stream zs{};
    // windowBits 15 + 16 selects the gzip wrapper.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return std::nullopt;
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return std::nullopt;
    return out;
}

std::optional<std::string> gzipDecompress(std::string_view data, std::size_t max_bytes) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return std::nullopt;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    char chunk[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) break;
        out.append(chunk, sizeof chunk - zs.avail_out);
        if (out.size() > max_bytes) {
            rc = Z_MEM_ERROR;
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) return std::nullopt;
    return out;
}

bool acceptsGzip(std::string_view value) {
    while (!value.empty()) {
        auto comma = value.find(',');
        std::string_view part = value.substr(0, comma);
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        auto semi = part.find(';');
        std::string_view coding = part.substr(0, semi);
        while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
        if (coding != "gzip" && coding != "*") continue;
        if (semi != std::string_view::npos) {
            std::string_view params = part.substr(semi + 1);
            auto q = params.find("q=");
            if (q != std::string_view::npos) {
                std::string_view qv = params.substr(q + 2);
                if (qv.starts_with("0") && qv.find_first_of("123456789") == std::string_view::npos)
                    return false;
            }
        }
        return true;
    }
    return false;
}

}  // namespace skydive::server
