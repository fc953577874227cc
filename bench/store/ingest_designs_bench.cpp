// Prototypes of the write designs of ADR 015's eighth round, measured before building one into
// the store: the revisions of BM_Ingest_RawRocksDbBaseline (rev records, rev keys, `seq` for
// 1000-revision groups of node updates) with format 3's layout, a timeline key per revision
// (its value a one-entry format 4 list: the same bytes within a few), pre-encoded, into a
// RocksDB opened by store::Rocks::open (the store's options). Items = revisions; wall time.
// - LogRecord: the acknowledged write of design (i): one log record per group (each revision's
//   op and rev record, length-prefixed; the rev and timeline keys derive from it) + `seq`, WAL
//   on. The log CF is stood in for by `api`, a CF with the default options the log would get.
// - Behind*: the write-behind of design (ii) alone, what a second thread would spend per
//   revision: the rev + timeline keys by WriteBatch with the WAL off, or sorted into SST files
//   (SstFileWriter) ingested with IngestExternalFile every `revs_per_sst` revisions.
// - LogPlusBehind/behind:M: (i) + (ii) together, the log written by the benchmark thread and
//   the keys written behind by a second thread through a bounded queue (backpressure: at most
//   16 groups behind), M = 0 memtable, 1 memtable with (iii)'s timeline, 2 / 3 SST files of 10k /
//   100k revisions: the rate the acknowledged write keeps while the write-behind keeps up.
// - GroupTimeline: design (iii), the acknowledged write with one timeline key per group (the
//   group's rev keys listed in its value) beside the rev keys: one memtable insert per revision.
#include <benchmark/benchmark.h>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/sst_file_writer.h>

#include "bench_env.h"
#include "ingest_input.h"
#include "record.h"
#include "rocks.h"

