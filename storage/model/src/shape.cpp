// Interned object shapes (ADR 002): one table of live key lists, a per-thread transition cache.
#include <array>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

#include "object_block.h"
#include "rec_format.h"

namespace skydive::model::detail {

namespace {

std::size_t hashKeys(const Str* keys, std::size_t n) {
    std::size_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (std::size_t i = 0; i < n; ++i) h = (h ^ StrHash{}(keys[i].view())) * 0x100000001b3ULL;
    return h;
}

bool sameKeys(const Shape* s, const Str* keys, std::size_t n) {
    if (s->size != n) return false;
    for (std::size_t i = 0; i < n; ++i)
        if (s->keys()[i].view() != keys[i].view()) return false;
    return true;
}

void destroyShape(Shape* s) noexcept {
    for (std::uint32_t i = 0; i < s->size; ++i) s->keys()[i].~Str();
    s->~Shape();
    ::operator delete(s);
}

// The interned shapes by hash. It holds no reference: a shape whose count reached 0 is skipped
// by lookups and removed (by pointer) by the thread that released it. Never destroyed, because
// objects in static storage may release their shapes after static destruction began.
struct Table {
    std::mutex mu;
    std::unordered_multimap<std::size_t, Shape*> shapes;
};
Table& table() {
    static Table* t = new Table;
    return *t;
}

bool tryRetain(Shape* s) noexcept {
    std::uint32_t r = s->refs.load(std::memory_order_relaxed);
    while (r != 0)
        if (s->refs.compare_exchange_weak(r, r + 1, std::memory_order_acq_rel)) return true;
    return false;
}

// Recent shape transitions of this thread: (shape, added key) → shape. Each slot holds a
// reference to both shapes, so a hit is a pointer and key comparison, and the intermediate
// shapes of an object built key by key stay alive for the next object built the same way.
struct Transition {
    Shape* from = nullptr;
    Shape* to = nullptr;
    Str key;
    bool used = false;
};
struct TransitionCache {
    std::array<Transition, 64> slots;
    ~TransitionCache() {
        for (Transition& t : slots) {
            if (!t.used) continue;
            releaseShape(t.from);
            releaseShape(t.to);
        }
    }
};
thread_local TransitionCache t_cache;

// Shapes this thread interned recently, by hash: a decoder finishing an object with a common
// key set finds its shape here without taking the table lock. Each slot holds a reference.
struct InternCache {
    std::array<Shape*, 64> slots{};
    ~InternCache() {
        for (Shape* s : slots) releaseShape(s);
    }
};
thread_local InternCache t_interned;

}  // namespace

void retainShape(Shape* s) noexcept {
    if (s) s->refs.fetch_add(1, std::memory_order_relaxed);
}

void releaseShape(Shape* s) noexcept {
    if (s == nullptr || s->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (s->interned) {
        Table& t = table();
        std::lock_guard lock(t.mu);
        auto [it, end] = t.shapes.equal_range(s->hash);
        for (; it != end; ++it) {
            if (it->second == s) {
                t.shapes.erase(it);
                break;
            }
        }
    }
    destroyShape(s);
}

Shape* privateShape(std::size_t capacity, std::size_t extra) {
    void* mem = ::operator new(sizeof(Shape) + capacity * sizeof(Str) + extra);
    auto* s = new (mem) Shape;
    s->capacity = static_cast<std::uint32_t>(capacity);
    return s;
}

Shape* clonePrivate(const Shape* s, std::size_t capacity) {
    Shape* c = privateShape(std::max<std::size_t>(capacity, s->size));
    for (std::uint32_t i = 0; i < s->size; ++i) new (&c->keys()[i]) Str(s->keys()[i]);
    c->size = s->size;
    c->unsorted = s->unsorted;
    return c;
}

namespace {

Shape* lookupOrAdd(const Str* keys, std::size_t n, std::size_t h) {
    Table& t = table();
    std::lock_guard lock(t.mu);
    auto [it, end] = t.shapes.equal_range(h);
    for (; it != end; ++it)
        if (sameKeys(it->second, keys, n) && tryRetain(it->second)) return it->second;
    // The packed key list follows the keys in the shape's own block: one copy per revision
    // written, instead of a varint and a copy per key (ADR 015, twenty-fifth round).
    std::size_t packed = varintSize(n);
    for (std::size_t i = 0; i < n; ++i) packed += varintSize(keys[i].size()) + keys[i].size();
    Shape* s = privateShape(n, packed);
    for (std::size_t i = 0; i < n; ++i) new (&s->keys()[i]) Str(keys[i]);
    s->size = static_cast<std::uint32_t>(n);
    char* p = const_cast<char*>(s->packedKeys());
    p = writeVarint(p, n);
    for (std::size_t i = 0; i < n; ++i) {
        p = writeVarint(p, keys[i].size());
        std::memcpy(p, keys[i].view().data(), keys[i].size());
        p += keys[i].size();
    }
    s->packed_keys_size = static_cast<std::uint32_t>(packed);
    s->interned = true;
    s->hash = h;
    t.shapes.emplace(h, s);
    return s;
}

}  // namespace

Shape* internShape(const Str* keys, std::size_t n) {
    if (n == 0) return nullptr;
    std::size_t h = hashKeys(keys, n);
    Shape*& cached = t_interned.slots[h % t_interned.slots.size()];
    if (cached != nullptr && cached->hash == h && sameKeys(cached, keys, n)) {
        retainShape(cached);  // the cache's reference keeps it alive
        return cached;
    }
    Shape* found = lookupOrAdd(keys, n, h);
    retainShape(found);
    releaseShape(std::exchange(cached, found));
    return found;
}

Shape* shapeWithKey(Shape* s, std::size_t pos, std::string_view key) {
    bool cacheable = s == nullptr || s->interned;
    Transition* slot = nullptr;
    if (cacheable) {
        std::size_t h = StrHash{}(key) ^ (reinterpret_cast<std::uintptr_t>(s) >> 4);
        slot = &t_cache.slots[h % t_cache.slots.size()];
        if (slot->used && slot->from == s && slot->key.view() == key) {
            retainShape(slot->to);
            return slot->to;
        }
    }
    std::size_t n = s ? s->size : 0;
    std::vector<Str> keys;
    keys.reserve(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == pos) keys.emplace_back(key);
        keys.push_back(s->keys()[i]);
    }
    if (pos >= n) keys.emplace_back(key);
    Shape* to = internShape(keys.data(), keys.size());
    if (slot != nullptr) {
        if (slot->used) {
            releaseShape(slot->from);
            releaseShape(slot->to);
        }
        retainShape(s);
        retainShape(to);
        *slot = Transition{s, to, Str(key), true};
    }
    return to;
}

Shape* shapeWithoutKey(Shape* s, std::size_t pos) {
    std::vector<Str> keys;
    keys.reserve(s->size);
    for (std::size_t i = 0; i < s->size; ++i)
        if (i != pos) keys.push_back(s->keys()[i]);
    return internShape(keys.data(), keys.size());
}

std::size_t internedShapeCount() {
    Table& t = table();
    std::lock_guard lock(t.mu);
    return t.shapes.size();
}

}  // namespace skydive::model::detail

namespace skydive::model {
std::size_t internedShapeCount() {
    return detail::internedShapeCount();
}
}  // namespace skydive::model
