#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <skydive/model/result.h>

namespace skydive::ingest {

/// How `Obj` of a protobuf envelope is encoded (spec §5.1 `Format`).
enum class ObjFormat : std::uint8_t { Json = 0, Protobuf = 1 };

/// The protobuf WebSocket envelope of spec §5.1 (`X-Client-Protocol: protobuf`, binary frames):
/// `StructMessage{Namespace=1 string, Type=2 string, UUID=3 string, Status=4 int64,
/// Format=5 enum, Obj=6 bytes}`. Graph payloads always travel as JSON (Format 0).
struct StructMessage {
    std::string ns;
    std::string type;
    std::string uuid;
    std::int64_t status = 0;
    ObjFormat format = ObjFormat::Json;
    std::string obj;  ///< the payload bytes (JSON text when format is Json)
    friend bool operator==(const StructMessage&, const StructMessage&) = default;
};

/// proto3 wire encoding: fields in number order, default values (empty, 0) omitted.
std::string encodeStructMessage(const StructMessage& msg);
/// Decodes the wire bytes; unknown fields are skipped as protobuf requires. InvalidArgument on
/// truncated input, a bad varint, a wrong wire type for a known field or an unknown Format.
model::Result<StructMessage> decodeStructMessage(std::string_view bytes);

/// A JSON envelope (spec §5.1) re-encoded as protobuf with a JSON Obj, and back.
model::Result<std::string> jsonEnvelopeToProtobuf(std::string_view json);
/// InvalidArgument for a protobuf Obj (Format 1): no Graph message uses it.
model::Result<std::string> protobufEnvelopeToJson(std::string_view bytes);

}  // namespace skydive::ingest
