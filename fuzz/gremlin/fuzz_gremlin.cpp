// Gremlin front end and engine on untrusted queries: parse → compile → execute on a small live
// graph under tight limits. Invariants: no crash, no sanitizer report, and every query that
// parses prints back to a query that parses to the same AST.
#include <skydive/graph/live_graph.h>
#include <skydive/gremlin/ast.h>
#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/flows.h>
#include <skydive/model/json.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

using namespace skydive;

namespace {

model::Node node(const char* id, model::Object md, model::Time t) {
    model::Node n;
    n.id = id;
    n.metadata = model::Value(std::move(md));
    n.created_at = n.updated_at = t;
    n.revision = 1;
    return n;
}

model::Edge edge(const char* id, const char* parent, const char* child, const char* rel) {
    model::Edge e;
    e.id = id;
    e.parent = parent;
    e.child = child;
    e.metadata = model::Value(model::Object{{"RelationType", rel}, {"Name", id}});
    e.created_at = e.updated_at = 1600000000000;
    e.revision = 1;
    return e;
}

struct World {
    model::ManualClock clock{1600000060000};
    graph::LiveGraph graph{clock};
    std::unique_ptr<gremlin::Engine> engine;
    std::unique_ptr<gremlin::FlowList> flows;

    World() {
        (void)graph.addNode(node("h", {{"Name", "host"}, {"Type", "host"}}, 1600000000000));
        (void)graph.addNode(node("a",
                                 {{"Name", "eth0"},
                                  {"Type", "veth"},
                                  {"MTU", 1500},
                                  {"IPV4", model::List{"10.0.0.1/24"}},
                                  {"TID", "t0"}},
                                 1600000001000));
        (void)graph.addNode(node("b",
                                 {{"Name", "eth1"},
                                  {"Type", "veth"},
                                  {"MTU", "1500"},
                                  {"Flag", true},
                                  {"MAC", "aa"},
                                  {"Map", model::Object{{"k", 1.5}}}},
                                 1600000002000));
        (void)graph.addNode(node(
            "c",
            {{"Name", "br0"},
             {"Type", "bridge"},
             {"LastUpdateMetric", model::Object{{"RxBytes", 100},
                                                {"TxPackets", 3},
                                                {"Start", 1600000000000},
                                                {"Last", 1600000030000}}},
             {"Ovs", model::Object{{"LastUpdateMetric",
                                    model::Object{{"RxBytes", 2.5}, {"Start", 1}, {"Last", 1}}}}}},
            1600000003000));
        (void)graph.addEdge(edge("ha", "h", "a", "ownership"));
        (void)graph.addEdge(edge("hb", "h", "b", "ownership"));
        (void)graph.addEdge(edge("ab", "a", "b", "layer2"));
        (void)graph.addEdge(edge("bc", "b", "c", "layer2"));
        (void)graph.addEdge(edge("ca", "c", "a", "layer2"));
        gremlin::EngineOptions options;
        options.timeout = std::chrono::milliseconds(200);
        options.max_elements = 10000;
        engine = std::make_unique<gremlin::Engine>(clock, options);
        std::vector<model::Value> list;
        for (const char* f :
             {R"({"UUID":"f1","NodeTID":"t0","TrackingID":"k","Start":1,"Last":9,)"
              R"("Link":{"Protocol":"ETHERNET","A":"aa","B":"bb","ID":0},)"
              R"("Metric":{"ABPackets":2,"ABBytes":200,"BAPackets":1,"BABytes":100,)"
              R"("Start":1,"Last":9}})",
              R"({"UUID":"f2","NodeTID":"t1","TrackingID":"k","Start":2,"Last":3,)"
              R"("Network":{"Protocol":"IPV4","A":"10.0.0.1","B":"10.0.0.2","ID":0}})"}) {
            list.push_back(*model::parseJson(f));
        }
        flows = std::make_unique<gremlin::FlowList>(std::move(list));
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    if (size > 4096) return 0;
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    if (auto ast = gremlin::parse(query)) {
        const std::string printed = gremlin::print(*ast);
        auto again = gremlin::parse(printed);
        if (!again || !(*again == *ast)) std::abort();
    }
    auto result = world.engine->run(query, world.graph, world.flows.get());
    if (result) {
        const std::string json = gremlin::toJson(*result);
        if (json.empty()) std::abort();
        (void)gremlin::toDot(*result);
    } else if (result.error().message.empty()) {
        std::abort();
    }
    return 0;
}
