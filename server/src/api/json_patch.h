#pragma once

#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::server {

/// Applies an RFC 6902 JSON Patch (`add`, `replace`, `remove`, `test`) to `doc`. Pointers may
/// only walk objects (list elements are not addressable here). On error `doc` is unchanged.
model::Status applyJsonPatch(model::Value& doc, const model::Value& patch);

}  // namespace skydive::server
