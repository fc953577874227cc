#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::ingest {

using model::Time;

/// The WebSocket envelope of spec §5.1: `{"Namespace","Type","UUID","Status","Obj"}` in that
/// order; Namespace/Type/UUID omitted when empty, Status omitted when 0, Obj always written
/// (`null` when absent). `Format` is never written and ignored on decode.
struct Envelope {
    std::string ns;
    std::string type;
    std::string uuid;
    std::int64_t status = 0;
    model::Value obj;  ///< decoded payload (Null when absent)
};

/// Writes an envelope whose Obj is already serialized JSON (`obj_json` empty → `null`).
std::string encodeEnvelope(std::string_view ns, std::string_view type, std::string_view uuid,
                           std::int64_t status, std::string_view obj_json);
std::string encodeEnvelope(const Envelope& env);
/// Parses any envelope; fails on invalid JSON, a non-object document or mistyped fields.
model::Result<Envelope> decodeEnvelope(std::string_view json);

/// The namespace of graph messages.
inline constexpr std::string_view kGraphNamespace = "Graph";

/// The message types of the Graph namespace (spec §5.3).
enum class GraphMessageType : std::uint8_t {
    SyncRequest,
    SyncReply,
    Sync,
    NodeAdded,
    NodeUpdated,
    NodeDeleted,
    EdgeAdded,
    EdgeUpdated,
    EdgeDeleted,
    NodePartiallyUpdated,
    EdgePartiallyUpdated,
};

std::string_view graphMessageTypeName(GraphMessageType type);
std::optional<GraphMessageType> graphMessageTypeFromName(std::string_view name);

/// `SyncRequest` payload: `{"Time": ms, "GremlinFilter": string|null}`; Time 0 = none.
struct SyncRequest {
    Time time = 0;
    std::optional<std::string> gremlin_filter;  ///< nullopt = null/absent, "" = reset
    friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

/// One operation of a partial update: 1 = set (with Value), 2 = delete (no Value).
enum class PartialOpType : std::uint8_t { Set = 1, Delete = 2 };

struct PartialOp {
    PartialOpType type = PartialOpType::Set;
    std::string key;  ///< dotted metadata key
    model::Value value;
    friend bool operator==(const PartialOp&, const PartialOp&) = default;
};

/// `NodePartiallyUpdated` / `EdgePartiallyUpdated` payload. `ops_null` writes `"Ops":null`
/// (upstream subscribers always get that for edges, spec §5.3).
struct PartialUpdate {
    std::string id;
    Time updated_at = 0;
    std::int64_t revision = 0;
    std::vector<PartialOp> ops;
    bool ops_null = false;
    friend bool operator==(const PartialUpdate&, const PartialUpdate&) = default;
};

/// A decoded Graph-namespace message. The payload alternative depends on the type:
/// SyncRequest → SyncRequest; SyncReply/Sync → Graph (or, for an error SyncReply, monostate
/// for `null` and std::string for an error text); Node* → Node; Edge* → Edge;
/// *PartiallyUpdated → PartialUpdate.
struct GraphMessage {
    using Payload = std::variant<std::monostate, SyncRequest, model::Graph, model::Node,
                                 model::Edge, PartialUpdate, std::string>;

    GraphMessageType type = GraphMessageType::SyncRequest;
    std::string uuid;
    std::int64_t status = 200;
    Payload payload;
    friend bool operator==(const GraphMessage&, const GraphMessage&) = default;
};

/// Serializes a message in the Graph namespace (element JSON as spec §1.1).
std::string encodeGraphMessage(const GraphMessage& msg);

/// Decodes a Graph-namespace message from its envelope. Errors (InvalidArgument): another
/// namespace, unknown Type, payload of the wrong shape, element without ID, an op Type other
/// than 1 or 2. `now` fills missing CreatedAt/UpdatedAt of elements (spec §1.1).
model::Result<GraphMessage> graphMessageFromEnvelope(const Envelope& env, Time now);
model::Result<GraphMessage> decodeGraphMessage(std::string_view json, Time now);

/// The event message for a graph change (Status 200, fresh UUID).
GraphMessage messageForChange(const model::Change& change);

/// The ops turning metadata `before` into `after`: nested objects are compared key by key
/// (dotted keys), any other differing value is one Set, a vanished key one Delete. Applying
/// them to `before` with applyPartialOps gives `after`.
std::vector<PartialOp> diffMetadata(const model::Value& before, const model::Value& after);

/// The partial form of an update event (spec §5.3 X-Update-Policy: partial): node ops are the
/// metadata difference, edges carry `"Ops":null` as upstream.
GraphMessage partialMessageForUpdate(const model::Change& change, const model::Value& before);

/// Applies the ops of a partial update to a metadata object (set creates intermediate objects).
/// Returns false when a set path crosses a non-object value.
bool applyPartialOps(model::Value& metadata, const std::vector<PartialOp>& ops);

}  // namespace skydive::ingest
