#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
/// Node records since store format 7 (FORMAT.md, value format 0x05): the deletion time and the
/// packed values only. The ID, CreatedAt, UpdatedAt and Revision are the record's `rev` key;
/// Host, Origin and the key list are a shape of the store's shape table, named by number.
inline constexpr std::uint8_t kShapedNodeRecordFormat = 5;
/// The value of a shape's `default` key (FORMAT.md, format 7).
inline constexpr std::uint8_t kShapeDefinitionFormat = 1;
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
/// Appends a 0x05 node record of shape number `shape` (the shape of `n`'s host, origin and
/// keys): what the store writes for a node revision since format 7.
void encodeShapedNodeRecord(std::string& out, model::NodeRef n, model::Time deleted_at,
                            std::uint32_t shape);

/// What a 0x05 node record takes from its shape: Host, Origin and the metadata key list
/// (strictly ascending).
struct RecordShape {
    std::string_view host, origin;
    std::vector<std::string_view> keys;
};
/// Resolves the shape numbers of 0x05 records (the store's shape table); null when unknown.
class RecordShapes {
public:
    virtual ~RecordShapes() = default;
    virtual const RecordShape* shape(std::uint32_t id) const noexcept = 0;
};
/// A shape's definition: 0x01 | host str | origin str | `packed_keys` (NodeRef::packedKeys).
void encodeShapeDefinition(std::string& out, std::string_view host, std::string_view origin,
                           std::string_view packed_keys);
/// The shape a definition describes, viewing into `bytes`; Corruption when it is not one the
/// encoder writes (keys strictly ascending, no trailing bytes).
model::Result<RecordShape> decodeShapeDefinition(std::string_view bytes);
/// A 0x05 record whose `rev` key holds `id`, the times and the revision, its shape resolved
/// through `shapes`; the checks of decodeNodeRecordTo, and Corruption for an unknown shape.
model::Result<model::NodeRec> decodeShapedNodeRecordTo(
    std::string_view bytes, std::string_view id, model::Time created_at, model::Time updated_at,
    std::int64_t revision, const RecordShapes& shapes, model::NodeRecBuilder& b);

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
