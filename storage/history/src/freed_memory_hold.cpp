#include "freed_memory_hold.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace skydive::store {

namespace {

// The default of arenas created later (loader threads may get new ones).
constexpr const char* kNewArenas = "arenas.dirty_decay_ms";

// Holds alive in the process (stores opened at once): the first saves the decay time and sets
// "never", the last puts the saved time back.
struct Holders {
    std::mutex mu;
    int count = 0;
    ssize_t saved_ms = 0;
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
        if (ctl(kNewArenas, &h.saved_ms, &len, nullptr, 0) != 0) return;
        ctl_ = ctl;
        setAll(-1);
    }
    ctl_ = ctl;
    ++h.count;
}

FreedMemoryHold::~FreedMemoryHold() {
    if (ctl_ == nullptr) return;
    Holders& h = holders();
    std::lock_guard l(h.mu);
    if (--h.count == 0) setAll(h.saved_ms);
}

// Each arena in turn: jemalloc 5.3 does not take its "all arenas" index for decay times (it
// reads past its arena table). Arenas not yet initialised refuse, and get the new default.
void FreedMemoryHold::setAll(ssize_t ms) const {
    (void)ctl_(kNewArenas, nullptr, nullptr, &ms, sizeof ms);
    unsigned narenas = 0;
    std::size_t len = sizeof narenas;
    if (ctl_("arenas.narenas", &narenas, &len, nullptr, 0) != 0) return;
    for (unsigned i = 0; i < narenas; ++i) {
        const std::string name = "arena." + std::to_string(i) + ".dirty_decay_ms";
        (void)ctl_(name.c_str(), nullptr, nullptr, &ms, sizeof ms);
    }
}

}  // namespace skydive::store
