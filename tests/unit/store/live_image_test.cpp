// live.image (ADR 014): a clean shutdown writes every live element; the next open reads it
// instead of checkpoint + timeline, and gets exactly the graph the history gives. A stale or
// damaged image is ignored.
#include <skydive/graph/graph_view.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#ifdef SKYDIVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "../../../storage/history/src/load_memory_hold.h"  // private: the hold itself
#include "temp_dir.h"

namespace skydive::store {
namespace {

model::Graph everything(Store& s) {
    model::Graph g;
    auto v = s.live();
    v->forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return g.nodes.push_back(n), true;
    });
    v->forEachEdge([&](const model::Edge& e) { return g.edges.push_back(e), true; });
    std::sort(g.nodes.begin(), g.nodes.end(), [](auto& a, auto& b) { return a.id < b.id; });
    std::sort(g.edges.begin(), g.edges.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return g;
}

void populate(Store& s, model::ManualClock& clock, int from, int to) {
    for (int i = from; i < to; ++i) {
        clock.advance(1);
        model::Node n;
        n.id = "n" + std::to_string(i);
        n.host = "h";
        n.metadata.mutableObject().set("Name", "eth" + std::to_string(i));
        n.metadata.mutableObject().set("List", model::List{1, "two", 3.5});
        ASSERT_TRUE(s.addNode(n));
        if (i > from) {
            model::Edge e;
            e.id = "e" + std::to_string(i);
            e.parent = "n" + std::to_string(i - 1);
            e.child = n.id;
            ASSERT_TRUE(s.addEdge(e));
        }
        if (i % 3 == 0) {
            ASSERT_TRUE(s.setNodeMetadata(n.id.view(), "MTU", 1500 + i));
        }
        if (i % 7 == 0 && i > from) {
            ASSERT_TRUE(s.deleteNode("n" + std::to_string(i - 1)));
        }
    }
}

TEST(LiveImage, CleanShutdownReopensFromImageWithTheSameGraph) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    model::Graph before;
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        populate(**s, clock, 0, 300);
        before = everything(**s);
        EXPECT_FALSE((*s)->stats().loaded_from_live_image);
    }
    ASSERT_TRUE(std::filesystem::exists(dir.path() + "/live.image"));
    model::Graph from_image, from_history;
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        EXPECT_TRUE((*s)->stats().loaded_from_live_image);
        from_image = everything(**s);
        // The index works on the loaded image.
        std::size_t hits = 0;
        (*s)->live()->nodesByValue("Name", model::Value("eth299"),
                                   [&](model::NodeHandle) { return ++hits, true; });
        EXPECT_EQ(hits, 1u);
    }
    o.live_image = false;
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        EXPECT_FALSE((*s)->stats().loaded_from_live_image);
        from_history = everything(**s);
    }
    EXPECT_EQ(from_image, before);
    EXPECT_EQ(from_history, before);
}

TEST(LiveImage, StaleImageIsIgnored) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    {
        auto s = Store::open(o, clock);
        populate(**s, clock, 0, 50);
    }
    std::string saved = dir.path() + "/saved.image";
    std::filesystem::copy_file(dir.path() + "/live.image", saved);
    model::Graph after;
    {
        auto s = Store::open(o, clock);
        populate(**s, clock, 50, 80);
        after = everything(**s);
    }
    // Put the older image back, as if the last shutdown had not written one (a crash).
    std::filesystem::copy_file(saved, dir.path() + "/live.image",
                               std::filesystem::copy_options::overwrite_existing);
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE((*s)->stats().loaded_from_live_image);
    EXPECT_EQ(everything(**s), after);
}

TEST(LiveImage, DamagedImageIsIgnored) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    model::Graph before;
    {
        auto s = Store::open(o, clock);
        populate(**s, clock, 0, 100);
        before = everything(**s);
    }
    std::string path = dir.path() + "/live.image";
    auto size = std::filesystem::file_size(path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size / 2));
        f.put('\xEE').put('\xEE').put('\xEE');
    }
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok()) << s.error().toString();
    EXPECT_FALSE((*s)->stats().loaded_from_live_image);
    EXPECT_EQ(everything(**s), before);
    s->reset();
    // The shutdown above rewrote a good image; truncate that one.
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 3);
    auto again = Store::open(o, clock);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE((*again)->stats().loaded_from_live_image);
    EXPECT_EQ(everything(**again), before);
}

