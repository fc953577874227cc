// The same queries live and inside At(t) on a RocksDB store holding many revisions, in one run:
// t inside the store's in-memory recent window (target: within 2x of live) and t older than it
// (reported). Counters `vs_live` = live time / At(t) time (1.0 = as fast as live). The warm
// figures repeat one moment (the store caches that view); the Cold ones use a new moment at each
// iteration.
//
// The history (issue 4 benchmark 3): N nodes, 2N edges, then R metadata updates of random nodes
// (realistic churn: a few nodes change at a time), then one round that updates every node, then
// `tail` more random updates. "Recent" t sits before those last `tail` updates (realistic: about
// tail/N of the nodes changed after t); "Worst" t sits before the full round (every node changed
// after t); both inside the window. "Old" t is in the first half of the history, on disk.
// Default: 20k nodes, 260k revisions, well under a minute. SKYDIVE_BENCH_FULL=1: 200k nodes,
// 1M revisions; SKYDIVE_BENCH_REVS overrides R (10000000 for the 10M figure).
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

std::size_t revisionsWanted() {
    if (const char* r = std::getenv("SKYDIVE_BENCH_REVS")) return std::stoull(r);
    return full() ? 1'000'000 : 260'000;
}

struct World {
    model::ManualClock clock{kStart};
    std::string dir;
    std::unique_ptr<store::Store> store;
    int nodes = full() ? 200'000 : 20'000;
    std::size_t revisions = 0;
    model::Time recent_t = 0, worst_t = 0, old_t = 0;
    double build_s = 0;

