// Ingest: revisions/s through the store (group-committed WriteBatch per delta, WAL on) against
// a raw RocksDB WriteBatch loop writing the same number of keys and bytes. The ratio is the
// figure (issue 3: >= 60% of the raw loop).
#include <benchmark/benchmark.h>
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

}  // namespace
