// Ingest: revisions/s through the store (group-committed WriteBatch per delta, WAL on) against
// a raw loop writing the same keys and value bytes, pre-encoded, with WriteBatches of the same
// size into a RocksDB opened with the store's own options: the ceiling. The ratio is the figure
// (issue 3: >= 60% of the raw loop). Input deltas are built before the timed loops
// (ingest_input.h); ingest_phases_bench.cpp splits the store's cost by phase (ADR 015).
// Both sides are timed in wall time: the store does part of its work on helper threads.
#include <benchmark/benchmark.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include "bench_env.h"
#include "ingest_input.h"
#include "record.h"
#include "rocks.h"

namespace {

using namespace skydive;
using bench::kIngestBatch;
using bench::kIngestNodes;
using bench::kIngestRing;
using bench::kIngestT0;

/// How long an ingest benchmark runs: bench::ingestSeconds(), or exactly
/// SKYDIVE_BENCH_INGEST_ITERATIONS iterations when set. A fixed count makes runs comparable by
/// instructions under `valgrind --tool=callgrind` (scripts/ingest-instructions), which this
/// machine's noise does not move (ADR 015, twenty-third round).
void ingestDuration(benchmark::internal::Benchmark* b) {
    if (const char* n = std::getenv("SKYDIVE_BENCH_INGEST_ITERATIONS"))
        b->Iterations(static_cast<benchmark::IterationCount>(std::stoull(n)));
    else
        b->MinTime(bench::ingestSeconds());
}

std::unique_ptr<store::Store> openStore(const bench::BenchDir& dir, model::Clock& clock) {
    store::StoreOptions o;
    o.data_dir = dir.sub("store");
    o.recent_window_bytes = 64u << 20;
    return store::Store::open(o, clock).value();
}

// Every iteration ingests kIngestBatch revisions of existing nodes (8 metadata keys + a
// counter) in one delta: one group-committed WriteBatch, WAL on.
void BM_Ingest_StoreUpdates(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(kIngestT0);
    auto s = openStore(dir, clock);
    if (!s->apply(bench::ingestSeed())) state.SkipWithError("seed failed");
    auto ring = bench::ingestUpdateRing();
    std::size_t next = 0;
    bench::ProcessCpu cpu;
    for (auto _ : state) {
        auto& d = ring[(next / kIngestBatch) % kIngestRing];
        bench::setRevisions(d, next);
        next += kIngestBatch;
        clock.advance(1);
        if (!s->apply(d)) state.SkipWithError("apply failed");
    }
    const auto items = static_cast<std::int64_t>(state.iterations() * kIngestBatch);
    state.counters["cpu_us_per_rev"] = cpu.usPerItem(items);
    state.counters["faults_per_krev"] = cpu.faultsPerKItem(items);
    state.SetItemsProcessed(items);
}
BENCHMARK(BM_Ingest_StoreUpdates)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(ingestDuration);

// What lazy window indexing (ADR 015, eighteenth round) costs the first read of the past after
// an ingest nobody read: it indexes every change the window kept meanwhile, under the store's
// lock. One iteration: a fresh store, kQuietDeltas deltas of kIngestBatch updates (untimed),
// then one node lookup inside the window (timed). Counters: the changes indexed, and the same
// lookup once more (nothing left to index) in microseconds.
void BM_Window_FirstReadAfterQuietIngest(benchmark::State& state) {
    constexpr std::size_t kQuietDeltas = 200;
    std::size_t indexed = 0;
    double second_us = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto dir = std::make_unique<bench::BenchDir>();
        model::ManualClock clock(kIngestT0);
        auto s = openStore(*dir, clock);
        if (!s->apply(bench::ingestSeed())) state.SkipWithError("seed failed");
        auto ring = bench::ingestUpdateRing();
        for (std::size_t k = 0, next = 0; k < kQuietDeltas; ++k, next += kIngestBatch) {
            auto& d = ring[k % kIngestRing];
            bench::setRevisions(d, next);
            clock.advance(1);
            if (!s->apply(d)) state.SkipWithError("apply failed");
        }
        const auto id = bench::interfaceNode(7).id;
        const model::Time t = clock.now() - 50;
        indexed = s->stats().recent_entries;
        state.ResumeTiming();
        auto first = s->nodeAt(id.view(), t);
        state.PauseTiming();
        const auto t0 = std::chrono::steady_clock::now();
        auto second = s->nodeAt(id.view(), t);
        second_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                        .count();
        if (!first || !*first || !second || !*second || **first != **second)
            state.SkipWithError("lookup failed");
        s.reset();
        dir.reset();
        state.ResumeTiming();
    }
    state.counters["changes_indexed"] = static_cast<double>(indexed);
    state.counters["second_read_us"] = second_us;
}
BENCHMARK(BM_Window_FirstReadAfterQuietIngest)->Unit(benchmark::kMillisecond)->Iterations(3);

