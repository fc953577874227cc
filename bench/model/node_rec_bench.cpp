// The flat node record (ADR 002 eighth round) against today's `Node` on the memory benchmark's
// node (`bench::interfaceNode`: 8 metadata keys), in one run:
// - RecHeapPerNode: heap bytes per element (jemalloc's stats.allocated, size classes included)
//   for 100k `make_shared<const Node>` (what the live graph holds today) and 100k `NodeRec`s;
// - RecVsNode/<op>: time per node of each operation on both forms, measured alternately in
//   the same iteration, and their ratio (`rec_over_node` < 1: the record is cheaper).

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <vector>

#include <skydive/model/json.h>
#include <skydive/model/node_rec.h>

#include "../store/bench_env.h"

namespace {

using namespace skydive;
using model::Node;
using model::NodeRec;
using Clock = std::chrono::steady_clock;

void BM_RecHeapPerNode(benchmark::State& state) {
    constexpr std::size_t kNodes = 100000;
    for (auto _ : state) {
        std::vector<std::shared_ptr<const Node>> nodes;
        nodes.reserve(kNodes);
        std::size_t before = bench::heapInUse();
        for (std::size_t i = 0; i < kNodes; ++i)
            nodes.push_back(std::make_shared<const Node>(bench::interfaceNode(i)));
        double node_bytes = static_cast<double>(bench::heapInUse() - before) / kNodes;
        nodes = {};

        std::vector<NodeRec> recs;
        recs.reserve(kNodes);
        before = bench::heapInUse();
        for (std::size_t i = 0; i < kNodes; ++i)
            recs.push_back(NodeRec::encode(bench::interfaceNode(i)));
        double rec_bytes = static_cast<double>(bench::heapInUse() - before) / kNodes;
        state.counters["node_bytes"] = node_bytes;
        state.counters["rec_bytes"] = rec_bytes;
        state.counters["rec_block_bytes"] = static_cast<double>(recs[kNodes / 2].blockBytes());
        state.counters["rec_over_node"] = rec_bytes / node_bytes;
    }
}
BENCHMARK(BM_RecHeapPerNode)->Iterations(1)->Unit(benchmark::kMillisecond);

struct Sample {
    std::vector<std::shared_ptr<const Node>> nodes;
    std::vector<NodeRec> recs;
    std::vector<Node> copies;  // equal values in distinct blocks (an incoming revision)
    std::vector<NodeRec> rec_copies;
    Sample() {
        for (std::size_t i = 0; i < 1000; ++i) {
            nodes.push_back(std::make_shared<const Node>(bench::interfaceNode(i)));
            recs.push_back(NodeRec::encode(*nodes.back()));
            copies.push_back(bench::interfaceNode(i));
            rec_copies.push_back(NodeRec::encode(copies.back()));
        }
    }
};

const Sample& sample() {
    static const Sample s;
    return s;
}

// Runs `node_op(s, i)` and `rec_op(s, i)` over the 1000 sample nodes alternately; reports ns
// per node of each and their ratio.
template <typename NodeOp, typename RecOp>
void compare(benchmark::State& state, NodeOp node_op, RecOp rec_op) {
    const Sample& s = sample();
    const std::size_t n = s.nodes.size();
    double node_ns = 0, rec_ns = 0;
    for (auto _ : state) {
        auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; ++i) node_op(s, i);
        auto t1 = Clock::now();
        for (std::size_t i = 0; i < n; ++i) rec_op(s, i);
        auto t2 = Clock::now();
        node_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
        rec_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
    }
    double per = static_cast<double>(state.iterations()) * static_cast<double>(n);
    state.counters["node_ns"] = node_ns / per;
    state.counters["rec_ns"] = rec_ns / per;
    state.counters["rec_over_node"] = rec_ns / node_ns;
}

// The stored form of an incoming node: today a shared copy, then an encode.
void BM_RecVsNode_Store(benchmark::State& state) {
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(std::make_shared<const Node>(s.copies[i]));
        },
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(NodeRec::encode(s.copies[i]));
        });
}
BENCHMARK(BM_RecVsNode_Store);

constexpr const char* kKeys[] = {"Name", "Type", "MAC", "MTU", "State", "IfIndex", "Driver", "TID"};

// Reading the 8 metadata values by key (Object::find vs the record's offset table).
void BM_RecVsNode_FieldRead(benchmark::State& state) {
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            const model::Object& md = s.nodes[i]->metadata.asObject();
            for (const char* k : kKeys) benchmark::DoNotOptimize(md.find(k));
        },
        [](const Sample& s, std::size_t i) {
            for (const char* k : kKeys) benchmark::DoNotOptimize(s.recs[i].field(k).data());
        });
}
BENCHMARK(BM_RecVsNode_FieldRead);

// Through fieldOf (what Has/Values do today: an optional<Value> copy) vs a record field view.
void BM_RecVsNode_FieldOf(benchmark::State& state) {
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(model::fieldOf(*s.nodes[i], "TID"));
        },
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(s.recs[i].field("TID").asString().data());
        });
}
BENCHMARK(BM_RecVsNode_FieldOf);

// The header fields and one string a query touches most (ID, Host, Type).
void BM_RecVsNode_IdHostType(benchmark::State& state) {
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            const Node& n = *s.nodes[i];
            benchmark::DoNotOptimize(n.id.view().data());
            benchmark::DoNotOptimize(n.host.view().data());
            benchmark::DoNotOptimize(n.metadata.asObject().find("Type")->asString().data());
        },
        [](const Sample& s, std::size_t i) {
            const NodeRec& r = s.recs[i];
            benchmark::DoNotOptimize(r.id().data());
            benchmark::DoNotOptimize(r.host().data());
            benchmark::DoNotOptimize(r.field("Type").asString().data());
        });
}
BENCHMARK(BM_RecVsNode_IdHostType);

// Materialising today's struct: a Node copy vs toNode().
void BM_RecVsNode_ToNode(benchmark::State& state) {
    compare(
        state, [](const Sample& s, std::size_t i) { benchmark::DoNotOptimize(Node(*s.nodes[i])); },
        [](const Sample& s, std::size_t i) { benchmark::DoNotOptimize(s.recs[i].toNode()); });
}
BENCHMARK(BM_RecVsNode_ToNode);

void BM_RecVsNode_Json(benchmark::State& state) {
    static model::JsonWriter w;
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            w.clear();
            model::writeNode(w, *s.nodes[i]);
            benchmark::DoNotOptimize(w.str().data());
        },
        [](const Sample& s, std::size_t i) {
            w.clear();
            model::writeNode(w, model::NodeRef(s.recs[i]));
            benchmark::DoNotOptimize(w.str().data());
        });
}
BENCHMARK(BM_RecVsNode_Json);

// Equality of equal values in distinct blocks (the "no revision for an equal value" rule).
void BM_RecVsNode_Equal(benchmark::State& state) {
    compare(
        state,
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(*s.nodes[i] == s.copies[i]);
        },
        [](const Sample& s, std::size_t i) {
            benchmark::DoNotOptimize(s.recs[i] == s.rec_copies[i]);
        });
}
BENCHMARK(BM_RecVsNode_Equal);

}  // namespace
