// The store's ingest cost split by phase (ADR 015), each on the same input as
// BM_Ingest_StoreUpdates (ingest_input.h), items = revisions:
// - LiveApply: the live graph alone (no commit log): validation, copies, trie updates.
// - Encode: rev record and key of each revision, the group's timeline key and value (format
//   4: one per group and time) into a WriteBatch.
// - WindowAppend: the recent window's append of each change and its trim.
// - RecordDecode/2, /4 and /5: decoding the delta's node records into flat records, as a
//   past view reads them (store format 5's records 0x02, format 6's 0x04, format 7's 0x05).
// The RocksDB write itself is BM_Ingest_RawRocksDbBaseline.
#include <benchmark/benchmark.h>

#include <skydive/graph/live_graph.h>
#include <skydive/model/clock.h>

#include "ingest_input.h"
#include "recent_window.h"
#include "record.h"
#include "rocks.h"

namespace {

using namespace skydive;
using bench::kIngestBatch;
using bench::kIngestNodes;
using bench::kIngestRing;
using bench::kIngestT0;

void BM_IngestPhase_LiveApply(benchmark::State& state) {
    model::ManualClock clock(kIngestT0);
    graph::LiveGraph g(clock);
    if (!g.apply(bench::ingestSeed())) state.SkipWithError("seed failed");
    auto ring = bench::ingestUpdateRing();
    std::size_t next = 0;
    for (auto _ : state) {
        auto& d = ring[(next / kIngestBatch) % kIngestRing];
        bench::setRevisions(d, next);
        next += kIngestBatch;
        clock.advance(1);
        if (!g.apply(d)) state.SkipWithError("apply failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_IngestPhase_LiveApply)->Unit(benchmark::kMillisecond)->MinTime(1);

// The versions the live graph produced for a ring delta, as shared pointers (the store's input
// to staging).
std::vector<store::Version> ringVersions(std::size_t delta) {
    auto ring = bench::ingestUpdateRing();
    bench::setRevisions(ring[delta], delta * kIngestBatch);
    std::vector<store::Version> out;
    for (auto& c : ring[delta].changes) {
        auto n = std::get<model::Node>(c.element);
        n.created_at = kIngestT0;
        n.updated_at = kIngestT0 + 1;
        out.push_back({model::NodeRec::encode(n), nullptr});
    }
    return out;
}

void BM_IngestPhase_Encode(benchmark::State& state) {
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("cf"), 8u << 20).value();  // column family handles
    auto versions = ringVersions(0);
    std::string record, key, timeline;
    std::uint64_t seq = 1;
    std::vector<std::uint32_t> defined;
    const auto define = [](const std::string&, std::string_view) {};
    for (auto _ : state) {
        rocksdb::WriteBatch batch;
        store::ShapedEncoder shaped(rocks->shapes());
        store::startTimelineValue(timeline);  // one time per ring delta: one timeline key
        const std::uint64_t first_seq = seq;
        for (const auto& v : versions) {
            store::RevKey ref = v.ref();
            record.clear();
            shaped.encode(record, v.node, v.node.head(), defined, define);
            store::encodeRevKeyTo(key, ref);
            batch.Put(rocks->cf(store::Cf::Rev), store::toSlice(key), store::toSlice(record));
            store::appendTimelineEntry(timeline, store::TimelineOp::Put, ref);
            ++seq;
        }
        store::encodeTimelineKeyTo(key, {versions.front().updatedAt(), first_seq});
        batch.Put(rocks->cf(store::Cf::Timeline), store::toSlice(key), store::toSlice(timeline));
        benchmark::DoNotOptimize(batch.GetDataSize());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_IngestPhase_Encode)->Unit(benchmark::kMillisecond)->MinTime(1);

void BM_IngestPhase_WindowAppend(benchmark::State& state) {
    std::vector<std::vector<store::Version>> ring;
    for (std::size_t d = 0; d < kIngestRing; ++d) ring.push_back(ringVersions(d));
    store::RecentWindow window;
    graph::IndexConfig config;
    std::uint64_t seq = 1;
    std::size_t next = 0;
    model::Time t = kIngestT0;
    for (auto _ : state) {
        ++t;
        for (const auto& v : ring[next++ % kIngestRing]) {
            store::LogEntry e;
            e.key = {t, seq++};
            e.before = v;  // the previous version: same cost as a distinct one
            e.after = v;
            e.keys_changed = 0;  // as the live graph reports it: only "Seq" (not indexed) changed
            e.keys_known = true;
            window.append(std::move(e), &config);
        }
        window.trim(std::numeric_limits<model::Time>::min(), 64u << 20);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_IngestPhase_WindowAppend)->Unit(benchmark::kMillisecond)->MinTime(1);

// Reading a revision back: the ring delta's 1000 node records, in the format of the argument
// (0x02: format 5, from the node; 0x04: format 6; 0x05: format 7, what the store writes), decoded
// under their keys to the flat records past views hold.
void BM_IngestPhase_RecordDecode(benchmark::State& state) {
    const auto format = static_cast<std::uint8_t>(state.range(0));
    store::ShapeTable shapes;
    std::vector<std::uint32_t> defined;
    store::ShapedEncoder shaped(shapes);
    std::vector<std::pair<store::RevKey, std::string>> records;
    for (const auto& v : ringVersions(0)) {
        std::string r;
        if (format == store::kShapedNodeRecordFormat)
            shaped.encode(r, v.node, v.node.head(), defined, [](const auto&, const auto&) {});
        else if (format == store::kPackedNodeRecordFormat)
            store::encodeNodeRecord(r, v.node);
        else
            store::encodeNodeRecordV2(r, v.node.toNode());
        records.emplace_back(v.ref(), std::move(r));
    }
    for (auto _ : state)
        for (const auto& [key, r] : records) {
            auto v = store::decodeRevRecord(key, r, shapes);
            if (!v) state.SkipWithError("decode failed");
            benchmark::DoNotOptimize(v);
        }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records.size()));
}
BENCHMARK(BM_IngestPhase_RecordDecode)
    ->Arg(store::kRecordFormat)
    ->Arg(store::kPackedNodeRecordFormat)
    ->Arg(store::kShapedNodeRecordFormat)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(1);

}  // namespace