// Two agents' streams at once (the server applies each connection's deltas on its own
// thread): two threads each applying the updates ring's deltas of half the nodes. While one
// group is written, the other thread stages its delta on the second core (ADR 013's pipeline).
// Items = revisions acknowledged; real time.
void BM_Ingest_StoreUpdates2Writers(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(kIngestT0);
    auto s = openStore(dir, clock);
    if (!s->apply(bench::ingestSeed())) state.SkipWithError("seed failed");
    auto ring = bench::ingestUpdateRing();
    constexpr std::size_t kPerIteration = 20;  // deltas per iteration, 10 per thread
    std::size_t next = 0;
    bench::ProcessCpu cpu;
    for (auto _ : state) {
        std::thread other;
        std::atomic<bool> failed{false};
        auto run = [&](std::size_t parity, std::size_t base) {
            // Ring deltas of one parity update disjoint node ranges from the other's.
            for (std::size_t k = parity; k < kPerIteration; k += 2) {
                auto& d = ring[k % kIngestRing];
                bench::setRevisions(d, base + k * kIngestBatch);
                if (!s->apply(d)) failed = true;
            }
        };
        clock.advance(1);
        other = std::thread(run, 1, next);
        run(0, next);
        other.join();
        next += kPerIteration * kIngestBatch;
        if (failed) state.SkipWithError("apply failed");
    }
    const auto items = static_cast<std::int64_t>(state.iterations() * kPerIteration * kIngestBatch);
    state.counters["cpu_us_per_rev"] = cpu.usPerItem(items);
    state.SetItemsProcessed(items);
    auto st = s->stats();
    state.counters["deltas_per_write"] =
        static_cast<double>(st.mutations_committed) / static_cast<double>(st.commit_groups);
}
BENCHMARK(BM_Ingest_StoreUpdates2Writers)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(ingestDuration);

