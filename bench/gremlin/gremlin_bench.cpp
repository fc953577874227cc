// Gremlin engine against hand-written C++ loops over the same GraphView, in one run.
// Graph: N nodes (Type cycling over 10 values, 1 in 10 'veth'), an ownership tree of fan-out 8
// and one layer2 edge per node: about 2N edges. N = 100k by default (a run stays well under
// two minutes); SKYDIVE_BENCH_FULL=1 gives the 1M nodes / 2M edges.
//
// Each engine benchmark also times its hand-written loop and reports the counter
// `speed_vs_loop` = loop time / engine time (1.0 = as fast as the loop; target >= 0.3).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <skydive/graph/live_graph.h>
#include <skydive/gremlin/ast.h>
#include <skydive/gremlin/engine.h>
#include "front/parse_modes.h"

namespace {

using namespace skydive;
using Steady = std::chrono::steady_clock;

constexpr int kFanOut = 8;
const char* const kTypes[] = {"veth",      "device", "bridge", "netns",   "ovsport",
                              "ovsbridge", "host",   "tun",    "macvlan", "vxlan"};

int graphSize() {
    const char* full = std::getenv("SKYDIVE_BENCH_FULL");
    return full != nullptr && std::string(full) == "1" ? 1'000'000 : 100'000;
}

struct World {
    model::ManualClock clock{1600000000000};
    graph::LiveGraph graph{clock};
    int n = graphSize();

    World() {
        for (int i = 0; i < n; ++i) {
            model::Node node;
            node.id = "n" + std::to_string(i);
            node.metadata = model::Value(model::Object{{"Name", "if" + std::to_string(i)},
                                                       {"Type", kTypes[i % 10]},
                                                       {"MTU", 1400 + i % 200}});
            node.created_at = node.updated_at = 1600000000000 + i;
            node.revision = 1;
            (void)graph.addNode(std::move(node));
        }
        auto link = [&](const std::string& id, int parent, int child, const char* rel) {
            model::Edge e;
            e.id = id;
            e.parent = "n" + std::to_string(parent);
            e.child = "n" + std::to_string(child);
            e.metadata = model::Value(model::Object{{"RelationType", rel}});
            e.created_at = e.updated_at = 1600000000000;
            e.revision = 1;
            (void)graph.addEdge(std::move(e));
        };
        for (int i = 1; i < n; ++i)
            link("o" + std::to_string(i), (i - 1) / kFanOut, i, "ownership");
        for (int i = 0; i < n; ++i) {
            link("l" + std::to_string(i), i, static_cast<int>((i * 31LL + 7) % n), "layer2");
        }
    }
};

World& world() {
    static World w;
    return w;
}

// Average wall time of fn over enough runs to last ~0.2 s.
template <typename Fn>
double nsPerCall(Fn&& fn) {
    fn();
    std::size_t runs = 0;
    const auto start = Steady::now();
    auto elapsed = Steady::duration::zero();
    do {
        benchmark::DoNotOptimize(fn());
        ++runs;
        elapsed = Steady::now() - start;
    } while (elapsed < std::chrono::milliseconds(200));
    return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(runs);
}

template <typename Loop>
void runQuery(benchmark::State& state, const char* query, gremlin::OptimizerPasses passes,
              Loop&& loop) {
    auto& w = world();
    gremlin::EngineOptions options;
    options.passes = passes;
    gremlin::Engine engine(w.clock, options);
    auto run = [&] {
        auto r = engine.run(query, w.graph);
        if (!r) state.SkipWithError(r.error().message.c_str());
        return r ? r->nodes.size() + static_cast<std::size_t>(r->value.isInt()) : 0;
    };
    const double loop_ns = nsPerCall(loop);
    const auto start = Steady::now();
    std::int64_t iterations = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(run());
        ++iterations;
    }
    const double engine_ns =
        std::chrono::duration<double, std::nano>(Steady::now() - start).count() /
        static_cast<double>(std::max<std::int64_t>(iterations, 1));
    state.counters["speed_vs_loop"] = loop_ns / engine_ns;
    state.counters["loop_us"] = loop_ns / 1000.0;
}

std::size_t loopHasTypeScan() {
    auto view = world().graph.snapshot();
    std::size_t count = 0;
    view->forEachNode([&](model::NodeHandle n) {
        const model::FieldValue t = n.field("Type");
        count += t.isString() && t.asString() == "veth";
        return true;
    });
    return count;
}

std::size_t loopHasTypeIndex() {
    auto view = world().graph.snapshot();
    std::size_t count = 0;
    view->nodesByValue("Type", model::Value("veth"), [&](model::NodeHandle) {
        ++count;
        return true;
    });
    return count;
}

std::size_t loopOutOut() {
    auto view = world().graph.snapshot();
    std::vector<model::NodeHandle> out;
    std::vector<model::NodeHandle> first;
    view->findNode("n0", [&](model::NodeHandle start) {
        view->outEdges(start.id(), [&](const model::Edge& e) {
            view->findNode(e.child, [&](model::NodeHandle c) {
                first.push_back(c);
                return true;
            });
            return true;
        });
        return false;
    });
    for (const model::NodeHandle n : first) {
        view->outEdges(n.id(), [&](const model::Edge& e) {
            view->findNode(e.child, [&](model::NodeHandle c) {
                out.push_back(c);
                return true;
            });
            return true;
        });
    }
    return out.size();
}

