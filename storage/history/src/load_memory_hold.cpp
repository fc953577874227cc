#include "load_memory_hold.h"

#include <dlfcn.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace skydive::store {

namespace {

using Ctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);  // mallctl

// The default of arenas created later (loader threads may get new ones).
constexpr const char* kNewArenas = "arenas.dirty_decay_ms";

// The name of arena i's setting `leaf`, e.g. "arena.3.dirty_decay_ms".
std::string arenaSetting(unsigned i, const char* leaf) {
    return "arena." + std::to_string(i) + "." + leaf;
}

// How many arenas there are (initialised or not); 0 when jemalloc does not say.
unsigned arenaCount(Ctl ctl) {
    unsigned n = 0;
    std::size_t len = sizeof n;
    return ctl("arenas.narenas", &n, &len, nullptr, 0) == 0 ? n : 0;
}

// Holds alive in the process (stores opened at once): the first saves the decay times and sets
// "never", the last puts the saved times back.
struct Holders {
    std::mutex mu;
    int count = 0;
    ssize_t saved_default = 0;
    // Each arena's own time, which may differ from the default (jemalloc's arena of huge
    // allocations purges at once); -2: an arena not initialised then.
    std::vector<ssize_t> saved;
};
Holders& holders() {
    static Holders h;
    return h;
}

// jemalloc's extent_hooks_t (jemalloc(3), "arena.<i>.extent_hooks"): nine function pointers,
// each taking the table first. Declared here so that the library needs no jemalloc header.
struct ExtentHooks {
    void* (*alloc)(ExtentHooks*, void*, std::size_t, std::size_t, bool*, bool*, unsigned);
    bool (*dalloc)(ExtentHooks*, void*, std::size_t, bool, unsigned);
    void (*destroy)(ExtentHooks*, void*, std::size_t, bool, unsigned);
    bool (*commit)(ExtentHooks*, void*, std::size_t, std::size_t, std::size_t, unsigned);
    bool (*decommit)(ExtentHooks*, void*, std::size_t, std::size_t, std::size_t, unsigned);
    bool (*purge_lazy)(ExtentHooks*, void*, std::size_t, std::size_t, std::size_t, unsigned);
    bool (*purge_forced)(ExtentHooks*, void*, std::size_t, std::size_t, std::size_t, unsigned);
    bool (*split)(ExtentHooks*, void*, std::size_t, std::size_t, std::size_t, bool, unsigned);
    bool (*merge)(ExtentHooks*, void*, std::size_t, void*, std::size_t, bool, unsigned);
};

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// A mapping advised during holds, to be un-advised when the last one ends.
struct AdvisedRange {
    std::atomic<std::uintptr_t> addr{0};  // 0: not written yet, or already un-advised
    std::atomic<std::size_t> size{0};
};
// Far more than a load makes: jemalloc grows its mappings by increasing steps (~30 for a
// 1 GiB heap per arena). Past it, ranges stay advised.
constexpr std::size_t kMaxAdvised = 4096;

// jemalloc's own hooks with `alloc` wrapped. Installed once on every arena and never removed
// (jemalloc keeps the pointer, arenas' metadata too); the other hooks are jemalloc's, which do
// not read the table they are given.
struct HugePageHooks {
    ExtentHooks table{};  // first: the pointer jemalloc passes back is this object's
    ExtentHooks* own = nullptr;
    std::atomic<int> advising{0};  // holds alive
    bool thp_madvise = false;      // the kernel's THP mode: set once, before the hooks are in
    bool installed = false;        // under Holders::mu
    std::atomic<std::size_t> advised{0};
    std::array<AdvisedRange, kMaxAdvised> ranges;

