#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

// Bounds-checked readers for netlink TLVs. Every read goes through these, so a truncated or
// lying length can only make a message "malformed", never read past the datagram.
namespace skydive::agent::wire {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t align4(std::size_t n) {
    return (n + 3u) & ~std::size_t{3};
}
constexpr std::uint16_t kTypeMask = 0x3fff;  // strips NLA_F_NESTED / NLA_F_NET_BYTEORDER

/// Calls fn(type, payload) for each attribute; false when an attribute is truncated.
template <typename Fn>
bool forEachAttr(Bytes buf, Fn&& fn) {
    std::size_t off = 0;
    while (buf.size() - off >= 4) {
        std::uint16_t len = 0;
        std::uint16_t type = 0;
        std::memcpy(&len, buf.data() + off, 2);
        std::memcpy(&type, buf.data() + off + 2, 2);
        if (len < 4 || len > buf.size() - off) return false;
        fn(static_cast<std::uint16_t>(type & kTypeMask), buf.subspan(off + 4, len - 4u));
        off += align4(len);
        if (off >= buf.size()) return true;
    }
    return off == buf.size();
}

template <typename T>
bool read(Bytes b, T& out) {
    if (b.size() < sizeof(T)) return false;
    std::memcpy(&out, b.data(), sizeof(T));
    return true;
}

/// A NUL-terminated (or not) string attribute.
inline std::string str(Bytes b) {
    std::size_t n = 0;
    while (n < b.size() && b[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(b.data()), n);
}

std::string mac(Bytes b);
/// IPv4/IPv6 address bytes to text; "" for other lengths.
std::string ip(Bytes b);

}  // namespace skydive::agent::wire
