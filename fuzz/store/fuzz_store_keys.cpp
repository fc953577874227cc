// Key and value decoders of storage/FORMAT.md on arbitrary bytes (a corrupted or foreign
// database): they must never crash, and every encoding is canonical, so whatever decodes
// re-encodes to the very same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <skydive/store/keys.h>

using namespace skydive::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the decoder, the rest is its input.
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
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
    }
    return 0;
}
