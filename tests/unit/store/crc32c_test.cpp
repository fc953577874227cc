// The CRC-32C that replaces librocksdb's software loop (crc32c.cpp) must compute exactly what
// the library's own implementation computes, and must be the one the library calls.
#include <dlfcn.h>

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../../../storage/history/src/crc32c.h"  // private to the store

namespace rocksdb::crc32c {
std::uint32_t Extend(std::uint32_t crc, const char* buf, std::size_t size);
}

namespace skydive::store {
namespace {

constexpr const char* kSymbol = "_ZN7rocksdb6crc32c6ExtendEjPKcm";
using ExtendFn = std::uint32_t (*)(std::uint32_t, const char*, std::size_t);

TEST(Crc32c, KnownValues) {
    EXPECT_EQ(crc32c(0, "123456789", 9), 0xE3069283u);  // the CRC-32C check value
    EXPECT_EQ(crc32c(0, "", 0), 0u);
    std::string zeros(32, '\0');
    EXPECT_EQ(crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(Crc32c, TheLibraryCallsThisOne) {
    auto* bound = reinterpret_cast<ExtendFn>(dlsym(RTLD_DEFAULT, kSymbol));
    ASSERT_NE(bound, nullptr);
    EXPECT_EQ(bound, &rocksdb::crc32c::Extend);
    EXPECT_TRUE(crc32cInHardware());  // this machine and CI have SSE4.2
}

// librocksdb's own definition (the next one after the executable's) on random inputs: every
// length 0-300 at every alignment 0-7, longer buffers, and chained calls.
TEST(Crc32c, MatchesLibrocksdbOwnImplementation) {
    auto* theirs = reinterpret_cast<ExtendFn>(dlsym(RTLD_NEXT, kSymbol));
    ASSERT_NE(theirs, nullptr) << "librocksdb exports no crc32c::Extend";
    ASSERT_NE(theirs, &rocksdb::crc32c::Extend);
    std::mt19937 rng(3);
    std::string buf(70000, '\0');
    for (char& c : buf) c = static_cast<char>(rng());
    for (std::size_t align = 0; align < 8; ++align)
        for (std::size_t len = 0; len <= 300; ++len) {
            const std::uint32_t seed = rng();
            ASSERT_EQ(crc32c(seed, buf.data() + align, len), theirs(seed, buf.data() + align, len))
                << align << " " << len;
        }
    for (std::size_t len : {4096u, 65536u, 69999u})
        EXPECT_EQ(crc32c(0, buf.data() + 1, len), theirs(0, buf.data() + 1, len));
    const std::uint32_t first = crc32c(0, buf.data(), 1000);
    EXPECT_EQ(crc32c(first, buf.data() + 1000, 3000), crc32c(0, buf.data(), 4000));
}

}  // namespace
}  // namespace skydive::store
