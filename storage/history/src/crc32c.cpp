// CRC-32C for RocksDB, in hardware (ADR 015, tenth round).
//
// Debian's librocksdb is built portable: its CRC-32C, which checksums every WAL record, every
// SST block written by a flush or compaction and every block read back, is a table-driven
// software loop (no crc32 instruction anywhere in the library). It was ~10% of an ingested
// revision's time on the acknowledged path. RocksDB calls it through the exported function
// `rocksdb::crc32c::Extend` (through the PLT, from 37 call sites), so the definition below,
// exported from the executable (storage/history/CMakeLists.txt), is the one the library's
// calls resolve to. It computes the same function: CRC-32C (Castagnoli, reflected polynomial
// 0x82F63B78) of `size` bytes continuing `crc`, with the pre- and post-inversion RocksDB's own
// implementation applies; on a CPU without SSE4.2, a byte-wise table.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <nmmintrin.h>

#include "crc32c.h"

namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // CRC-32C, reflected

constexpr std::array<std::uint32_t, 256> makeTable() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> kTable = makeTable();

std::uint32_t updateBytes(std::uint32_t c, const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c;
}

__attribute__((target("sse4.2"))) std::uint32_t updateSse42(std::uint32_t c, const unsigned char* p,
                                                            std::size_t n) {
    std::uint64_t l = c;
    for (; n >= 8; n -= 8, p += 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        l = _mm_crc32_u64(l, word);
    }
    c = static_cast<std::uint32_t>(l);
    for (; n > 0; --n, ++p) c = _mm_crc32_u8(c, *p);
    return c;
}

// Set before main(); a call from another library's static initialiser that runs earlier sees
// false and takes the table (same result).
const bool kHardware = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
}();

}  // namespace

namespace rocksdb::crc32c {

// The signature of RocksDB's util/crc32c.h (a fact of its ABI: the mangled name must match).
std::uint32_t Extend(std::uint32_t crc, const char* buf, std::size_t size) {
    const auto* p = reinterpret_cast<const unsigned char*>(buf);
    const std::uint32_t c = crc ^ 0xFFFFFFFFu;
    return (kHardware ? updateSse42(c, p, size) : updateBytes(c, p, size)) ^ 0xFFFFFFFFu;
}

}  // namespace rocksdb::crc32c

namespace skydive::store {

bool crc32cInHardware() {
    return kHardware;
}

std::uint32_t crc32c(std::uint32_t crc, const char* data, std::size_t size) {
    return rocksdb::crc32c::Extend(crc, data, size);
}

}  // namespace skydive::store
