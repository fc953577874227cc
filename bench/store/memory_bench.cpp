// Where the bytes of a live node go: heap in use (jemalloc's stats.allocated, or mallinfo2 after
// malloc_trim when built without jemalloc) per node for
// the elements alone (flat records, as the live graph holds them), a LiveGraph without indexes, a
// LiveGraph with the default indexes, and a Store (live graph + recent window), each built from the
// same interface nodes with 8 metadata keys. Differences between the lines are the cost of each
// layer (the Store line also counts the RocksDB memtables holding the records just written, so it
// varies with flushes).

#include <benchmark/benchmark.h>

#include <skydive/graph/live_graph.h>
#include <skydive/store/store.h>

#include "bench_env.h"

namespace {

using namespace skydive;

model::GraphDelta addBatch(std::size_t from, std::size_t to, model::ManualClock& clock) {
    model::GraphDelta d;
    for (std::size_t k = from; k < to; ++k) {
        clock.advance(1);
        d.changes.push_back({model::ChangeKind::NodeAdded, bench::interfaceNode(k)});
    }
    return d;
}

// 0: elements only, 1: LiveGraph without indexes, 2: LiveGraph (default indexes), 3: Store.
void BM_HeapPerLiveNode(benchmark::State& state) {
    const std::size_t n = bench::sizes().rss_nodes;
    const auto layer = state.range(0);
    for (auto _ : state) {
        std::size_t before = bench::heapInUse();
        std::size_t after = 0;
        model::ManualClock clock(1600000000000);
        if (layer == 0) {
            std::vector<model::NodeRec> nodes;  // what the live graph holds (ADR 002)
            nodes.reserve(n);
            for (std::size_t i = 0; i < n; ++i)
                nodes.push_back(model::NodeRec::encode(bench::interfaceNode(i)));
            after = bench::heapInUse();
        } else if (layer <= 2) {
            graph::LiveGraphOptions o;
            if (layer == 1) o.indexed_keys.clear();
            graph::LiveGraph g(clock, o);
            for (std::size_t i = 0; i < n; i += 1000)
                (void)g.apply(addBatch(i, std::min(n, i + 1000), clock));
            after = bench::heapInUse();
        } else {
            bench::BenchDir dir;
            store::StoreOptions o;
            o.data_dir = dir.sub("store");
            auto s = store::Store::open(o, clock).value();
            before = bench::heapInUse();  // RocksDB's own buffers are not per node
            for (std::size_t i = 0; i < n; i += 1000)
                (void)s->apply(addBatch(i, std::min(n, i + 1000), clock));
            after = bench::heapInUse();
        }
        state.counters["bytes_per_node"] = static_cast<double>(after - before) / n;
    }
}
BENCHMARK(BM_HeapPerLiveNode)
    ->ArgName("layer")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
