#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/gremlin/ast.h>
#include <skydive/model/result.h>

#include "plan/filter.h"

namespace skydive::gremlin {

/// "<Step>: argument <n>: <what>" at the argument's column.
model::Error argError(const Step& step, std::size_t index, std::string_view what);
model::Error stepError(const Step& step, std::string message);

/// Builds the filter of `key, value, ...` parameters (Has, HasEither, neighbour filters,
/// SubGraph, Metadata). A lone key means "exists" when `lone_key_exists`.
model::Result<Filter> kvFilter(const Step& step, const std::vector<Param>& params, bool any,
                               bool lone_key_exists);

model::Result<std::string> stringArg(const Step& step, std::size_t index);
model::Result<std::int64_t> intArg(const Step& step, std::size_t index);

}  // namespace skydive::gremlin
