#include "freed_memory_hold.h"

#include <dlfcn.h>

#include <mutex>
#include <string>
#include <vector>

namespace skydive::store {

namespace {

// The default of arenas created later (loader threads may get new ones).
constexpr const char* kNewArenas = "arenas.dirty_decay_ms";

std::string arenaDecay(unsigned i) {
    return "arena." + std::to_string(i) + ".dirty_decay_ms";
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

}  // namespace

FreedMemoryHold::FreedMemoryHold() {
    // Looked up rather than linked: the library does not choose the process's allocator.
    auto ctl = reinterpret_cast<Ctl>(::dlsym(RTLD_DEFAULT, "mallctl"));
    if (ctl == nullptr) return;
    Holders& h = holders();
    std::lock_guard l(h.mu);
    if (h.count == 0) {
        std::size_t len = sizeof(ssize_t);
        unsigned narenas = 0;
        std::size_t nlen = sizeof narenas;
        if (ctl(kNewArenas, &h.saved_default, &len, nullptr, 0) != 0 ||
            ctl("arenas.narenas", &narenas, &nlen, nullptr, 0) != 0)
            return;
        h.saved.assign(narenas, -2);
        for (unsigned i = 0; i < narenas; ++i) {
            len = sizeof(ssize_t);
            (void)ctl(arenaDecay(i).c_str(), &h.saved[i], &len, nullptr, 0);
        }
        ctl_ = ctl;  // set() calls through it
        set(-1, nullptr);
    }
    ctl_ = ctl;  // this hold counts (the first one set the times above)
    ++h.count;
}

FreedMemoryHold::~FreedMemoryHold() {
    if (ctl_ == nullptr) return;
    Holders& h = holders();
    std::lock_guard l(h.mu);
    if (--h.count == 0) set(h.saved_default, &h.saved);
}

// Each arena in turn: jemalloc 5.3 does not take its "all arenas" index for decay times (it
// reads past its arena table). Arena i gets (*each)[i] when it had a time of its own, else
// `ms`; arenas not initialised refuse, and get the new default.
void FreedMemoryHold::set(ssize_t ms, const std::vector<ssize_t>* each) const {
    (void)ctl_(kNewArenas, nullptr, nullptr, &ms, sizeof ms);
    unsigned narenas = 0;
    std::size_t len = sizeof narenas;
    if (ctl_("arenas.narenas", &narenas, &len, nullptr, 0) != 0) return;
    for (unsigned i = 0; i < narenas; ++i) {
        ssize_t v = each != nullptr && i < each->size() && (*each)[i] >= -1 ? (*each)[i] : ms;
        (void)ctl_(arenaDecay(i).c_str(), nullptr, nullptr, &v, sizeof v);
    }
}

}  // namespace skydive::store