    void record(void* p, std::size_t size) noexcept {
        const std::size_t i = advised.fetch_add(1, std::memory_order_relaxed);
        if (i >= kMaxAdvised) return;
        ranges[i].size.store(size, std::memory_order_relaxed);
        ranges[i].addr.store(reinterpret_cast<std::uintptr_t>(p), std::memory_order_release);
    }
    // When the last hold ends: jemalloc keeps what a load mapped and did not use (and what it
    // frees) for later allocations, which must not get huge pages (an idle process's RSS).
    // Huge pages already in place stay. A range recorded by an allocation racing with this
    // stays advised.
    void unadviseAll() noexcept {
        const std::size_t n = std::min(advised.exchange(0), kMaxAdvised);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uintptr_t a = ranges[i].addr.exchange(0, std::memory_order_acquire);
            if (a != 0)
                (void)::madvise(reinterpret_cast<void*>(a), ranges[i].size.load(), MADV_NOHUGEPAGE);
        }
    }
};
HugePageHooks& hugePageHooks() {
    static HugePageHooks h;
    return h;
}

void* allocAdvised(ExtentHooks*, void* new_addr, std::size_t size, std::size_t alignment,
                   bool* zero, bool* commit, unsigned arena) {
    HugePageHooks& h = hugePageHooks();
    const bool advise = size >= kHugePage && h.advising.load(std::memory_order_relaxed) > 0;
    // Aligned, a mapping of n x 2 MiB is n huge pages; unaligned, one fewer. An address asked
    // for (growing an extent in place) is taken as it is.
    if (advise && new_addr == nullptr) alignment = std::max(alignment, kHugePage);
    void* p = h.own->alloc(h.own, new_addr, size, alignment, zero, commit, arena);
    if (p != nullptr && advise && h.thp_madvise && ::madvise(p, size, MADV_HUGEPAGE) == 0)
        h.record(p, size);
    return p;
}

// Whether the kernel gives huge pages to advised mappings only ("madvise"). Under "always"
// they come unasked (the hooks' alignment still helps), under "never" not at all.
bool thpModeIsMadvise() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    return std::getline(f, line) && line.find("[madvise]") != std::string::npos;
}

// Whether `p` lies in the same loaded object as `q` (jemalloc's hooks in jemalloc).
bool sameObject(const void* p, const void* q) {
    Dl_info a{};
    Dl_info b{};
    return ::dladdr(p, &a) != 0 && ::dladdr(q, &b) != 0 && a.dli_fbase == b.dli_fbase;
}

bool optionSet(Ctl ctl, const char* name) {
    std::size_t v = 0;
    std::size_t len = sizeof v;
    return ctl(name, &v, &len, nullptr, 0) == 0 && v != 0;
}

// The hook table `name` ("arena.<i>.extent_hooks") points at; nullptr when jemalloc does not
// say (an arena not initialised).
ExtentHooks* hooksAt(Ctl ctl, const std::string& name) {
    ExtentHooks* current = nullptr;
    std::size_t len = sizeof current;
    return ctl(name.c_str(), static_cast<void*>(&current), &len, nullptr, 0) == 0 ? current
                                                                                  : nullptr;
}

// REQUIRES: Holders::mu held.
void installHugePageHooks(Ctl ctl) {
    HugePageHooks& h = hugePageHooks();
    if (h.installed) return;
    h.installed = true;  // one attempt per load (removeHugePageHooks resets it)
    h.own = hooksAt(ctl, "arena.0.extent_hooks");
    if (h.own == nullptr || h.own->alloc == nullptr ||
        !sameObject(reinterpret_cast<const void*>(h.own->alloc),
                    reinterpret_cast<const void*>(ctl)))
        return;  // not jemalloc's own hooks: someone else's, which ours must not wrap
    // Guard pages are removed through a hook that custom tables lack: with them configured,
    // an extent guarded before the switch would keep its guards.
    if (optionSet(ctl, "opt.san_guard_large") || optionSet(ctl, "opt.san_guard_small")) return;
    if (h.table.alloc == nullptr) {  // once: a later load reinstalls the same table
        h.thp_madvise = thpModeIsMadvise();
        h.table = *h.own;
        h.table.alloc = allocAdvised;
    }
    // The arena of huge allocations exists only once one was made: make one, so that it gets
    // the hooks too (the load's largest lists are such allocations).
    void* volatile probe = std::malloc(16u << 20);  // volatile: not elided with its free
    std::free(probe);
    ExtentHooks* mine = &h.table;
    // Writing an automatic arena's hooks also creates it when no thread has used it yet: the
    // load's new threads are given such arenas. An arena with hooks of someone else's is left
    // alone (ours pass through to jemalloc's own only).
    for (unsigned i = 0, n = arenaCount(ctl); i < n; ++i) {
        const std::string name = arenaSetting(i, "extent_hooks");
        // A thread creating the arena meanwhile makes the write a no-op: read back, retry.
        for (int attempt = 0; attempt < 3 && hooksAt(ctl, name) == h.own; ++attempt)
            (void)ctl(name.c_str(), nullptr, nullptr, static_cast<void*>(&mine), sizeof mine);
    }
}