namespace {

using namespace skydive;
using bench::kIngestBatch;
using bench::kIngestNodes;
using bench::kIngestT0;

constexpr std::size_t kGroups = 100;  // pre-encoded groups, written in turn (as the raw loop)

struct Rev {
    std::string key, record, tl_key, tl_value;
};
using Group = std::vector<Rev>;

void putVarint(std::string& out, std::size_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// The raw loop's revisions (ingest_bench.cpp), kept per revision.
std::vector<Group> buildGroups() {
    std::vector<Group> groups(kGroups);
    std::uint64_t seq = kIngestNodes + 1;
    for (std::size_t b = 0, next = 0; b < kGroups; ++b) {
        for (std::size_t i = 0; i < kIngestBatch; ++i, ++next) {
            auto n = bench::interfaceNode(next % kIngestNodes);
            n.metadata.mutableObject().set("Seq", static_cast<std::int64_t>(next));
            n.created_at = kIngestT0;
            n.updated_at = kIngestT0 + 1 + static_cast<model::Time>(b);
            n.revision = static_cast<std::int64_t>(next / kIngestNodes + 2);
            store::Version v{model::NodeRec::encode(n), nullptr};
            Rev r;
            store::encodeRecordTo(r.record, v);
            store::encodeRevKeyTo(r.key, v.ref());
            store::encodeTimelineValueTo(r.tl_value, {store::TimelineOp::Put, v.ref()});
            store::encodeTimelineKeyTo(r.tl_key, {v.updatedAt(), seq++});
            groups[b].push_back(std::move(r));
        }
    }
    return groups;
}

// Design (i): the group's log record, keyed by its first seq.
// The `seq` record every committed group ends with.
void putSeq(store::Rocks& rocks, std::uint64_t seq, rocksdb::WriteBatch& out) {
    std::string seq_bytes;
    store::putU64(seq_bytes, seq);
    out.Put(rocks.cf(store::Cf::Default), "seq", store::toSlice(seq_bytes));
}

void logBatch(store::Rocks& rocks, const Group& g, std::uint64_t first_seq,
              rocksdb::WriteBatch& out) {
    std::string key, value;
    store::putU64(key, first_seq);
    value.push_back(0x01);
    putVarint(value, g.size());
    for (const auto& r : g) {
        value.push_back(static_cast<char>(store::TimelineOp::Put));
        putVarint(value, r.record.size());
        value += r.record;
    }
    out.Put(rocks.cf(store::Cf::Api), store::toSlice(key), store::toSlice(value));
    putSeq(rocks, first_seq + g.size(), out);
}

void behindBatch(store::Rocks& rocks, const Group& g, rocksdb::WriteBatch& out) {
    for (const auto& r : g) {
        out.Put(rocks.cf(store::Cf::Rev), store::toSlice(r.key), store::toSlice(r.record));
        out.Put(rocks.cf(store::Cf::Timeline), store::toSlice(r.tl_key),
                store::toSlice(r.tl_value));
    }
}

bool writeNoWal(store::Rocks& rocks, rocksdb::WriteBatch& b) {
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    return rocks.db().Write(wo, &b).ok();
}

// The timed loop of the acknowledged-write designs: the prepared batches in turn, WAL on.
void writeRing(benchmark::State& state, store::Rocks& rocks,
               std::vector<rocksdb::WriteBatch>& batches) {
    std::size_t next = 0;
    for (auto _ : state)
        if (!rocks.write(batches[next++ % batches.size()], false)) state.SkipWithError("write");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}

void BM_IngestDesign_LogRecord(benchmark::State& state) {
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    std::vector<rocksdb::WriteBatch> batches(kGroups);
    for (std::size_t b = 0; b < kGroups; ++b)
        logBatch(*rocks, groups[b], 1 + b * kIngestBatch, batches[b]);
    writeRing(state, *rocks, batches);
    state.counters["bytes_per_rev"] =
        static_cast<double>(batches[0].GetDataSize()) / static_cast<double>(kIngestBatch);
}
BENCHMARK(BM_IngestDesign_LogRecord)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

void BM_IngestDesign_BehindMemtable(benchmark::State& state) {
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    std::vector<rocksdb::WriteBatch> batches(kGroups);
    for (std::size_t b = 0; b < kGroups; ++b) behindBatch(*rocks, groups[b], batches[b]);
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    std::size_t next = 0;
    for (auto _ : state)
        if (!writeNoWal(*rocks, batches[next++ % kGroups])) state.SkipWithError("write");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_IngestDesign_BehindMemtable)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// Sorted SST files (one for `rev`, one for `timeline`) of a run of revisions, ingested with
// IngestExternalFile. Sorting the rev keys is part of the cost (a group arrives in the delta's
// element order).
class SstBehind {
public:
    SstBehind(store::Rocks& rocks, std::string dir)
        : rocks_(rocks),
          dir_(std::move(dir)),
          rev_opts_(rocks.db().GetDBOptions(), rocks.db().GetOptions(rocks.cf(store::Cf::Rev))),
          tl_opts_(rocks.db().GetDBOptions(),
                   rocks.db().GetOptions(rocks.cf(store::Cf::Timeline))) {
        io_.move_files = true;
    }

    bool write(std::vector<const Rev*>& revs) {
        auto path = dir_ + "/sst" + std::to_string(file_++);
        std::sort(revs.begin(), revs.end(),
                  [](const Rev* a, const Rev* b) { return a->key < b->key; });
        bool ok = writeFile(rev_opts_, path + ".rev", revs, &Rev::key, &Rev::record);
        std::sort(revs.begin(), revs.end(),
                  [](const Rev* a, const Rev* b) { return a->tl_key < b->tl_key; });
        ok = ok && writeFile(tl_opts_, path + ".tl", revs, &Rev::tl_key, &Rev::tl_value);
        auto& db = rocks_.db();
        ok = ok && db.IngestExternalFile(rocks_.cf(store::Cf::Rev), {path + ".rev"}, io_).ok();
        ok = ok && db.IngestExternalFile(rocks_.cf(store::Cf::Timeline), {path + ".tl"}, io_).ok();
        return ok;
    }

private:
    static bool writeFile(const rocksdb::Options& o, const std::string& path,
                          const std::vector<const Rev*>& revs, std::string Rev::*key,
                          std::string Rev::*value) {
        rocksdb::SstFileWriter w(rocksdb::EnvOptions(), o);
        bool ok = w.Open(path).ok();
        for (std::size_t i = 0; ok && i < revs.size(); ++i) {
            // The ring repeats keys every kGroups groups: one SST holds each key once.
            if (i > 0 && revs[i]->*key == revs[i - 1]->*key) continue;
            ok = w.Put(revs[i]->*key, revs[i]->*value).ok();
        }
        return ok && w.Finish().ok();
    }

    store::Rocks& rocks_;
    std::string dir_;
    rocksdb::Options rev_opts_, tl_opts_;
    rocksdb::IngestExternalFileOptions io_;
    std::size_t file_ = 0;
};

void BM_IngestDesign_BehindSst(benchmark::State& state) {
    const auto per_sst = static_cast<std::size_t>(state.range(0));
    const std::size_t groups_per_sst = std::max<std::size_t>(1, per_sst / kIngestBatch);
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    SstBehind sst(*rocks, dir.sub(""));
    std::size_t next = 0;
    std::vector<const Rev*> revs;
    for (auto _ : state) {
        revs.clear();
        for (std::size_t k = 0; k < groups_per_sst; ++k)
            for (const auto& r : groups[(next + k) % kGroups]) revs.push_back(&r);
        next += groups_per_sst;
        if (!sst.write(revs)) state.SkipWithError("sst");
    }
    state.SetItemsProcessed(
        static_cast<std::int64_t>(state.iterations() * groups_per_sst * kIngestBatch));
}
BENCHMARK(BM_IngestDesign_BehindSst)
    ->ArgName("revs_per_sst")
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3);

// Design (iii): the group's rev keys, then one timeline key for the whole group listing them.
void groupTimelineBatch(store::Rocks& rocks, const Group& g, model::Time t, std::uint64_t seq,
                        rocksdb::WriteBatch& out) {
    std::string tl_value(1, '\x03'), key;
    putVarint(tl_value, g.size());
    for (const auto& r : g) {
        out.Put(rocks.cf(store::Cf::Rev), store::toSlice(r.key), store::toSlice(r.record));
        tl_value.push_back(static_cast<char>(store::TimelineOp::Put));
        putVarint(tl_value, r.key.size());
        tl_value += r.key;
    }
    store::encodeTimelineKeyTo(key, {t, seq});
    out.Put(rocks.cf(store::Cf::Timeline), store::toSlice(key), store::toSlice(tl_value));
}

// (i) + (ii): the log write on this thread, the keys written behind on a second one (mode 0:
// memtable, WAL off; 1: the same with (iii)'s one timeline key per group; 2 / 3: SST files of
// 10 / 100 groups). At most 8 groups wait behind (backpressure): the rate is the sustained one.
void BM_IngestDesign_LogPlusBehind(benchmark::State& state) {
    const auto mode = state.range(0);
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    std::vector<rocksdb::WriteBatch> logs(kGroups), behind(kGroups);
    for (std::size_t b = 0; b < kGroups; ++b) {
        logBatch(*rocks, groups[b], 1 + b * kIngestBatch, logs[b]);
        if (mode == 0) behindBatch(*rocks, groups[b], behind[b]);
        if (mode == 1)
            groupTimelineBatch(*rocks, groups[b], kIngestT0 + 1 + static_cast<model::Time>(b),
                               1 + b * kIngestBatch, behind[b]);
    }
    SstBehind sst(*rocks, dir.sub(""));
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::size_t> queue;
    bool done = false, failed = false;
    std::thread writer([&] {
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
        std::vector<const Rev*> revs;
        for (;;) {
            std::size_t b;
            {
                std::unique_lock lk(mu);
                cv.wait(lk, [&] { return done || !queue.empty(); });
                if (queue.empty()) return;
                b = queue.front();
            }
            bool ok = true;
            if (mode < 2) {
                ok = writeNoWal(*rocks, behind[b]);
            } else {
                for (const auto& r : groups[b]) revs.push_back(&r);
                if (revs.size() >= (mode == 2 ? 10 : 100) * kIngestBatch) {
                    ok = sst.write(revs);
                    revs.clear();
                }
            }
            std::lock_guard lk(mu);
            queue.pop_front();
            failed = failed || !ok;
            cv.notify_all();
        }
    });
    std::size_t next = 0;
    for (auto _ : state) {
        const std::size_t b = next++ % kGroups;
        if (!rocks->write(logs[b], false)) state.SkipWithError("write");
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return queue.size() < 16; });
        queue.push_back(b);
        cv.notify_all();
    }
    {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return queue.empty(); });  // the write-behind is part of the run
        done = true;
        cv.notify_all();
    }
    writer.join();
    if (failed) state.SkipWithError("write behind");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kIngestBatch));
}
BENCHMARK(BM_IngestDesign_LogPlusBehind)
    ->ArgName("behind")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3);

