#pragma once

#include <cstdint>
#include <string_view>

#include <skydive/gremlin/ast.h>
#include <skydive/model/clock.h>
#include <skydive/model/result.h>

namespace skydive::gremlin {

/// A time argument of Context/At (spec §2.8), resolved against the clock at execution.
struct TimeArg {
    enum class Kind : std::uint8_t { Absolute, Relative, Now, Forever };
    Kind kind = Kind::Now;
    std::int64_t ms = 0;  ///< Absolute: epoch ms; Relative: signed offset / duration in ms
};

/// The moment argument: seconds (≤ 2^31-1) or ms, RFC1123, Go duration relative to now, NOW.
model::Result<TimeArg> timeFromParam(const Param& p);
/// The period argument: seconds, Go duration, FOREVER.
model::Result<TimeArg> durationFromParam(const Param& p);
/// Parses a Go duration ("-1h5m", "1.5s", "300ms"); nullopt when invalid.
std::optional<std::int64_t> parseGoDurationMs(std::string_view s);
/// Parses `Mon, 02 Jan 2006 15:04:05 MST` (zone abbreviations read as UTC offset 0, as Go does
/// for zones it does not know); nullopt when invalid.
std::optional<std::int64_t> parseRfc1123Ms(std::string_view s);

}  // namespace skydive::gremlin
