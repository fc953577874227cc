// Graph wire messages from agents and publishers are untrusted: decode must never crash, and
// whatever decodes must re-encode to a fixed point: encode(decode(encode(m))) == encode(m).
#include <skydive/ingest/graph_message.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace skydive::ingest;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto msg = decodeGraphMessage(input, 1);
    if (!msg.ok()) return 0;
    std::string once = encodeGraphMessage(*msg);
    auto back = decodeGraphMessage(once, 1);
    if (!back.ok()) std::abort();
    if (encodeGraphMessage(*back) != once) std::abort();
    if (auto* p = std::get_if<PartialUpdate>(&msg->payload)) {
        auto md = skydive::model::Value::object();
        (void)applyPartialOps(md, p->ops);
    }
    return 0;
}