// (iii): rev keys as today, the timeline as one key per group listing the group's rev keys.
void BM_IngestDesign_GroupTimeline(benchmark::State& state) {
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    std::vector<rocksdb::WriteBatch> batches(kGroups);
    std::uint64_t seq = kIngestNodes + 1;
    for (std::size_t b = 0; b < kGroups; ++b) {
        groupTimelineBatch(*rocks, groups[b], kIngestT0 + 1 + static_cast<model::Time>(b), seq,
                           batches[b]);
        seq += groups[b].size();
        putSeq(*rocks, seq, batches[b]);
    }
    writeRing(state, *rocks, batches);
}
BENCHMARK(BM_IngestDesign_GroupTimeline)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

}  // namespace

namespace {

// (iv): the live apply's copy of each incoming element (GraphTxn::applyChange copies the
// const delta's node before moving it into the image): the cost of that copy is what applying
// a delta by move would save, measured as a copy of a ring delta of 1000 node updates.
void BM_IngestDesign_DeltaCopy(benchmark::State& state) {
    auto ring = skydive::bench::ingestUpdateRing();
    std::size_t next = 0;
    for (auto _ : state) {
        skydive::model::GraphDelta copy = ring[next++ % ring.size()];
        benchmark::DoNotOptimize(copy.changes.data());
    }
    state.SetItemsProcessed(
        static_cast<std::int64_t>(state.iterations() * skydive::bench::kIngestBatch));
}
BENCHMARK(BM_IngestDesign_DeltaCopy)->Unit(benchmark::kMicrosecond)->MinTime(1);

}  // namespace

