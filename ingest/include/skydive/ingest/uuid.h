#pragma once

#include <string>
#include <string_view>

namespace skydive::ingest {

/// A random RFC 4122 version-4 UUID, lowercase 8-4-4-4-12 (message UUIDs, resource IDs).
std::string newUuid4();

/// True when `s` has the 8-4-4-4-12 lowercase or uppercase hex layout.
bool looksLikeUuid(std::string_view s);

}  // namespace skydive::ingest
