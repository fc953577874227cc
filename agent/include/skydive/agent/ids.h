#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace skydive::agent {

/// UUIDv5 (SHA-1) of `name` in the RFC 4122 OID namespace, lowercase 8-4-4-4-12 (spec §1.2).
std::string uuid5(std::string_view name);

/// Upstream `GenID(parts...)`: UUIDv5 over the parts joined with '/'.
std::string genId(std::initializer_list<std::string_view> parts);

/// A random UUIDv4 (IDs of host, netlink and netns nodes).
std::string randomId();

/// ID of an edge made by the topology helpers: UUIDv5(parent + child + relation), no separator.
std::string linkId(std::string_view parent, std::string_view child, std::string_view relation);

}  // namespace skydive::agent