namespace {

// The raw loop's keys and bytes (BM_Ingest_RawRocksDbBaseline) with the batch ordered by
// column family: every rev put of the group, then every timeline put, then `seq` (the raw loop
// and the store interleave rev and timeline per revision). Same keys, same bytes, same format.
void BM_IngestDesign_RawByCf(benchmark::State& state) {
    using namespace skydive;
    bench::BenchDir dir;
    auto rocks = store::Rocks::open(dir.sub("db"), 64u << 20).value();
    auto groups = buildGroups();
    std::vector<rocksdb::WriteBatch> batches(kGroups);
    std::uint64_t seq = kIngestNodes + 1;
    for (std::size_t b = 0; b < kGroups; ++b) {
        for (const auto& r : groups[b])
            batches[b].Put(rocks->cf(store::Cf::Rev), store::toSlice(r.key),
                           store::toSlice(r.record));
        for (const auto& r : groups[b])
            batches[b].Put(rocks->cf(store::Cf::Timeline), store::toSlice(r.tl_key),
                           store::toSlice(r.tl_value));
        seq += groups[b].size();
        putSeq(*rocks, seq, batches[b]);
    }
    writeRing(state, *rocks, batches);
}
BENCHMARK(BM_IngestDesign_RawByCf)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

}  // namespace
