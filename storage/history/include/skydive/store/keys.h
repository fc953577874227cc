#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>

namespace skydive::store {

using model::Time;

/// Byte layouts of every key and value: storage/FORMAT.md (diagrams repeated in keys.cpp).
inline constexpr std::uint8_t kValueFormat = 1;
/// Timeline and checkpoint values name rev keys with their UpdatedAt since format 3.
inline constexpr std::uint8_t kRefValueFormat = 2;
/// `timeline` values since format 4: a list of the changes of one commit at one time.
inline constexpr std::uint8_t kTimelineValueFormat = 3;
/// 2: binary `rev` values; 3: time-ordered `rev` keys (kind | id | CreatedAt | UpdatedAt | Rev);
/// 4: one timeline key per commit and time, listing its changes (ADR 015, eighth round);
/// 5: the `default` index of incarnations with a late marker (ADR 021; format 4 is upgraded);
/// 6: node records 0x04, the flat record's packed values copied (ADR 015, 24th round; format 5
/// is upgraded by writing the version: its 0x02 records are still read);
/// 7: node records 0x05, naming a shape (Host, Origin, key list) of the `default` shape table
/// and taking ID, times and revision from their key (ADR 015, 28th round; formats 5 and 6 are
/// upgraded by writing the version).
inline constexpr std::uint32_t kFormatVersion = 7;
inline constexpr std::size_t kMaxKeyString = 0xFFFF;

/// A `rev` key: one revision of one incarnation of an element, ordered by time (UpdatedAt)
/// then revision inside the incarnation, so the revision visible at t is one seek (FORMAT.md).
struct RevKey {
    model::ElementKind kind = model::ElementKind::Node;
    std::string id;
    Time created_at = 0;
    Time updated_at = 0;
    std::int64_t revision = 0;
    friend bool operator==(const RevKey&, const RevKey&) = default;
    /// Revision order (kind, ID, CreatedAt, Revision), not key order: a revision dated before
    /// an earlier one still sorts after it.
    friend auto operator<=>(const RevKey& a, const RevKey& b) {
        return std::tie(a.kind, a.id, a.created_at, a.revision, a.updated_at) <=>
               std::tie(b.kind, b.id, b.created_at, b.revision, b.updated_at);
    }
};

/// A RevKey's fields with the ID borrowed, for the encoders: what the commit path builds for
/// each revision it writes without copying the ID into a string of its own.
struct RevKeyView {
    model::ElementKind kind = model::ElementKind::Node;
    std::string_view id;
    Time created_at = 0;
    Time updated_at = 0;
    std::int64_t revision = 0;
    RevKeyView() = default;
    RevKeyView(model::ElementKind k, std::string_view i, Time c, Time u, std::int64_t r)
        : kind(k), id(i), created_at(c), updated_at(u), revision(r) {}
    RevKeyView(const RevKey& k)  // NOLINT: implicit, every RevKey is one
        : RevKeyView(k.kind, k.id, k.created_at, k.updated_at, k.revision) {}
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
void encodeRevKeyTo(std::string& out, RevKeyView k);
std::optional<RevKey> decodeRevKey(std::string_view bytes);
/// The common prefix of every revision of one element.
std::string revPrefix(model::ElementKind kind, std::string_view id);
/// UpdatedAt of a late marker: the key `kind|id|CreatedAt|kLateMarkerTime|Revision` says that
/// revision `Revision` is dated before the previous revision of its incarnation, so the
/// newest-in-time revision up to t is not always the visible one (FORMAT.md). Value empty.
inline constexpr Time kLateMarkerTime = INT64_MAX;
inline bool isLateMarker(const RevKey& k) {
    return k.updated_at == kLateMarkerTime;
}

std::string encodeTimelineKey(const TimelineKey& k);
void encodeTimelineKeyTo(std::string& out, const TimelineKey& k);
std::optional<TimelineKey> decodeTimelineKey(std::string_view bytes);
/// A timeline value lists the changes of one commit dated at its key's time, in seq order: the
/// first has the key's seq, the next ones the following seqs (FORMAT.md, format 4).
std::string encodeTimelineValue(const std::vector<TimelineEntry>& entries);
/// A value of one entry into `out` (cleared first).
void encodeTimelineValueTo(std::string& out, const TimelineEntry& e);
/// Builds a value in place: start (clears `out`), then one append per change.
void startTimelineValue(std::string& out);
void appendTimelineEntry(std::string& out, TimelineOp op, RevKeyView ref);
std::optional<std::vector<TimelineEntry>> decodeTimelineValue(std::string_view bytes);
/// The number of entries of a value (0 when it is not one), without decoding them.
std::size_t timelineValueCount(std::string_view bytes);

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