// An image of several 4 MiB chunks, read by two threads into reused buffers: the same graph,
// and a flipped byte in the last chunk still makes it a cache miss.
TEST(LiveImage, ImageOfManyChunksReopensWithTheSameGraph) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.load_threads = 2;
    model::Graph before;
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        model::GraphDelta d;
        for (int i = 0; i < 1500; ++i) {
            model::Node n;
            n.id = "n" + std::to_string(i);
            n.metadata.mutableObject().set("Name", "eth" + std::to_string(i));
            // ~8 KB each, different per node: ~12 MB in all.
            n.metadata.mutableObject().set("Blob",
                                           std::string(8000, static_cast<char>('a' + i % 26)));
            d.changes.push_back({model::ChangeKind::NodeAdded, std::move(n)});
        }
        for (int i = 1; i < 1500; ++i) {
            model::Edge e;
            e.id = "e" + std::to_string(i);
            e.parent = "n" + std::to_string(i - 1);
            e.child = "n" + std::to_string(i);
            d.changes.push_back({model::ChangeKind::EdgeAdded, std::move(e)});
        }
        clock.advance(1);
        ASSERT_TRUE((*s)->apply(d));
        before = everything(**s);
    }
    const std::string path = dir.path() + "/live.image";
    ASSERT_GT(std::filesystem::file_size(path), 2u * (4u << 20));  // three chunks or more
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        EXPECT_TRUE((*s)->stats().loaded_from_live_image);
        EXPECT_EQ(everything(**s), before);
    }
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-100, std::ios::end);
        f.put('\x01');
    }
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE((*s)->stats().loaded_from_live_image);
    EXPECT_EQ(everything(**s), before);
}

// open() keeps freed pages for its stages to reuse (jemalloc's dirty decay off), and puts the
// decay time back when it is done.
TEST(LiveImage, OpenRestoresTheAllocatorsDecayTime) {
#ifndef SKYDIVE_JEMALLOC
    GTEST_SKIP() << "a sanitizer build: no jemalloc to hold pages";
#else
    auto decay = [](const char* name) {
        ssize_t ms = -2;
        std::size_t len = sizeof ms;
        EXPECT_EQ(mallctl(name, &ms, &len, nullptr, 0), 0) << name;
        return ms;
    };
    // Every arena's own time: the arena of huge allocations (one is made here) purges at once.
    std::free(std::malloc(64u << 20));
    auto all = [&] {
        unsigned n = 0;
        std::size_t len = sizeof n;
        EXPECT_EQ(mallctl("arenas.narenas", &n, &len, nullptr, 0), 0);
        std::vector<ssize_t> out;
        for (unsigned i = 0; i < n; ++i) {
            ssize_t ms = -2;  // an arena not initialised answers nothing
            len = sizeof ms;
            const std::string name = "arena." + std::to_string(i) + ".dirty_decay_ms";
            (void)mallctl(name.c_str(), &ms, &len, nullptr, 0);
            out.push_back(ms);
        }
        return out;
    };
    const std::vector<ssize_t> arenas_before = all();
    const ssize_t before = decay("arenas.dirty_decay_ms");
    ASSERT_GE(before, 0);  // jemalloc's default (10 s) unless MALLOC_CONF says otherwise
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        populate(**s, clock, 0, 50);
    }
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE((*s)->stats().loaded_from_live_image);
    EXPECT_EQ(decay("arenas.dirty_decay_ms"), before);
    EXPECT_EQ(decay("arena.0.dirty_decay_ms"), before);
    // Overlapping holds (stores opened at once), the first one ending first: the time comes
    // back when the last one ends, not the "never" the second one found.
    auto first = std::make_unique<LoadMemoryHold>();
    EXPECT_EQ(decay("arena.0.dirty_decay_ms"), -1);
    auto second = std::make_unique<LoadMemoryHold>();
    first.reset();
    EXPECT_EQ(decay("arena.0.dirty_decay_ms"), -1);
    second.reset();
    EXPECT_EQ(decay("arenas.dirty_decay_ms"), before);
    const std::vector<ssize_t> arenas_after = all();
    for (std::size_t i = 0; i < arenas_before.size(); ++i) {
        if (arenas_before[i] != -2) {
            EXPECT_EQ(arenas_after[i], arenas_before[i]) << "arena " << i;
        }
    }
#endif
}

// The VmFlags line of the mapping that holds `p` (/proc/self/smaps), "" when not found.
std::string mappingFlags(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        unsigned long lo = 0;
        unsigned long hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 8) {
            inside = addr >= lo && addr < hi;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return line;
        }
    }
    return "";
}

