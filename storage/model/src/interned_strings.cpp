// The Host/Origin intern table of the flat records (ADR 002 eighth round). Append-only: a
// string is never removed, so `get` reads two atomic pointers and takes no lock. Entries are
// bounded (count and length), so the table is at most 64k x 128 bytes even under hostile input.
#include <skydive/model/node_rec.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace skydive::model {

namespace {

constexpr std::size_t kChunkBits = 8;
constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
constexpr std::size_t kChunks = InternedStrings::kMaxInterned / kChunkSize;

using Chunk = std::array<std::atomic<const std::string*>, kChunkSize>;

struct Table {
    std::mutex mu;
    std::unordered_map<std::string_view, std::uint32_t, StrHash, std::equal_to<>> ids;
    std::array<std::atomic<Chunk*>, kChunks> chunks{};
    std::atomic<std::uint32_t> count{0};
};

Table& table() {
    // Never destroyed: records may be read by threads still running at exit.
    static Table* t = new Table;
    return *t;
}

// The last strings this thread interned: most writers see one host and one origin.
struct Recent {
    static constexpr std::size_t kSize = 4;
    std::array<std::string, kSize> strings;
    std::array<std::uint32_t, kSize> ids{};
    std::size_t used = 0;
    std::size_t next = 0;
};
thread_local Recent t_recent;

std::uint32_t internLocked(Table& t, std::string_view s) {
    std::lock_guard lock(t.mu);
    if (auto it = t.ids.find(s); it != t.ids.end()) return it->second;
    std::uint32_t id = t.count.load(std::memory_order_relaxed);
    if (id >= InternedStrings::kMaxInterned) return InternedStrings::kNone;
    auto* str = new std::string(s);  // lives as long as the process
    std::size_t c = id >> kChunkBits;
    Chunk* chunk = t.chunks[c].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
        chunk = new Chunk{};
        t.chunks[c].store(chunk, std::memory_order_release);
    }
    (*chunk)[id & (kChunkSize - 1)].store(str, std::memory_order_release);
    t.ids.emplace(std::string_view(*str), id);
    t.count.store(id + 1, std::memory_order_release);
    return id;
}

}  // namespace

std::uint32_t InternedStrings::intern(std::string_view s) {
    if (s.size() > kMaxInternedLength) return kNone;
    Recent& r = t_recent;
    for (std::size_t i = 0; i < r.used; ++i)
        if (r.strings[i] == s) return r.ids[i];
    std::uint32_t id = internLocked(table(), s);
    if (id == kNone) return kNone;
    r.strings[r.next].assign(s);
    r.ids[r.next] = id;
    r.next = (r.next + 1) % Recent::kSize;
    if (r.used < Recent::kSize) ++r.used;
    return id;
}

std::string_view InternedStrings::get(std::uint32_t id) noexcept {
    Chunk* chunk = table().chunks[id >> kChunkBits].load(std::memory_order_acquire);
    return *(*chunk)[id & (kChunkSize - 1)].load(std::memory_order_acquire);
}

std::size_t InternedStrings::size() noexcept {
    return table().count.load(std::memory_order_acquire);
}

}  // namespace skydive::model
