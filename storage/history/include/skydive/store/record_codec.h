#pragma once

#include <string>
#include <string_view>

#include <skydive/model/element.h>
#include <skydive/model/node_rec.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::store {

/// Binary encoding of `rev` values (storage/FORMAT.md, value format 0x02): varints, tagged
/// values, length-prefixed strings, decoded straight into model::Value without a JSON parse.
/// Every encoding is canonical (minimal varints, object keys strictly ascending), so whatever
/// decodes re-encodes to the same bytes. Corrupt input gives ErrorCode::Corruption.
/// Edge records are 0x02; node records were 0x02 up to store format 5 (still read).
inline constexpr std::uint8_t kRecordFormat = 2;
/// Node records since store format 6 (FORMAT.md, value format 0x04): the 0x02 head, the key
/// list, then the flat record's packed values (model::NodeRef::packedValues) as they are, so
/// that writing a revision copies its values instead of encoding them a second time.
inline constexpr std::uint8_t kPackedNodeRecordFormat = 4;
/// Nesting limit of decoded values (same as the JSON reader's default).
inline constexpr std::size_t kMaxValueDepth = 64;

/// Appends one tagged value.
void encodeValue(std::string& out, const model::Value& v);
/// Decodes one tagged value from the front of `in` and consumes it.
model::Result<model::Value> decodeValue(std::string_view& in);

/// Appends a whole node record (format byte 0x04 included) to `out`: what the store writes.
void encodeNodeRecord(std::string& out, model::NodeRef n);
/// The same, with `h` = n.head() already walked by the caller.
void encodeNodeRecord(std::string& out, model::NodeRef n, const model::NodeRef::Head& h);
/// A node record as store formats up to 5 wrote it (0x02), which decoders still read: for
/// tests and fuzzing of that reader, the store no longer writes it.
void encodeNodeRecordV2(std::string& out, const model::Node& n);
void encodeEdgeRecord(std::string& out, const model::Edge& e);
/// A node record of either format (0x02 or 0x04).
model::Result<model::Node> decodeNodeRecord(std::string_view bytes);
/// The flat record of what decodeNodeRecord decodes (NodeRec::encode of it), built from the
/// bytes through `b` without a `Node`; the same errors.
model::Result<model::NodeRec> decodeNodeRecordTo(std::string_view bytes, model::NodeRecBuilder& b);
/// The metadata of the last edge decoded with it. An edge whose metadata bytes are the same
/// shares that value (copy-on-write) instead of decoding its own: edges of one kind carry the
/// same few keys, and a run of such edges then allocates their metadata once.
struct EdgeMetadataReuse {
    std::string bytes;
    model::Value value;
};
model::Result<model::Edge> decodeEdgeRecord(std::string_view bytes,
                                            EdgeMetadataReuse* reuse = nullptr);

}  // namespace skydive::store
