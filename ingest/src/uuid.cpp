#include <skydive/ingest/uuid.h>

#include <cstdint>
#include <random>

namespace skydive::ingest {

namespace {

std::uint64_t nextRandom() {
    // One generator per thread, seeded from the OS: message UUIDs only need to be unique.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng();
}

}  // namespace

std::string newUuid4() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint8_t bytes[16];
    std::uint64_t a = nextRandom();
    std::uint64_t b = nextRandom();
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<std::uint8_t>(a >> (i * 8));
        bytes[8 + i] = static_cast<std::uint8_t>(b >> (i * 8));
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0xF]);
    }
    return out;
}

bool looksLikeUuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

}  // namespace skydive::ingest
