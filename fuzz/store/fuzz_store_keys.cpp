// Key and value decoders of storage/FORMAT.md on arbitrary bytes (a corrupted or foreign
// database): they must never crash, and every encoding is canonical, so whatever decodes
// re-encodes to the very same bytes. Cases 5 to 7 are the binary `rev` record decoders
// (case 5: node records 0x02 and 0x04; case 7: shaped node records 0x05 under a fixed shape
// table), case 8 the shape definitions of store format 7.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>

using namespace skydive::store;

namespace {

// Two shapes, numbered 0 and 1; remembers the number last asked for.
class FixedShapes final : public RecordShapes {
public:
    FixedShapes() {
        shapes_[0] = RecordShape{"h", "o", {"MTU", "Name", "Type"}};
        shapes_[1] = RecordShape{"", "", {}};
    }
    const RecordShape* shape(std::uint32_t id) const noexcept override {
        asked = id;
        return id < 2 ? &shapes_[id] : nullptr;
    }
    mutable std::uint32_t asked = 0;

private:
    RecordShape shapes_[2];
};

void putVarint(std::string& out, std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    out.push_back(static_cast<char>(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the decoder, the rest is its input.
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 9) {
        case 0:
            if (auto k = decodeRevKey(in); k && encodeRevKey(*k) != in) std::abort();
            break;
        case 1:
            if (auto k = decodeTimelineKey(in); k && encodeTimelineKey(*k) != in) std::abort();
            break;
        case 2:
            if (auto v = decodeTimelineValue(in); v && encodeTimelineValue(*v) != in) std::abort();
            break;
        case 3:
            if (auto v = decodeCheckpointValue(in); v && encodeCheckpointValue(*v) != in)
                std::abort();
            break;
        case 4:
            if (auto k = decodeApiKey(in); k && encodeApiKey(k->first, k->second) != in)
                std::abort();
            break;
        case 5:  // both node record formats: 0x02 (store format 5), 0x04
            if (auto n = decodeNodeRecord(in); n.ok()) {
                std::string out;
                if (in[0] == static_cast<char>(kPackedNodeRecordFormat))
                    encodeNodeRecord(out, skydive::model::NodeRec::encode(*n));
                else
                    encodeNodeRecordV2(out, *n);
                if (out != in) std::abort();
            } else if (n.error().code != skydive::model::ErrorCode::Corruption) {
                std::abort();
            }
            break;
        case 6:
            if (auto e = decodeEdgeRecord(in); e.ok()) {
                std::string out;
                encodeEdgeRecord(out, *e);
                if (out != in) std::abort();
            } else if (e.error().code != skydive::model::ErrorCode::Corruption) {
                std::abort();
            }
            break;
        case 7: {
            static const FixedShapes shapes;
            static skydive::model::NodeRecBuilder builder;
            if (auto n = decodeShapedNodeRecordTo(in, "n", 1, 2, 3, shapes, builder); n.ok()) {
                std::string out;
                encodeShapedNodeRecord(out, *n, n->deletedAt(), shapes.asked);
                if (out != in || n->id() != "n" || n->revision() != 3) std::abort();
            } else if (n.error().code != skydive::model::ErrorCode::Corruption) {
                std::abort();
            }
            break;
        }
        case 8:
            if (auto shape = decodeShapeDefinition(in); shape.ok()) {
                std::string keys, out;
                putVarint(keys, shape->keys.size());
                for (std::string_view k : shape->keys) {
                    putVarint(keys, k.size());
                    keys.append(k);
                }
                encodeShapeDefinition(out, shape->host, shape->origin, keys);
                if (out != in) std::abort();
            } else if (shape.error().code != skydive::model::ErrorCode::Corruption) {
                std::abort();
            }
            break;
    }
    return 0;
}
