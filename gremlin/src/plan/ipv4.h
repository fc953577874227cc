#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace skydive::gremlin {

struct Ipv4 {
    std::uint32_t address = 0;
    int prefix = 32;  ///< from a `/len` suffix, 32 without one
};

/// Parses dotted-quad IPv4, with an optional `/len` when `allow_prefix`.
inline std::optional<Ipv4> parseIpv4(std::string_view s, bool allow_prefix) {
    Ipv4 out;
    if (const auto slash = s.find('/'); slash != std::string_view::npos) {
        if (!allow_prefix) return std::nullopt;
        const auto len = s.substr(slash + 1);
        if (len.empty() || len.size() > 2) return std::nullopt;
        int p = 0;
        for (char c : len) {
            if (c < '0' || c > '9') return std::nullopt;
            p = p * 10 + (c - '0');
        }
        if (p > 32) return std::nullopt;
        out.prefix = p;
        s = s.substr(0, slash);
    }
    int octets = 0;
    std::uint32_t cur = 0;
    int digits = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '.') {
            if (digits == 0 || cur > 255) return std::nullopt;
            out.address = (out.address << 8) | cur;
            ++octets;
            cur = 0;
            digits = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 3) return std::nullopt;
        cur = cur * 10 + static_cast<std::uint32_t>(s[i] - '0');
    }
    if (octets != 4) return std::nullopt;
    return out;
}

inline std::uint32_t prefixMask(int prefix) {
    return prefix == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix);
}

}  // namespace skydive::gremlin
