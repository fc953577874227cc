// Key and value decoders of storage/FORMAT.md on arbitrary bytes (a corrupted or foreign
// database): they must never crash, and every encoding is canonical, so whatever decodes
// re-encodes to the very same bytes. Cases 5 and 6 are the binary `rev` record decoders
// (case 5: node records of both formats, 0x02 and 0x04).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>

using namespace skydive::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the decoder, the rest is its input.
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 7) {
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
    }
    return 0;
}
