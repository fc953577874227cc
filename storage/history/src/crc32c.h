#pragma once

#include <cstddef>
#include <cstdint>

namespace skydive::store {

/// Whether the CRC-32C RocksDB uses in this process runs on the CPU's crc32 instruction
/// (crc32c.cpp replaces the library's software loop).
bool crc32cInHardware();
/// CRC-32C of `size` bytes continuing `crc` (0 to start), as RocksDB computes it.
std::uint32_t crc32c(std::uint32_t crc, const char* data, std::size_t size);

}  // namespace skydive::store
