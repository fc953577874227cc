#pragma once

#include <malloc.h>
#include <unistd.h>
#ifdef SKYDIVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <skydive/model/element.h>

#include "../common/process_cpu.h"

namespace skydive::bench {

/// Sizes: small by default (the whole binary runs in about a minute on 2 cores);
/// SKYDIVE_BENCH_FULL=1 gives the sizes. SKYDIVE_BENCH_REVS overrides the history length,
/// SKYDIVE_BENCH_NODES the node count of the time-travel world (restart at 1M nodes).
struct Sizes {
    std::size_t nodes;
    std::size_t revisions;
    std::size_t rss_nodes;
};

inline Sizes sizes() {
    bool full = std::getenv("SKYDIVE_BENCH_FULL") != nullptr;
    Sizes s = full ? Sizes{100000, 1000000, 1000000} : Sizes{10000, 100000, 100000};
    if (const char* r = std::getenv("SKYDIVE_BENCH_REVS")) s.revisions = std::stoull(r);
    if (const char* n = std::getenv("SKYDIVE_BENCH_NODES")) s.nodes = std::stoull(n);
    return s;
}

/// Minimum timed seconds of the ingest benchmarks (store and raw loop): 3 by default, which
/// sees the first flushes and one compaction at most. SKYDIVE_BENCH_INGEST_SECONDS=40 writes
/// ~10M revisions, where compaction of the growing `rev` family is part of the cost (ADR 015,
/// seventeenth round: sustained ingest).
inline double ingestSeconds() {
    const char* s = std::getenv("SKYDIVE_BENCH_INGEST_SECONDS");
    return s ? std::stod(s) : 3.0;
}

/// CPU time of the whole process (every thread: helpers, RocksDB's flush and compaction) from
/// construction, per item, in microseconds: the work a revision costs, which the wall-time
/// figures only show through how well it spreads over the cores. Less sensitive than wall time
/// to I/O waits and to other tenants of a shared machine (ADR 015, eleventh round).
class ProcessCpu {
public:
    double usPerItem(std::int64_t items) const {
        return items > 0 ? (processCpuSeconds() - start_) * 1e6 / static_cast<double>(items) : 0.0;
    }
    /// Minor page faults of the process since construction, per 1000 items.
    double faultsPerKItem(std::int64_t items) const {
        return items > 0 ? static_cast<double>(processMinorFaults() - faults_) * 1000.0 /
                               static_cast<double>(items)
                         : 0.0;
    }

private:
    double start_ = processCpuSeconds();
    long faults_ = processMinorFaults();
};

/// A temporary directory removed at exit; with SKYDIVE_BENCH_KEEP_DIR set, that directory
/// instead, created and kept (a world built once, then reopened by `open_store` in fresh
/// processes).
class BenchDir {
public:
    BenchDir() {
        if (const char* keep = std::getenv("SKYDIVE_BENCH_KEEP_DIR"); keep && *keep) {
            path_ = keep;
            keep_ = true;
            std::filesystem::create_directories(path_);
            return;
        }
        std::string t = (std::filesystem::temp_directory_path() / "skydive-bench-XXXXXX").string();
        path_ = mkdtemp(t.data()) ? t : "/tmp/skydive-bench";
    }
    ~BenchDir() {
        if (keep_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
    bool keep_ = false;
};

/// A whole-graph scan, as issue 3's (c) times it: every node and edge of a graph::GraphView
/// visited (a template: this header is also used by benchmarks that do not link the graph).
template <typename View>
std::size_t walk(const View& v) {
    std::size_t n = 0;
    v.forEachNode([&](const auto&) { return ++n, true; });
    v.forEachEdge([&](const auto&) { return ++n, true; });
    return n;
}

/// A node as an agent reports an interface: 8 typical metadata keys.
inline model::Node interfaceNode(std::size_t i) {
    model::Node n;
    n.id = "6f1a2b3c-4d5e-4f60-8a9b-" + std::to_string(100000000000 + i);
    auto& md = n.metadata.mutableObject();
    md.set("Name", "veth" + std::to_string(i));
    md.set("Type", "veth");
    md.set("MAC", "02:42:ac:11:" + std::to_string(i % 100) + ":02");
    md.set("MTU", 1500);
    md.set("State", "UP");
    md.set("IfIndex", static_cast<std::int64_t>(i));
    md.set("Driver", "veth");
    md.set("TID", "3d0c36e3-d9e2-5f31-" + std::to_string(1000000 + i));
    n.host = "node1";
    n.origin = "agent.node1";
    return n;
}

/// Heap bytes in use: jemalloc's stats.allocated (size classes included), or mallinfo2 after
/// malloc_trim when built without jemalloc.
inline std::size_t heapInUse() {
#ifdef SKYDIVE_JEMALLOC
    std::uint64_t epoch = 1;
    std::size_t len = sizeof(epoch);
    (void)mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
    std::size_t allocated = 0;
    len = sizeof(allocated);
    (void)mallctl("stats.allocated", &allocated, &len, nullptr, 0);
    return allocated;
#else
    malloc_trim(0);
    return mallinfo2().uordblks;
#endif
}

inline std::size_t rssBytes() {
    std::ifstream in("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace skydive::bench