// While a hold is alive, memory jemalloc maps anew is advised for huge pages ("hg"); when the
// last hold ends it is un-advised ("nh": what jemalloc keeps of it serves later allocations),
// and memory mapped after the hold is not advised: the rest of the process keeps 4 KiB pages.
TEST(LiveImage, LoadMemoryHoldAdvisesHugePagesOnlyWhileAlive) {
#ifndef SKYDIVE_JEMALLOC
    GTEST_SKIP() << "a sanitizer build: no jemalloc to hook";
#else
    {
        std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
        std::string mode;
        std::getline(f, mode);
        if (mode.find("[madvise]") == std::string::npos)
            GTEST_SKIP() << "THP mode is not madvise (" << mode << "): the hold advises nothing";
    }
    // Larger than anything this process freed before: each is a fresh mapping.
    constexpr std::size_t kSize = std::size_t{256} << 20;
    void* during = nullptr;
    std::string flags_during;
    {
        const LoadMemoryHold hold;
        during = std::malloc(kSize);
        ASSERT_NE(during, nullptr);
        std::memset(during, 1, kSize);  // RSS is the point of it: touch it as a load would
        flags_during = mappingFlags(during);
    }
    const std::string flags_once_ended = mappingFlags(during);
    void* after = std::malloc(kSize);
    ASSERT_NE(after, nullptr);
    std::memset(after, 1, kSize);
    const std::string flags_after = mappingFlags(after);
    std::free(during);
    std::free(after);
    EXPECT_NE(flags_during.find(" hg"), std::string::npos) << flags_during;
    EXPECT_EQ(flags_once_ended.find(" hg"), std::string::npos) << flags_once_ended;
    EXPECT_NE(flags_once_ended.find(" nh"), std::string::npos) << flags_once_ended;
    EXPECT_EQ(flags_after.find(" hg"), std::string::npos) << flags_after;
    EXPECT_NE(flags_after, "");
#endif
}

// The hold's hooks are on the arenas only while a hold is alive. Left in place, they made
// jemalloc take its path for foreign hooks, and a thread freeing views while others ran
// deadlocked on an arena mutex it already held (ADR 014, 2026-11-28).
TEST(LiveImage, LoadMemoryHoldPutsJemallocsHooksBack) {
#ifndef SKYDIVE_JEMALLOC
    GTEST_SKIP() << "a sanitizer build: no jemalloc to hook";
#else
    auto hooks = [] {
        void* h = nullptr;
        std::size_t len = sizeof h;
        EXPECT_EQ(mallctl("arena.0.extent_hooks", &h, &len, nullptr, 0), 0);
        return h;
    };
    void* const before = hooks();
    void* during = nullptr;
    {
        const LoadMemoryHold hold;
        during = hooks();
    }
    EXPECT_NE(during, before);  // installed for the hold
    EXPECT_EQ(hooks(), before);
    {
        const LoadMemoryHold again;  // a later load gets them again
        EXPECT_EQ(hooks(), during);
    }
    EXPECT_EQ(hooks(), before);
#endif
}

}  // namespace
}  // namespace skydive::store

namespace skydive::store {
namespace {

bool hasPhase(const Store::Stats& st, const std::string& name) {
    for (const auto& [n, ms] : st.open_phases_ms)
        if (n == name) return true;
    return false;
}

// A checkpoint writes live.image with the checkpoint as its base. After a crash (the image of
// the last checkpoint is the newest file) the next open reads it plus the timeline after the
// checkpoint, with updates, deletions and new elements in that tail.
TEST(LiveImage, CrashRestartUsesCheckpointImagePlusTail) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    std::string path = dir.path() + "/live.image";
    std::string saved = dir.path() + "/checkpoint.image";
    model::Graph after;
    {
        auto s = Store::open(o, clock);
        populate(**s, clock, 0, 200);
        ASSERT_TRUE((*s)->checkpoint());
        std::filesystem::copy_file(path, saved);
        populate(**s, clock, 200, 260);  // new nodes and edges, deletions
        ASSERT_TRUE((*s)->setNodeMetadata("n10", "MTU", 9000));
        ASSERT_TRUE((*s)->deleteNode("n30"));
        after = everything(**s);
    }
    // As after kill -9 past the checkpoint: no shutdown image, the checkpoint's one is there.
    std::filesystem::copy_file(saved, path, std::filesystem::copy_options::overwrite_existing);
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        EXPECT_TRUE((*s)->stats().loaded_from_live_image);
        EXPECT_TRUE(hasPhase((*s)->stats(), "image_tail"));
        EXPECT_EQ(everything(**s), after);
        std::size_t hits = 0;
        (*s)->live()->nodesByValue("Name", model::Value("eth259"),
                                   [&](model::NodeHandle) { return ++hits, true; });
        EXPECT_EQ(hits, 1u);
    }
    // Late data deletes the checkpoint: its image is refused, the RocksDB path answers.
    std::filesystem::copy_file(saved, path, std::filesystem::copy_options::overwrite_existing);
    {
        auto s = Store::open(o, clock);
        model::Node late;
        late.id = "late";
        late.created_at = late.updated_at = 1001;  // before the checkpoint
        ASSERT_TRUE((*s)->addNode(late));
        after = everything(**s);
    }
    std::filesystem::copy_file(saved, path, std::filesystem::copy_options::overwrite_existing);
    auto s = Store::open(o, clock);
    EXPECT_FALSE((*s)->stats().loaded_from_live_image);
    EXPECT_EQ(everything(**s), after);
}

}  // namespace
}  // namespace skydive::store
