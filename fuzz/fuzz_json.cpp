// JSON decoding of untrusted input (agents, REST bodies): parse, decode as node/edge/graph,
// and check that encoding then decoding again gives the same element.
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
    if (!reparsed.ok() || !(*reparsed == *v)) {
        // NaN is the only value that does not survive (written as null); it cannot come from JSON.
        std::abort();
    }
    if (auto n = nodeFromValue(*v, 1); n.ok()) {
        auto back = parseNode(toJson(*n), 1);
        if (!back.ok() || !(*back == *n)) std::abort();
    }
    if (auto e = edgeFromValue(*v, 1); e.ok()) {
        auto back = parseEdge(toJson(*e), 1);
        if (!back.ok() || !(*back == *e)) std::abort();
    }
    (void)graphFromValue(*v, 1);
    (void)indentJson(input);
    return 0;
}
