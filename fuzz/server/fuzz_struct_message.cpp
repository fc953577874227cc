// Protobuf envelopes from agents are untrusted: decoding must never crash, whatever decodes
// re-encodes to a fixed point, and the JSON conversion of an accepted envelope decodes again.
#include <skydive/ingest/struct_message.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace skydive::ingest;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto msg = decodeStructMessage(input);
    if (!msg.ok()) return 0;
    std::string once = encodeStructMessage(*msg);
    auto back = decodeStructMessage(once);
    if (!back.ok() || !(*back == *msg)) std::abort();
    if (auto json = protobufEnvelopeToJson(input); json.ok()) {
        auto pb = jsonEnvelopeToProtobuf(*json);
        if (!pb.ok()) std::abort();
    }
    return 0;
}
