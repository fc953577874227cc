#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace skydive::store {

/// While alive, the allocator keeps the pages of freed memory instead of returning them to the
/// system (jemalloc's dirty decay set to "never" on every arena, and for arenas created
/// meanwhile); the previous decay times are restored at destruction, and what was kept is then
/// returned over the usual decay time. Holds may overlap (stores opened at once): the time is
/// put back when the last one ends.
///
/// For the bulk load of open(): its intermediate lists are freed and the next stage allocates
/// as much again. Returned pages cost a page fault per 4 KiB when touched again (~14 µs under
/// some hypervisors): at 1M nodes, 720k faults instead of 440k (ADR 014, fifth round).
/// A no-op when the process does not allocate through jemalloc (found at run time).
class FreedMemoryHold {
public:
    FreedMemoryHold();
    ~FreedMemoryHold();
    FreedMemoryHold(const FreedMemoryHold&) = delete;
    FreedMemoryHold& operator=(const FreedMemoryHold&) = delete;

private:
    using Ctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
    void set(ssize_t ms, const std::vector<ssize_t>* each) const;

    Ctl ctl_ = nullptr;  // null: nothing held (no jemalloc)
};

}  // namespace skydive::store