    World() {
        const auto began = Steady::now();
        dir = (std::filesystem::temp_directory_path() / "skydive-bench-history").string();
        std::filesystem::remove_all(dir);
        const std::size_t total = revisionsWanted();
        // Realistic churn after the recent t: 10% of the node count (at most 20k changes).
        const std::size_t tail = std::min<std::size_t>(nodes / 10, 20'000);
        constexpr int kBatch = 2000;  // one batch per second of the clock
        store::StoreOptions options;
        options.data_dir = dir;
        // The window holds the full round, the tail and a margin (by age), never the old half.
        const std::size_t in_window = nodes + tail + 4 * kBatch;
        options.recent_window_ms = static_cast<model::Time>(in_window / kBatch + 1) * 1000;
        options.recent_window_bytes = std::size_t{4} << 30;
        // A checkpoint (every element) per 1M changes: at 10M revisions and 600k elements the
        // default (100k) would write 60M checkpoint records while building the world.
        options.checkpoint_every_changes = 1'000'000;
        auto opened = store::Store::open(options, clock);
        if (!opened) std::abort();
        store = std::move(*opened);
        model::GraphDelta delta;
        auto flush = [&] {
            if (delta.empty()) return;
            clock.advance(1000);
            if (auto st = store->apply(delta); !st) {
                std::fprintf(stderr, "apply: %s\n", st.error().message.c_str());
                std::abort();
            }
            revisions += delta.changes.size();
            delta.changes.clear();
        };
        for (int i = 0; i < nodes; ++i) {
            delta.changes.push_back({model::ChangeKind::NodeAdded, makeNode(i, 0)});
            if (delta.changes.size() == kBatch) flush();
        }
        flush();
        auto link = [&](std::string id, int parent, int child, const char* rel) {
            model::Edge e;
            e.id = id;
            e.parent = "n" + std::to_string(parent);
            e.child = "n" + std::to_string(child);
            e.metadata = model::Value(model::Object{{"RelationType", rel}});
            delta.changes.push_back({model::ChangeKind::EdgeAdded, e});
            if (delta.changes.size() == kBatch) flush();
        };
        for (int i = 1; i < nodes; ++i) link("o" + std::to_string(i), (i - 1) / 8, i, "ownership");
        for (int i = 0; i < nodes; ++i) {
            link("l" + std::to_string(i), i, static_cast<int>((i * 31LL + 7) % nodes), "layer2");
        }
        flush();
        std::uint64_t rng = 88172645463325252ULL;  // xorshift: the same history every run
        auto randomNode = [&] {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            return static_cast<int>(rng % static_cast<std::uint64_t>(nodes));
        };
        int round = 1;
        auto churn = [&](std::size_t n) {
            for (std::size_t k = 0; k < n; ++k) {
                delta.changes.push_back(
                    {model::ChangeKind::NodeUpdated, makeNode(randomNode(), ++round)});
                if (delta.changes.size() == kBatch) flush();
            }
            flush();
        };
        const std::size_t base = revisions;
        const std::size_t random_part =
            total > base + nodes + tail ? total - base - nodes - tail : 0;
        churn(random_part / 2);
        old_t = clock.now() + 500;  // between two batches
        churn(random_part - random_part / 2);
        worst_t = clock.now() + 500;
        ++round;
        for (int i = 0; i < nodes; ++i) {
            delta.changes.push_back({model::ChangeKind::NodeUpdated, makeNode(i, round)});
            if (delta.changes.size() == kBatch) flush();
        }
        flush();
        recent_t = clock.now() + 500;
        churn(tail);
        clock.advance(1000);
        build_s = std::chrono::duration<double>(Steady::now() - began).count();
        auto st = store->stats();
        std::printf(
            "# world: %d nodes, %d edges, %zu revisions (built in %.0f s), window %zu "
            "entries, tail after recent t %zu changes\n",
            nodes, 2 * nodes - 1, revisions, build_s, st.recent_entries, tail);
        if (!store->at(worst_t) || st.recent_from >= worst_t) {
            std::printf("# the window does not cover the worst-case t\n");
            std::abort();
        }
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

model::Time momentOf(const World& w, const std::string& at) {
    if (at == "recent") return w.recent_t;
    if (at == "worst") return w.worst_t;
    return w.old_t;
}

// The same moment at every iteration (the store's view cache holds it after the first query).
// `at` is "recent", "worst" or "old".
void runAt(benchmark::State& state, const std::string& tail, const std::string& at) {
    auto& w = world();
    gremlin::Engine engine(w.clock, {});
    const std::string q = "G.At(" + std::to_string(momentOf(w, at)) + ")" + tail;
    const double live_ns = nsPerRun(engine, "G" + tail, state);
    (void)engine.run(q, *w.store);
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
}

// A different moment at every iteration (1 ms apart, between the same two batches): no view of
// the store's cache can be reused, so this is the cost of a fresh lazy view. The live figure is
// measured in the same function, just before.
void runAtCold(benchmark::State& state, const std::string& tail, const std::string& at) {
    auto& w = world();
    gremlin::Engine engine(w.clock, {});
    model::Time t = momentOf(w, at) - 400;
    const double live_ns = nsPerRun(engine, "G" + tail, state);
    // Not timed: queries at other fresh moments evict the previous benchmark's views from the
    // store's cache (freeing a whole image at an old t costs ~100 ms), and check the answers:
    // this history only changes MTU values, so every past answer has the live size.
    auto live = engine.run("G" + tail, *w.store);
    for (int i = 0; i < 10 && live; ++i) {
        auto past = engine.run("G.At(" + std::to_string(t - 100 - i) + ")" + tail, *w.store);
        if (!past || past->nodes.size() != live->nodes.size() ||
            past->edges.size() != live->edges.size() || !(past->value == live->value)) {
            std::string msg = "a past answer differs from the live one";
            if (past)
                msg += ": " + std::to_string(past->nodes.size()) + " nodes vs " +
                       std::to_string(live->nodes.size()) + " live";
            state.SkipWithError(msg.c_str());
            return;
        }
    }
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
    state.counters["live_us"] = live_ns / 1000;
    state.counters["vs_live"] = live_ns / ns;
    state.counters["revisions"] = static_cast<double>(w.revisions);
}

const std::string kHasCount = ".V().Has('Type', 'veth').Count()";
const std::string kOutOut = ".V('n0').Out().Out()";
const std::string kDesc = ".V('n0').Descendants('RelationType', 'ownership', 3)";

// Cold = a new t each iteration. Recent: realistic churn after t; Worst: every node changed
// after t; Old: t outside the window (RocksDB).
#define SKYDIVE_HISTORY_BENCH(Name, query, unit)       \
    void BM_AtRecentCold_##Name(benchmark::State& s) { \
        runAtCold(s, query, "recent");                 \
    }                                                  \
    void BM_AtWorstCold_##Name(benchmark::State& s) {  \
        runAtCold(s, query, "worst");                  \
    }                                                  \
    void BM_AtOldCold_##Name(benchmark::State& s) {    \
        runAtCold(s, query, "old");                    \
    }                                                  \
    void BM_AtRecentWarm_##Name(benchmark::State& s) { \
        runAt(s, query, "recent");                     \
    }                                                  \
    BENCHMARK(BM_AtRecentCold_##Name)->Unit(unit);     \
    BENCHMARK(BM_AtWorstCold_##Name)->Unit(unit);      \
    BENCHMARK(BM_AtOldCold_##Name)->Unit(unit);        \
    BENCHMARK(BM_AtRecentWarm_##Name)->Unit(unit);

SKYDIVE_HISTORY_BENCH(HasTypeCount, kHasCount, benchmark::kMillisecond)
SKYDIVE_HISTORY_BENCH(OutOut, kOutOut, benchmark::kMicrosecond)
SKYDIVE_HISTORY_BENCH(Descendants3, kDesc, benchmark::kMicrosecond)

}  // namespace
