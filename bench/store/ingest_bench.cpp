// Ingest: revisions/s through the store (group-committed WriteBatch per delta, WAL on) against
// a raw RocksDB WriteBatch loop writing the same number of keys and bytes. The ratio is the
// figure (issue 3: >= 60% of the raw loop).
#include <benchmark/benchmark.h>
#include <atomic>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <skydive/model/json.h>
#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>
#include <skydive/store/store.h>

#include "bench_env.h"

namespace {

using namespace skydive;

constexpr std::size_t kBatch = 1000;

constexpr std::size_t kNodes = 10000;

std::unique_ptr<store::Store> openStore(const bench::BenchDir& dir, model::Clock& clock) {
    store::StoreOptions o;
    o.data_dir = dir.sub("store");
    o.recent_window_bytes = 64u << 20;
    return store::Store::open(o, clock).value();
}

// Every iteration ingests kBatch revisions of existing nodes (8 metadata keys + a counter) in
// one delta: one group-committed WriteBatch, WAL on.
void BM_Ingest_StoreUpdates(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(1600000000000);
    auto s = openStore(dir, clock);
    model::GraphDelta seed;
    for (std::size_t i = 0; i < kNodes; ++i)
        seed.changes.push_back({model::ChangeKind::NodeAdded, bench::interfaceNode(i)});
    if (!s->apply(seed)) state.SkipWithError("seed failed");
    std::size_t next = 0;
    for (auto _ : state) {
        model::GraphDelta d;
        d.changes.reserve(kBatch);
        for (std::size_t i = 0; i < kBatch; ++i, ++next) {
            clock.advance(1);
            auto n = bench::interfaceNode(next % kNodes);
            n.revision = static_cast<std::int64_t>(next / kNodes + 2);
            n.metadata.mutableObject().set("Seq", static_cast<std::int64_t>(next));
            d.changes.push_back({model::ChangeKind::NodeUpdated, std::move(n)});
        }
        if (!s->apply(d)) state.SkipWithError("apply failed");
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_Ingest_StoreUpdates)->Unit(benchmark::kMillisecond)->MinTime(3);

// New nodes (every revision also creates index entries).
void BM_Ingest_StoreAdds(benchmark::State& state) {
    bench::BenchDir dir;
    model::ManualClock clock(1600000000000);
    auto s = openStore(dir, clock);
    std::size_t next = 0;
    for (auto _ : state) {
        model::GraphDelta d;
        d.changes.reserve(kBatch);
        for (std::size_t i = 0; i < kBatch; ++i, ++next) {
            clock.advance(1);
            d.changes.push_back({model::ChangeKind::NodeAdded, bench::interfaceNode(next)});
        }
        if (!s->apply(d)) state.SkipWithError("apply failed");
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_Ingest_StoreAdds)->Unit(benchmark::kMillisecond)->MinTime(3);

// The same keys and value bytes (rev record + timeline entry per revision), written with plain
// WriteBatches of kBatch revisions, WAL on, no sync: the ceiling for the store.
void BM_Ingest_RawRocksDbBaseline(benchmark::State& state) {
    bench::BenchDir dir;
    rocksdb::Options opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    opts.compression = rocksdb::kNoCompression;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
        {"default", opts}, {"rev", opts}, {"timeline", opts}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(opts, dir.sub("raw"), cfs, &handles, &db).ok()) {
        state.SkipWithError("open failed");
        return;
    }
    std::size_t next = 0;
    for (auto _ : state) {
        rocksdb::WriteBatch batch;
        for (std::size_t i = 0; i < kBatch; ++i, ++next) {
            auto n = bench::interfaceNode(next % kNodes);
            n.created_at = n.updated_at = 1600000000000 + static_cast<std::int64_t>(next);
            n.revision = static_cast<std::int64_t>(next / kNodes + 2);
            n.metadata.mutableObject().set("Seq", static_cast<std::int64_t>(next));
            std::string value;
            store::encodeNodeRecord(value, n);
            store::RevKey ref{model::ElementKind::Node, n.id.str(), n.created_at, n.revision};
            batch.Put(handles[1], store::encodeRevKey(ref), value);
            batch.Put(handles[2], store::encodeTimelineKey({n.updated_at, next}),
                      store::encodeTimelineValue({store::TimelineOp::Put, ref}));
        }
        std::string seq(8, '\0');
        batch.Put(handles[0], "seq", seq);
        if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) state.SkipWithError("write");
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
}
BENCHMARK(BM_Ingest_RawRocksDbBaseline)->Unit(benchmark::kMillisecond)->MinTime(3);

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