std::size_t loopDescendants3() {
    auto view = world().graph.snapshot();
    std::vector<model::NodeHandle> out;
    std::unordered_set<std::string_view> seen;
    std::deque<std::pair<model::NodeHandle, int>> queue;
    view->findNode("n0", [&](model::NodeHandle n) {
        seen.insert(n.id());
        out.push_back(n);
        queue.emplace_back(n, 0);
        return false;
    });
    while (!queue.empty()) {
        auto [node, depth] = queue.front();
        queue.pop_front();
        if (depth == 3) continue;
        view->outEdges(node.id(), [&](const model::Edge& e) {
            const auto* rel = e.metadata.asObject().find("RelationType");
            if (rel == nullptr || !rel->isString() || rel->asString() != "ownership") return true;
            view->findNode(e.child, [&](model::NodeHandle c) {
                if (seen.insert(c.id()).second) {
                    out.push_back(c);
                    queue.emplace_back(c, depth + 1);
                }
                return false;
            });
            return true;
        });
    }
    return out.size();
}

constexpr const char* kTenSteps =
    "G.V().Has('Type', 'veth').Out().OutE().Has('RelationType', 'layer2').InV()"
    ".Dedup().Has('MTU', GT(1400)).Sort('Name').Limit(10)";

// Issue 4 target: parse + compile of a 10-step query under 20 us, without the plan cache.
// `speed_vs_untuned` = time of the untuned ANTLR path (fresh lexer/parser per call, UTF-32
// input, parse tree, default error strategy) / time of this path, measured in the same run.
void BM_ParseCompile10Steps(benchmark::State& state) {
    model::ManualClock clock(0);
    gremlin::Engine engine(clock, {});
    const double untuned_ns = nsPerCall([] { return gremlin::parseUntuned(kTenSteps).ok(); });
    const auto start = Steady::now();
    std::int64_t iterations = 0;
    for (auto _ : state) {
        auto plan = engine.compileUncached(kTenSteps);
        if (!plan) state.SkipWithError(plan.error().message.c_str());
        benchmark::DoNotOptimize(plan);
        ++iterations;
    }
    const double ns = std::chrono::duration<double, std::nano>(Steady::now() - start).count() /
                      static_cast<double>(std::max<std::int64_t>(iterations, 1));
    state.counters["untuned_parse_us"] = untuned_ns / 1000.0;
    state.counters["speed_vs_untuned_parse"] = untuned_ns / ns;
}
BENCHMARK(BM_ParseCompile10Steps)->Unit(benchmark::kMicrosecond);

// The same query through the engine's plan cache (what a repeated query costs).
void BM_PrepareCached10Steps(benchmark::State& state) {
    model::ManualClock clock(0);
    gremlin::Engine engine(clock, {});
    for (auto _ : state) {
        auto plan = engine.prepare(kTenSteps);
        benchmark::DoNotOptimize(plan);
    }
}
BENCHMARK(BM_PrepareCached10Steps)->Unit(benchmark::kMicrosecond);

void BM_ParseOnly10Steps(benchmark::State& state) {
    for (auto _ : state) {
        auto ast = gremlin::parse(kTenSteps);
        benchmark::DoNotOptimize(ast);
    }
}
BENCHMARK(BM_ParseOnly10Steps)->Unit(benchmark::kMicrosecond);

// Baseline: the untuned ANTLR path (what parse() falls back to for syntax errors).
void BM_ParseUntuned10Steps(benchmark::State& state) {
    for (auto _ : state) {
        auto ast = gremlin::parseUntuned(kTenSteps);
        benchmark::DoNotOptimize(ast);
    }
}
BENCHMARK(BM_ParseUntuned10Steps)->Unit(benchmark::kMicrosecond);

// A query with a syntax error: the fast path fails, the untuned one reports the error.
void BM_ParseSyntaxError10Steps(benchmark::State& state) {
    const std::string bad = std::string(kTenSteps) + ".Out(";
    for (auto _ : state) {
        auto ast = gremlin::parse(bad);
        if (ast) state.SkipWithError("expected a syntax error");
        benchmark::DoNotOptimize(ast);
    }
}
BENCHMARK(BM_ParseSyntaxError10Steps)->Unit(benchmark::kMicrosecond);

void BM_HasTypeCount_IndexPass(benchmark::State& state) {
    runQuery(state, "G.V().Has('Type', 'veth').Count()", {}, loopHasTypeIndex);
}
BENCHMARK(BM_HasTypeCount_IndexPass)->Unit(benchmark::kMillisecond);

void BM_HasTypeCount_NoIndexPass(benchmark::State& state) {
    runQuery(state, "G.V().Has('Type', 'veth').Count()", {false, true, true}, loopHasTypeScan);
}
BENCHMARK(BM_HasTypeCount_NoIndexPass)->Unit(benchmark::kMillisecond);

void BM_OutOut(benchmark::State& state) {
    runQuery(state, "G.V('n0').Out().Out()", {}, loopOutOut);
}
BENCHMARK(BM_OutOut)->Unit(benchmark::kMicrosecond);

void BM_Descendants3Hops(benchmark::State& state) {
    runQuery(state, "G.V('n0').Descendants('RelationType', 'ownership', 3)", {}, loopDescendants3);
}
BENCHMARK(BM_Descendants3Hops)->Unit(benchmark::kMicrosecond);

}  // namespace
