// open_store DIR [close | view T [N]]: opens the store in DIR once, in this fresh process, and
// prints the open's phases, wall and CPU time, page faults, RSS and heap as BENCH lines; then
// exits without closing (closing writes live.image again), or with `close` closes the store
// cleanly (rewriting live.image in this binary's format) and prints how long that took. With
// `view T N` it then times N whole-graph views built cold (T-1, T-2, ...: no cached view) and
// walked, as BM_WholeGraph_AtOutsideWindowCold does, on a world kept by
// SKYDIVE_BENCH_KEEP_DIR (its `# world` line gives t_out): a change to past views measured
// without rebuilding the world.
//
// A restart measured in a fresh process, as a real one is: BM_Restart reopens in the process
// that closed the store, on memory its allocator may still hold. Build a world to reopen with
//   SKYDIVE_BENCH_KEEP_DIR=/path SKYDIVE_BENCH_FULL=1 SKYDIVE_BENCH_NODES=1000000
//   bench_store --benchmark_filter='BM_Restart/live_image:1'
// then run `open_store /path/store` as often as wanted (the store is left as it was found).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <skydive/model/clock.h>
#include <skydive/store/store.h>

#include "bench_env.h"

namespace {

// Cold whole-graph views at t-1, t-2, ...: each one's wall time, then their mean.
void timeViews(skydive::store::Store& store, skydive::model::Time t, int n) {
    double total = 0, cpu_total = 0;
    for (int i = 1; i <= n; ++i) {
        const double cpu0 = skydive::bench::processCpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        auto view = store.at(t - i);
        if (!view) {
            std::fprintf(stderr, "view at %lld: %s\n", static_cast<long long>(t - i),
                         view.error().message.c_str());
            std::_Exit(1);
        }
        const std::size_t elements = skydive::bench::walk(**view);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        const double cpu_ms = (skydive::bench::processCpuSeconds() - cpu0) * 1e3;
        total += ms;
        cpu_total += cpu_ms;
        std::printf("# view %d at %lld: %zu elements in %.1f ms (CPU %.1f ms)\n", i,
                    static_cast<long long>(t - i), elements, ms, cpu_ms);
    }
    std::printf("BENCH view_cold_whole_graph %.1f ms\n", total / n);
    std::printf("BENCH view_cold_whole_graph_cpu %.1f ms\n", cpu_total / n);
}

}  // namespace

int main(int argc, char** argv) {
    const bool close = argc == 3 && std::string(argv[2]) == "close";
    const bool view = argc >= 4 && argc <= 5 && std::string(argv[2]) == "view";
    if (argc != 2 && !close && !view) {
        std::fprintf(stderr, "usage: %s DATA_DIR [close | view T [N]]\n", argv[0]);
        return 2;
    }
    skydive::store::StoreOptions opts;
    opts.data_dir = argv[1];
    if (const char* t = std::getenv("SKYDIVE_BENCH_LOAD_THREADS"))
        opts.load_threads = static_cast<unsigned>(std::atoi(t));
    skydive::model::SystemClock clock;
    const long faults0 = skydive::bench::processMinorFaults();
    auto store = skydive::store::Store::open(opts, clock);
    if (!store) {
        std::fprintf(stderr, "open %s: %s\n", argv[1], store.error().message.c_str());
        return 1;
    }
    const long faults = skydive::bench::processMinorFaults() - faults0;
    auto st = (*store)->stats();
    for (const auto& [name, ms] : st.open_phases_ms)
        std::printf("BENCH open_phase_%s %.1f ms\n", name.c_str(), ms);
    std::printf("BENCH open_wall %.1f ms\n", st.open_wall_ms);
    std::printf("BENCH open_cpu_all_threads %.1f ms\n", st.open_cpu_ms);
    std::printf("BENCH open_minor_faults %ld count\n", faults);
    std::printf("BENCH open_rss %.1f MiB\n",
                static_cast<double>(skydive::bench::rssBytes()) / (1 << 20));
    std::printf("BENCH open_heap_allocated %.1f MiB\n",
                static_cast<double>(skydive::bench::heapInUse()) / (1 << 20));
    std::printf("BENCH open_live_nodes %zu count\n", (*store)->live()->nodeCount());
    std::printf("BENCH open_from_live_image %d bool\n", st.loaded_from_live_image ? 1 : 0);
    if (view) timeViews(**store, std::atoll(argv[3]), argc == 5 ? std::atoi(argv[4]) : 3);
    std::fflush(stdout);
    if (!close) std::_Exit(0);
    const auto t0 = std::chrono::steady_clock::now();
    store->reset();
    std::printf(
        "BENCH open_clean_shutdown %.1f ms\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    return 0;
}
