#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/gremlin/ast.h>

namespace skydive::gremlin {

/// A query that starts with `G.At(...)` or `G.Context(...)` whose arguments are plain integer or
/// string literals, split into a plan-cache key (the query with those literals cut out) and the
/// literals as parameters. Two queries with the same key differ only in their time arguments,
/// so one compiled plan serves both once its Context times are rebound: a time slider sends a
/// new `At(t)` per request and should not pay a parse for each.
struct AtTemplate {
    std::string key;
    std::vector<Param> params;  ///< 1 or 2: the moment and the optional period
};

/// nullopt for any other shape (the query then takes the ordinary path). Accepts only what the
/// grammar lexes the same way (STRING, NUMBER of digits only, WS of space, tab and newline).
std::optional<AtTemplate> splitLeadingAt(std::string_view query);

}  // namespace skydive::gremlin
