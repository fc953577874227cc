// JSON codec of graph elements against nlohmann::json (the usual C++ choice) on the same
// documents, in one run: the ratio is the figure, the absolute times depend on the machine.
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <skydive/model/json.h>

namespace {

using namespace skydive::model;

std::string sampleNodes(int count) {
    std::string json = "[";
    for (int i = 0; i < count; ++i) {
        if (i) json += ",";
        json +=
            R"({"ID":"6f1a2b3c-4d5e-4f60-8a9b-)" + std::to_string(100000000000 + i) +
            R"(","Metadata":{"Name":"veth)" + std::to_string(i) +
            R"(","Type":"veth","MAC":"02:42:ac:11:00:02","MTU":1500,"State":"UP","IfIndex":)" +
            std::to_string(i) +
            R"(,"IPV4":["10.0.0.1/24"],"Driver":"veth","LinkFlags":["UP","BROADCAST","MULTICAST"]},)"
            R"("Host":"node1","Origin":"agent.node1","CreatedAt":1600000000000,"UpdatedAt":1600000000000,)"
            R"("DeletedAt":null,"Revision":1})";
    }
    return json + "]";
}

const std::string& doc() {
    static const std::string d = sampleNodes(1000);
    return d;
}

void BM_ParseNodes_Skydive(benchmark::State& state) {
    for (auto _ : state) {
        auto v = parseJson(doc());
        std::vector<Node> nodes;
        nodes.reserve(1000);
        for (const Value& item : v->asList()) nodes.push_back(*nodeFromValue(item, 0));
        benchmark::DoNotOptimize(nodes.data());
    }
    state.SetItemsProcessed(state.iterations() * 1000);
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc().size()));
}
BENCHMARK(BM_ParseNodes_Skydive)->Unit(benchmark::kMicrosecond);

void BM_ParseNodes_NlohmannBaseline(benchmark::State& state) {
    for (auto _ : state) {
        auto j = nlohmann::json::parse(doc());
        benchmark::DoNotOptimize(j.size());
    }
    state.SetItemsProcessed(state.iterations() * 1000);
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc().size()));
}
BENCHMARK(BM_ParseNodes_NlohmannBaseline)->Unit(benchmark::kMicrosecond);

void BM_WriteNodes_Skydive(benchmark::State& state) {
    auto v = parseJson(doc());
    std::vector<Node> nodes;
    for (const Value& item : v->asList()) nodes.push_back(*nodeFromValue(item, 0));
    JsonWriter w;
    for (auto _ : state) {
        w.clear();
        w.beginArray();
        for (const Node& n : nodes) writeNode(w, n);
        w.endArray();
        benchmark::DoNotOptimize(w.str().data());
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_WriteNodes_Skydive)->Unit(benchmark::kMicrosecond);

void BM_WriteNodes_NlohmannBaseline(benchmark::State& state) {
    auto j = nlohmann::json::parse(doc());
    for (auto _ : state) {
        std::string s = j.dump();
        benchmark::DoNotOptimize(s.data());
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_WriteNodes_NlohmannBaseline)->Unit(benchmark::kMicrosecond);

}  // namespace
