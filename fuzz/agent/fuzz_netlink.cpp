// Feeds arbitrary datagrams to the netlink parser and applies whatever it accepts to a
// namespace topology: neither may crash, read out of bounds or break the graph's invariants.
#include <skydive/agent/netlink_messages.h>
#include <skydive/agent/netlink_topology.h>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace skydive;
    static model::ManualClock clock(1);
    agent::TopologyGraph graph("fuzz", clock);
    graph.addNode("host", model::Value(model::Object{{"Name", "fuzz"}, {"Type", "host"}}));
    agent::NetlinkTopology topo(graph, "host");
    agent::ParseReport report;
    auto events = agent::parseNetlink(std::span(data, size), &report);
    for (const auto& ev : events) topo.apply(ev);
    // Every edge must join two live nodes.
    for (const auto& e : graph.snapshot().edges) {
        if (!graph.node(e.parent.view()) || !graph.node(e.child.view())) std::abort();
    }
    topo.clear();
    if (graph.nodeCount() != 1) std::abort();
    return 0;
}
