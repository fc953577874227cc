#include <skydive/agent/ids.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <random>

namespace skydive::agent {
namespace {

// 6ba7b812-9dad-11d1-80b4-00c04fd430c8 (RFC 4122 appendix C, NameSpace_OID).
constexpr std::array<std::uint8_t, 16> kOidNamespace = {
    0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

std::string format(const std::uint8_t* b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0x0f]);
    }
    return out;
}

}  // namespace

std::string uuid5(std::string_view name) {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
    EVP_DigestUpdate(ctx, kOidNamespace.data(), kOidNamespace.size());
    EVP_DigestUpdate(ctx, name.data(), name.size());
    EVP_DigestFinal_ex(ctx, digest.data(), &len);
    EVP_MD_CTX_free(ctx);
    digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0f) | 0x50);  // version 5
    digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return format(digest.data());
}

std::string genId(std::initializer_list<std::string_view> parts) {
    std::string joined;
    bool first = true;
    for (auto p : parts) {
        if (!first) joined.push_back('/');
        joined.append(p);
        first = false;
    }
    return uuid5(joined);
}

std::string randomId() {
    std::array<std::uint8_t, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        // OpenSSL's generator failing is exceptional; fall back to the OS source.
        std::random_device rd;
        for (auto& x : b) x = static_cast<std::uint8_t>(rd());
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
    return format(b.data());
}

std::string linkId(std::string_view parent, std::string_view child, std::string_view relation) {
    std::string name;
    name.reserve(parent.size() + child.size() + relation.size());
    name.append(parent).append(child).append(relation);
    return uuid5(name);
}

}  // namespace skydive::agent
