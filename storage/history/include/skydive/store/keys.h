#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>

namespace skydive::store {

using model::Time;

/// Byte layouts of every key and value: storage/FORMAT.md (diagrams repeated in keys.cpp).
inline constexpr std::uint8_t kValueFormat = 1;
inline constexpr std::uint32_t kFormatVersion = 2;  // 2: binary `rev` values
inline constexpr std::size_t kMaxKeyString = 0xFFFF;

/// A `rev` key: one revision of one incarnation of an element.
struct RevKey {
    model::ElementKind kind = model::ElementKind::Node;
    std::string id;
    Time created_at = 0;
    std::int64_t revision = 0;
    friend bool operator==(const RevKey&, const RevKey&) = default;
    friend auto operator<=>(const RevKey&, const RevKey&) = default;
};

struct TimelineKey {
    Time time = 0;
    std::uint64_t seq = 0;
    friend bool operator==(const TimelineKey&, const TimelineKey&) = default;
    friend auto operator<=>(const TimelineKey&, const TimelineKey&) = default;
};

enum class TimelineOp : std::uint8_t { Put = 1, Delete = 2 };

struct TimelineEntry {
    TimelineOp op = TimelineOp::Put;
    RevKey ref;
    friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

/// Appends big-endian integers; `i64f` flips the sign bit so byte order = numeric order.
void putU16(std::string& out, std::uint16_t v);
void putU32(std::string& out, std::uint32_t v);
void putU64(std::string& out, std::uint64_t v);
void putI64f(std::string& out, std::int64_t v);

/// REQUIRES: id.size() <= kMaxKeyString (checked by the store before encoding).
std::string encodeRevKey(const RevKey& k);
/// The same into `out` (cleared first), reusing its buffer.
void encodeRevKeyTo(std::string& out, const RevKey& k);
std::optional<RevKey> decodeRevKey(std::string_view bytes);
/// The common prefix of every revision of one element.
std::string revPrefix(model::ElementKind kind, std::string_view id);

std::string encodeTimelineKey(const TimelineKey& k);
void encodeTimelineKeyTo(std::string& out, const TimelineKey& k);
std::optional<TimelineKey> decodeTimelineKey(std::string_view bytes);
std::string encodeTimelineValue(const TimelineEntry& e);
void encodeTimelineValueTo(std::string& out, const TimelineEntry& e);
std::optional<TimelineEntry> decodeTimelineValue(std::string_view bytes);

std::string encodeCheckpointValue(const std::vector<RevKey>& refs);
std::optional<std::vector<RevKey>> decodeCheckpointValue(std::string_view bytes);

/// A link key (`rev` CF, kind byte `L`): edge `edge_id` got endpoint `node_id` at `time`.
struct LinkKey {
    std::string node_id;
    Time time = 0;
    std::string edge_id;
    friend bool operator==(const LinkKey&, const LinkKey&) = default;
};
std::string encodeLinkKey(const LinkKey& k);
std::optional<LinkKey> decodeLinkKey(std::string_view bytes);
/// The common prefix of every link key of one node.
std::string linkPrefix(std::string_view node_id);

std::string encodeApiKey(std::string_view kind, std::string_view id);
std::optional<std::pair<std::string, std::string>> decodeApiKey(std::string_view bytes);
std::string apiPrefix(std::string_view kind);

std::string encodeFlowTimeKey(Time last, std::string_view uuid);
std::string encodeMetricKey(std::string_view node_id, Time start, Time last);

}  // namespace skydive::store
