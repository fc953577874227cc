// Any bytes into the LLDP parser and, when it accepts them, into the graph mapping.
#include <skydive/agent/lldp.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include <skydive/model/clock.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto n = skydive::agent::parseLldpFrame(std::span<const std::uint8_t>(data, size));
    if (!n.ok()) return 0;
    static skydive::model::ManualClock clock{1};
    skydive::agent::TopologyGraph g("fuzz", clock);
    g.addNode("local", skydive::model::Value::object());
    skydive::agent::applyLldpNeighbor(g, "local", *n);
    return 0;
}
