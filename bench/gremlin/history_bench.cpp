// The same queries live and inside At(t) on a RocksDB store holding many revisions, in one run:
// t inside the store's in-memory recent window (target: within 2x of live) and t older than it
// (reported). Counters `vs_live` = live time / At(t) time (1.0 = as fast as live). The warm
// figures repeat one moment (the store caches that view); the Cold ones use a new moment at each
// iteration.
//
// Default: 20k nodes, 40k edges, 10 update rounds of every node (~260k revisions), runs in
// well under a minute. SKYDIVE_BENCH_FULL=1: 200k nodes, 50 rounds (~10.4M revisions).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <skydive/gremlin/engine.h>
#include <skydive/store/store.h>

namespace {

using namespace skydive;
using Steady = std::chrono::steady_clock;

constexpr model::Time kStart = 1600000000000;
constexpr model::Time kRoundMs = 60'000;  // one update round per minute
const char* const kTypes[] = {"veth",      "device", "bridge", "netns",   "ovsport",
                              "ovsbridge", "host",   "tun",    "macvlan", "vxlan"};

bool full() {
    const char* f = std::getenv("SKYDIVE_BENCH_FULL");
    return f != nullptr && std::string(f) == "1";
}

model::Node makeNode(int i, int round) {
    model::Node n;
    n.id = "n" + std::to_string(i);
    n.metadata = model::Value(model::Object{
        {"Name", "if" + std::to_string(i)}, {"Type", kTypes[i % 10]}, {"MTU", 1400 + round}});
    return n;
}

struct World {
    model::ManualClock clock{kStart};
    std::string dir;
    std::unique_ptr<store::Store> store;
    int nodes = full() ? 200'000 : 20'000;
    int rounds = full() ? 50 : 10;
    model::Time recent_t = 0, old_t = 0;