// New nodes (every revision is a new element). Each delta is built with the timer paused.
void BM_Ingest_StoreAdds(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(kIngestT0);
    auto s = openStore(dir, clock);
    std::size_t next = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto d = bench::ingestAdds(next);
        next += kIngestBatch;
        clock.advance(1);
        state.ResumeTiming();
        if (!s->apply(d)) state.SkipWithError("apply failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_Ingest_StoreAdds)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// The ceiling: the rev records (format 7: shaped node records), rev keys, timeline key and
// `seq` key the store writes for the updates above (format 4: one timeline key per group and time,
// listing the group's revisions), encoded before the loop into kRawRing WriteBatches of
// kIngestBatch revisions, written in turn (WAL on, no sync) to a RocksDB opened by the store's own
// store::Rocks::open (same options and column families).
//
// Each use of a ring batch first restamps its keys in place (the rev keys' UpdatedAt and
// Revision, the timeline key's time and seq: fixed-width fields at the keys' ends) with what
// the store would write for that group, so that the loop writes the store's keys: every key
// new, each element's keys in increasing order. A ring that repeated its keys ran ~8% slower
// (a repeated key sorts before its element's newest one, so RocksDB's memtable insert hint
// misses; ADR 015, eighteenth round): it was not the ceiling it was meant to be. The record
// values keep the bytes they were built with (same sizes; RocksDB does not look inside them).
void BM_Ingest_RawRocksDbBaseline(benchmark::State& state) {
    constexpr std::size_t kRawRing = 100;
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("raw"), 64u << 20).value();
    std::vector<rocksdb::WriteBatch> ring(kRawRing);
    std::string record, key, timeline, seq_bytes(8, '\0');
    std::uint64_t seq = kIngestNodes + 1;
    // The node records as the store writes them: shaped (format 7), the one shape defined in the
    // first batch.
    store::ShapeTable shapes;
    std::vector<std::uint32_t> defined;
    for (std::size_t b = 0, next = 0; b < kRawRing; ++b) {
        store::ShapedEncoder shaped(shapes);
        const auto define = [&](const std::string& k, std::string_view def) {
            ring[b].Put(rocks->cf(store::Cf::Default), store::toSlice(k), store::toSlice(def));
        };
        store::startTimelineValue(timeline);
        const std::uint64_t first_seq = seq;
        model::Time t = kIngestT0 + 1 + static_cast<model::Time>(b);
        for (std::size_t i = 0; i < kIngestBatch; ++i, ++next, ++seq) {
            auto n = bench::interfaceNode(next % kIngestNodes);
            n.metadata.mutableObject().set("Seq", static_cast<std::int64_t>(next));
            n.created_at = kIngestT0;
            n.updated_at = t;
            n.revision = static_cast<std::int64_t>(next / kIngestNodes + 2);
            store::Version v{model::NodeRec::encode(n), nullptr};
            record.clear();
            shaped.encode(record, v.node, v.node.head(), defined, define);
            store::encodeRevKeyTo(key, v.ref());
            ring[b].Put(rocks->cf(store::Cf::Rev), store::toSlice(key), store::toSlice(record));
            store::appendTimelineEntry(timeline, store::TimelineOp::Put, v.ref());
        }
        store::encodeTimelineKeyTo(key, {t, first_seq});
        ring[b].Put(rocks->cf(store::Cf::Timeline), store::toSlice(key), store::toSlice(timeline));
        ring[b].Put(rocks->cf(store::Cf::Default), "seq", store::toSlice(seq_bytes));
    }
    // Where each batch's rev keys and timeline key sit in its bytes (the Slices a batch's
    // iteration hands out point into them).
    struct KeyOffsets : rocksdb::WriteBatch::Handler {
        const char* base = nullptr;
        std::uint32_t rev_cf = 0, timeline_cf = 0;
        std::vector<std::size_t> rev;  // offsets of the rev keys' ends
        std::size_t timeline = 0;      // offset of the timeline key's end
        rocksdb::Status PutCF(std::uint32_t cf, const rocksdb::Slice& k,
                              const rocksdb::Slice&) override {
            const auto end = static_cast<std::size_t>(k.data() + k.size() - base);
            if (cf == rev_cf) rev.push_back(end);
            if (cf == timeline_cf) timeline = end;
            return rocksdb::Status::OK();
        }
    };
    std::vector<KeyOffsets> offsets(kRawRing);
    for (std::size_t b = 0; b < kRawRing; ++b) {
        auto& o = offsets[b];
        o.base = ring[b].Data().data();
        o.rev_cf = rocks->cf(store::Cf::Rev)->GetID();
        o.timeline_cf = rocks->cf(store::Cf::Timeline)->GetID();
        if (!ring[b].Iterate(&o).ok() || o.rev.size() != kIngestBatch || o.timeline == 0)
            state.SkipWithError("ring layout");
    }
    const auto stamp = [&](std::string& rep, std::size_t end, std::int64_t a, std::int64_t b) {
        key.clear();
        store::putI64f(key, a);
        store::putI64f(key, b);
        std::memcpy(rep.data() + end - 16, key.data(), 16);
    };
    std::size_t use = 0;
    bench::ProcessCpu cpu;
    for (auto _ : state) {
        auto& batch = ring[use % kRawRing];
        // The bytes RocksDB will read; restamped in place, sizes unchanged.
        auto& rep = const_cast<std::string&>(batch.Data());
        const auto& o = offsets[use % kRawRing];
        const auto t = kIngestT0 + 1 + static_cast<model::Time>(use);
        const std::size_t first = use * kIngestBatch;
        for (std::size_t i = 0; i < kIngestBatch; ++i)
            stamp(rep, o.rev[i], t, static_cast<std::int64_t>((first + i) / kIngestNodes + 2));
        store::encodeTimelineKeyTo(key, {t, kIngestNodes + 1 + first});
        std::memcpy(rep.data() + o.timeline - key.size(), key.data(), key.size());
        ++use;
        if (!rocks->write(batch, false)) state.SkipWithError("write");
    }
    const auto items = static_cast<std::int64_t>(state.iterations() * kIngestBatch);
    state.counters["cpu_us_per_rev"] = cpu.usPerItem(items);
    state.counters["faults_per_krev"] = cpu.faultsPerKItem(items);
    state.SetItemsProcessed(items);
}
BENCHMARK(BM_Ingest_RawRocksDbBaseline)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Apply(ingestDuration);

// One mutation per call (an agent's single metadata update): a WriteBatch each.
void BM_Ingest_StoreSingleUpdates(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(1600000000000);
    store::StoreOptions o;
    o.data_dir = dir.sub("store");
    auto s = store::Store::open(o, clock).value();
    model::GraphDelta d;
    for (std::size_t i = 0; i < 1000; ++i)
        d.changes.push_back({model::ChangeKind::NodeAdded, bench::interfaceNode(i)});
    if (!s->apply(d)) state.SkipWithError("seed failed");
    std::int64_t v = 0;
    for (auto _ : state) {
        clock.advance(1);
        ++v;
        auto id = bench::interfaceNode(static_cast<std::size_t>(v) % 1000).id;
        auto st = s->setNodeMetadata(id.view(), "Seq", v);
        if (!st) state.SkipWithError("update failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ingest_StoreSingleUpdates)->Unit(benchmark::kMicrosecond)->MinTime(2);

// Group commit (ADR 013): `threads` writers each making single-key updates (an agent's probe
// events), sync policy Periodic (0) or Always (1, an fsync per durable write). With one thread
// every mutation is its own write; with several, the mutations staged during one write share
// the next. Items = mutations acknowledged; real time.
void BM_Ingest_ConcurrentSingleUpdates(benchmark::State& state) {
    const auto threads = static_cast<std::size_t>(state.range(0));
    bench::BenchDir dir;
    model::SystemClock clock;
    store::StoreOptions o;
    o.data_dir = dir.sub("store");
    o.sync = state.range(1) ? store::SyncPolicy::Always : store::SyncPolicy::Periodic;
    auto s = store::Store::open(o, clock).value();
    model::GraphDelta d;
    std::vector<model::Str> ids;
    for (std::size_t i = 0; i < 1000; ++i) {
        d.changes.push_back({model::ChangeKind::NodeAdded, bench::interfaceNode(i)});
        ids.push_back(d.changes.back().base().id);
    }
    if (!s->apply(d)) state.SkipWithError("seed failed");
    const std::size_t per_iteration = state.range(1) ? 200 : 2000;
    std::atomic<std::int64_t> v{0};
    for (auto _ : state) {
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                for (std::size_t i = t; i < per_iteration; i += threads) {
                    if (!s->setNodeMetadata(ids[i % 1000].view(), "Seq", v.fetch_add(1)))
                        state.SkipWithError("update failed");
                }
            });
        for (auto& t : pool) t.join();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_iteration));
    auto st = s->stats();
    state.counters["mutations_per_write"] =
        static_cast<double>(st.mutations_committed) / static_cast<double>(st.commit_groups);
}
BENCHMARK(BM_Ingest_ConcurrentSingleUpdates)
    ->ArgNames({"threads", "sync_always"})
    ->Args({1, 0})
    ->Args({4, 0})
    ->Args({1, 1})
    ->Args({4, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1);

}  // namespace
