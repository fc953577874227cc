#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <skydive/model/value.h>

namespace skydive::agent {

/// TID formulas of spec §1.2 (upstream `topology/tid.go`). TIDs are UUIDv5 strings.
std::string hostTid(std::string_view host_name);
std::string netnsTid(std::string_view host_tid, std::string_view path);
std::string ovsTid(std::string_view host_tid, std::string_view row_uuid, std::string_view type);

/// The TID a node gets without looking at its owner (host, netns, ovsbridge/ovsport, fabric);
/// nullopt when its TID depends on its ownership parent or it cannot have one.
std::optional<std::string> ownTid(std::string_view node_id, const model::Value& metadata,
                                  std::string_view host_tid);

/// True for node types whose TID never comes from an ownership parent.
bool tidIsOwn(const model::Value& metadata);

/// TID of a node owned by a parent that has TID `parent_tid`: UUIDv5(parentTID + key + Type)
/// with key = Path for a netns and Name otherwise; nullopt without Type or key.
std::optional<std::string> childTid(std::string_view parent_tid, const model::Value& metadata);

}  // namespace skydive::agent
