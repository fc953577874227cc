#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace skydive::store {

/// The allocator's settings for the bulk load of open(), while alive:
/// - Freed memory keeps its pages instead of going back to the system (jemalloc's dirty decay
///   set to "never" on every arena, and for arenas created meanwhile). The load's intermediate
///   lists are freed and the next stage allocates as much again; returned pages cost a page
///   fault per 4 KiB when touched again (~14 µs under some hypervisors): at 1M nodes, 720k
///   faults instead of 440k (ADR 014, fifth round).
/// - Memory jemalloc maps meanwhile, in extents of 2 MiB or more, is mapped 2 MiB-aligned and
///   advised for transparent huge pages (MADV_HUGEPAGE): one fault per 2 MiB instead of 512.
///   Done through extent hooks installed on every arena at the first hold; they pass through
///   to jemalloc's own hooks and only advise while a hold is alive, and the last hold to end
///   un-advises what was advised (huge pages in place stay), so later allocations, in what
///   jemalloc kept, get 4 KiB pages (an idle process with huge pages everywhere has twice the
///   RSS). Advises only under the kernel's THP mode "madvise" (ADR 014, sixth round).
/// At destruction the previous decay times are restored, and what was kept is then returned
/// over the usual decay time. Holds may overlap (stores opened at once): the settings are put
/// back when the last one ends.
/// A no-op when the process does not allocate through jemalloc (found at run time).
class LoadMemoryHold {
public:
    LoadMemoryHold();
    ~LoadMemoryHold();
    LoadMemoryHold(const LoadMemoryHold&) = delete;
    LoadMemoryHold& operator=(const LoadMemoryHold&) = delete;

private:
    using Ctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
    void set(ssize_t ms, const std::vector<ssize_t>* each) const;

    Ctl ctl_ = nullptr;  // null: nothing held (no jemalloc)
};

}  // namespace skydive::store