    World() {
        dir = (std::filesystem::temp_directory_path() / "skydive-bench-history").string();
        std::filesystem::remove_all(dir);
        store::StoreOptions options;
        options.data_dir = dir;
        options.recent_window_ms = 5 * kRoundMs;  // the last five rounds are in memory
        options.recent_window_bytes = 2u << 30;
        auto opened = store::Store::open(options, clock);
        if (!opened) std::abort();
        store = std::move(*opened);
        constexpr int kBatch = 2000;
        model::GraphDelta delta;
        auto flush = [&] {
            if (!delta.empty() && !store->apply(delta)) std::abort();
            delta.changes.clear();
        };
        for (int i = 0; i < nodes; ++i) {
            auto n = makeNode(i, 0);
            n.created_at = n.updated_at = kStart;
            n.revision = 1;
            delta.changes.push_back({model::ChangeKind::NodeAdded, n});
            if (delta.changes.size() == kBatch) flush();
        }
        flush();
        auto link = [&](std::string id, int parent, int child, const char* rel) {
            model::Edge e;
            e.id = id;
            e.parent = "n" + std::to_string(parent);
            e.child = "n" + std::to_string(child);
            e.metadata = model::Value(model::Object{{"RelationType", rel}});
            e.created_at = e.updated_at = kStart;
            e.revision = 1;
            delta.changes.push_back({model::ChangeKind::EdgeAdded, e});
            if (delta.changes.size() == kBatch) flush();
        };
        for (int i = 1; i < nodes; ++i) link("o" + std::to_string(i), (i - 1) / 8, i, "ownership");
        for (int i = 0; i < nodes; ++i) {
            link("l" + std::to_string(i), i, static_cast<int>((i * 31LL + 7) % nodes), "layer2");
        }
        flush();
        for (int r = 1; r <= rounds; ++r) {
            clock.set(kStart + r * kRoundMs);
            for (int i = 0; i < nodes; ++i) {
                delta.changes.push_back({model::ChangeKind::NodeUpdated, makeNode(i, r)});
                if (delta.changes.size() == kBatch) flush();
            }
            flush();
        }
        clock.set(kStart + rounds * kRoundMs + 1000);
        recent_t = kStart + (rounds - 1) * kRoundMs + 30'000;  // between the last two rounds
        old_t = kStart + kRoundMs + 30'000;                    // after round 1: on disk
    }
    ~World() {
        store.reset();
        std::filesystem::remove_all(dir);
    }
};

World& world() {
    static World w;
    return w;
}

double nsPerRun(const gremlin::Engine& engine, const std::string& q, benchmark::State& state) {
    auto& w = world();
    auto once = [&] {
        auto r = engine.run(q, *w.store);
        if (!r) state.SkipWithError(r.error().message.c_str());
    };
    once();
    std::size_t runs = 0;
    const auto start = Steady::now();
    do {
        once();
        ++runs;
    } while (Steady::now() - start < std::chrono::milliseconds(200));
    return std::chrono::duration<double, std::nano>(Steady::now() - start).count() /
           static_cast<double>(runs);
}

// `at` is "" (live), "recent" or "old".
void runAt(benchmark::State& state, const std::string& tail, const std::string& at) {
    auto& w = world();
    gremlin::Engine engine(w.clock, {});
    const std::string live_q = "G" + tail;
    std::string q = live_q;
    if (at == "recent") q = "G.At(" + std::to_string(w.recent_t) + ")" + tail;
    if (at == "old") q = "G.At(" + std::to_string(w.old_t) + ")" + tail;
    const double live_ns = nsPerRun(engine, live_q, state);
    (void)engine.run(q, *w.store);  // warm: the first query at t builds the view (see Cold)
    const auto start = Steady::now();
    std::int64_t n = 0;
    for (auto _ : state) {
        auto r = engine.run(q, *w.store);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(r->value);
        ++n;
    }
    const double ns = std::chrono::duration<double, std::nano>(Steady::now() - start).count() /
                      static_cast<double>(std::max<std::int64_t>(n, 1));
    state.counters["vs_live"] = live_ns / ns;
    state.counters["revisions"] = static_cast<double>(w.nodes) * (w.rounds + 1) + 2.0 * w.nodes;
}

// A different moment at every iteration: no view of the store's cache can be reused, so this
// is the cost of building a past view (checkpoint + replay, or the in-memory window).
void runAtCold(benchmark::State& state, const std::string& tail, bool recent) {
    auto& w = world();
    gremlin::Engine engine(w.clock, {});
    model::Time t = recent ? w.recent_t : w.old_t;
    const double live_ns = nsPerRun(engine, "G" + tail, state);
    const auto start = Steady::now();
    std::int64_t n = 0;
    for (auto _ : state) {
        ++n;
        auto r = engine.run("G.At(" + std::to_string(++t) + ")" + tail, *w.store);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(r->value);
    }
    const double ns = std::chrono::duration<double, std::nano>(Steady::now() - start).count() /
                      static_cast<double>(std::max<std::int64_t>(n, 1));
    state.counters["vs_live"] = live_ns / ns;
}

const std::string kHasCount = ".V().Has('Type', 'veth').Count()";
const std::string kOutOut = ".V('n0').Out().Out()";
const std::string kDesc = ".V('n0').Descendants('RelationType', 'ownership', 3)";

void BM_Live_HasTypeCount(benchmark::State& s) {
    runAt(s, kHasCount, "");
}
void BM_AtRecent_HasTypeCount(benchmark::State& s) {
    runAt(s, kHasCount, "recent");
}
void BM_AtOld_HasTypeCount(benchmark::State& s) {
    runAt(s, kHasCount, "old");
}
void BM_Live_OutOut(benchmark::State& s) {
    runAt(s, kOutOut, "");
}
void BM_AtRecent_OutOut(benchmark::State& s) {
    runAt(s, kOutOut, "recent");
}
void BM_AtOld_OutOut(benchmark::State& s) {
    runAt(s, kOutOut, "old");
}
void BM_AtRecent_Descendants3(benchmark::State& s) {
    runAt(s, kDesc, "recent");
}
void BM_AtOld_Descendants3(benchmark::State& s) {
    runAt(s, kDesc, "old");
}

void BM_AtRecentCold_HasTypeCount(benchmark::State& s) {
    runAtCold(s, kHasCount, true);
}
void BM_AtOldCold_HasTypeCount(benchmark::State& s) {
    runAtCold(s, kHasCount, false);
}
// Three element lookups (n0, its children, theirs) at a new moment: the store's lazy point
// view answers them without building the graph at t (ADR 017).
void BM_AtRecentCold_OutOut(benchmark::State& s) {
    runAtCold(s, kOutOut, true);
}
void BM_AtOldCold_OutOut(benchmark::State& s) {
    runAtCold(s, kOutOut, false);
}
BENCHMARK(BM_AtRecentCold_HasTypeCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AtOldCold_HasTypeCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AtRecentCold_OutOut)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AtOldCold_OutOut)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_Live_HasTypeCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AtRecent_HasTypeCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AtOld_HasTypeCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Live_OutOut)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AtRecent_OutOut)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AtOld_OutOut)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AtRecent_Descendants3)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AtOld_Descendants3)->Unit(benchmark::kMicrosecond);

}  // namespace
