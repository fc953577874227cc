#pragma once

#include <skydive/model/clock.h>

#include <string>

namespace skydive::server {

/// `2006-01-02T15:04:05.000Z` in UTC, millisecond precision: the form of `CreateTime` and
/// `ConnectTime` in the API's JSON.
std::string rfc3339Millis(model::Time ms);

}  // namespace skydive::server
