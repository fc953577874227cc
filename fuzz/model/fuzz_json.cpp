// JSON decoding of untrusted input (agents, REST bodies): parse, decode as node/edge/graph,
// and check that encoding is a fixed point: encode(decode(encode(x))) == encode(x). (Value
// equality is too strict: an integral double such as 2.0 is written "2", as Go writes it, and
// decodes back as an int.)
#include <skydive/model/json.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace skydive::model;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto v = parseJson(input, JsonLimits{.max_bytes = 1 << 20, .max_depth = 32});
    if (!v.ok()) return 0;
    std::string again = toJson(*v);
    auto reparsed = parseJson(again);
    if (!reparsed.ok() || toJson(*reparsed) != again) std::abort();
    if (auto n = nodeFromValue(*v, 1); n.ok()) {
        auto back = parseNode(toJson(*n), 1);
        if (!back.ok() || toJson(*back) != toJson(*n)) std::abort();
    }
    if (auto e = edgeFromValue(*v, 1); e.ok()) {
        auto back = parseEdge(toJson(*e), 1);
        if (!back.ok() || toJson(*back) != toJson(*e)) std::abort();
    }
    (void)graphFromValue(*v, 1);
    (void)indentJson(input);
    return 0;
}
