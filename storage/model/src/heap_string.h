#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace skydive::model::detail {

/// Header of a shared string block (long `Str`s, `Value` strings); the bytes follow
/// it in the same allocation.
struct HeapString {
    std::atomic<std::uint32_t> refs;
    std::uint32_t size;
    char* data() { return reinterpret_cast<char*>(this + 1); }

    static HeapString* make(std::string_view s) {
        void* mem = std::malloc(sizeof(HeapString) + s.size());
        if (mem == nullptr) throw std::bad_alloc();
        auto* h = new (mem) HeapString{{1}, static_cast<std::uint32_t>(s.size())};
        std::memcpy(h->data(), s.data(), s.size());
        return h;
    }
    void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
    void release() {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            this->~HeapString();
            std::free(this);
        }
    }
};

}  // namespace skydive::model::detail