// REQUIRES: Holders::mu held. Puts jemalloc's own table back on every arena that has ours,
// when the last hold ends. With ours in place, jemalloc takes its path for foreign hooks: a
// thread freeing views while others ran deadlocked on an arena mutex it already held (ADR 014,
// 2026-11-28). Our table stays valid (static) for a call still running in it.
void removeHugePageHooks(Ctl ctl) {
    HugePageHooks& h = hugePageHooks();
    if (!h.installed) return;
    h.installed = false;
    if (h.own == nullptr) return;
    ExtentHooks* mine = &h.table;
    for (unsigned i = 0, n = arenaCount(ctl); i < n; ++i) {
        const std::string name = arenaSetting(i, "extent_hooks");
        if (hooksAt(ctl, name) == mine)
            (void)ctl(name.c_str(), nullptr, nullptr, static_cast<void*>(&h.own), sizeof h.own);
    }
}

}  // namespace

LoadMemoryHold::LoadMemoryHold() {
    // Looked up rather than linked: the library does not choose the process's allocator.
    auto ctl = reinterpret_cast<Ctl>(::dlsym(RTLD_DEFAULT, "mallctl"));
    if (ctl == nullptr) return;
    Holders& h = holders();
    std::lock_guard l(h.mu);
    if (h.count == 0) {
        installHugePageHooks(ctl);  // first: the arenas it creates get their decay saved too
        std::size_t len = sizeof(ssize_t);
        const unsigned narenas = arenaCount(ctl);
        if (ctl(kNewArenas, &h.saved_default, &len, nullptr, 0) != 0 || narenas == 0) return;
        h.saved.assign(narenas, -2);
        for (unsigned i = 0; i < narenas; ++i) {
            len = sizeof(ssize_t);
            (void)ctl(arenaSetting(i, "dirty_decay_ms").c_str(), &h.saved[i], &len, nullptr, 0);
        }
        ctl_ = ctl;  // set() calls through it
        set(-1, nullptr);
    }
    ctl_ = ctl;  // this hold counts (the first one set the times above)
    ++h.count;
    hugePageHooks().advising.fetch_add(1, std::memory_order_relaxed);
}

LoadMemoryHold::~LoadMemoryHold() {
    if (ctl_ == nullptr) return;
    Holders& h = holders();
    std::lock_guard l(h.mu);
    hugePageHooks().advising.fetch_sub(1, std::memory_order_relaxed);
    if (--h.count == 0) {
        removeHugePageHooks(ctl_);
        hugePageHooks().unadviseAll();
        set(h.saved_default, &h.saved);
    }
}

// Each arena in turn: jemalloc 5.3 does not take its "all arenas" index for decay times (it
// reads past its arena table). Arena i gets (*each)[i] when it had a time of its own, else
// `ms`; arenas not initialised refuse, and get the new default.
void LoadMemoryHold::set(ssize_t ms, const std::vector<ssize_t>* each) const {
    (void)ctl_(kNewArenas, nullptr, nullptr, &ms, sizeof ms);
    for (unsigned i = 0, n = arenaCount(ctl_); i < n; ++i) {
        ssize_t v = each != nullptr && i < each->size() && (*each)[i] >= -1 ? (*each)[i] : ms;
        (void)ctl_(arenaSetting(i, "dirty_decay_ms").c_str(), nullptr, nullptr, &v, sizeof v);
    }
}

}  // namespace skydive::store
