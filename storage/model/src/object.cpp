// model::Object: a shared key list (shape) plus one block of values (ADR 002).
#include <algorithm>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "object_block.h"

namespace skydive::model {

using detail::ObjectBlock;
using detail::Shape;

namespace detail {

namespace {

ObjectBlock* allocBlock(std::size_t capacity) {
    void* mem = ::operator new(sizeof(ObjectBlock) + capacity * sizeof(Value));
    auto* b = new (mem) ObjectBlock;
    b->capacity = static_cast<std::uint32_t>(capacity);
    return b;
}

void freeBlock(ObjectBlock* b) noexcept {
    b->~ObjectBlock();
    ::operator delete(b);
}

}  // namespace

void retainObjectBlock(ObjectBlock* b) noexcept {
    if (b) b->refs.fetch_add(1, std::memory_order_relaxed);
}

void releaseObjectBlock(ObjectBlock* b) noexcept {
    if (b == nullptr || b->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    for (std::uint32_t i = 0; i < b->size(); ++i) b->values()[i].~Value();
    releaseShape(b->shape);
    freeBlock(b);
}

}  // namespace detail

Object::Object(std::initializer_list<Entry> entries) {
    std::vector<Entry> v(entries);
    rebuildFrom(v);
}

Object::Object(const Object& other) noexcept : block_(other.block_) {
    detail::retainObjectBlock(block_);
}

Object& Object::operator=(const Object& other) noexcept {
    detail::retainObjectBlock(other.block_);
    detail::releaseObjectBlock(block_);
    block_ = other.block_;
    return *this;
}

Object& Object::operator=(Object&& other) noexcept {
    if (this != &other) {
        detail::releaseObjectBlock(block_);
        block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
}

Object::~Object() {
    detail::releaseObjectBlock(block_);
}

std::size_t Object::size() const noexcept {
    return block_ ? block_->size() : 0;
}

const Str* Object::keys() const noexcept {
    return block_ && block_->shape ? block_->shape->keys() : nullptr;
}

const Value* Object::values() const noexcept {
    return block_ ? block_->values() : nullptr;
}

void Object::prefetchValues() const noexcept {
    if (block_ == nullptr) return;
    const Value* v = block_->values();
    for (std::uint32_t i = 0, n = block_->size(); i < n; ++i) v[i].prefetch();
}

Value* Object::mutableValues() noexcept {
    return block_ ? block_->values() : nullptr;
}

std::size_t Object::indexOf(std::string_view key, bool& found) const noexcept {
    const Str* k = keys();
    std::size_t n = size();
    const Str* it = std::lower_bound(k, k + n, key,
                                     [](const Str& s, std::string_view q) { return s.view() < q; });
    std::size_t i = static_cast<std::size_t>(it - k);
    found = i < n && k[i].view() == key;
    return i;
}

const Value* Object::find(std::string_view key) const noexcept {
    std::size_t n = size();
    if (n == 0) return nullptr;
    const Str* k = keys();
    // Linear search beats binary search on the small objects metadata is made of.
    if (n <= 8) {
        for (std::size_t i = 0; i < n; ++i)
            if (k[i].view() == key) return &values()[i];
        return nullptr;
    }
    bool found = false;
    std::size_t i = indexOf(key, found);
    return found ? &values()[i] : nullptr;
}

Value* Object::find(std::string_view key) {
    const Value* v = std::as_const(*this).find(key);
    if (v == nullptr) return nullptr;
    auto i = static_cast<std::size_t>(v - values());
    detach(0);
    return &mutableValues()[i];
}

// Makes the block unique (copy on write) with room for `min_capacity` values. A copy of a
// shared block is exact-size; a private shape is cloned with the block.
void Object::detach(std::size_t min_capacity) {
    if (block_ && block_->refs.load(std::memory_order_acquire) == 1 &&
        block_->capacity >= min_capacity)
        return;
    std::size_t n = size();
    ObjectBlock* nb = detail::allocBlock(std::max(n, min_capacity));
    if (block_ == nullptr) {
        block_ = nb;
        return;
    }
    Shape* s = block_->shape;
    if (block_->refs.load(std::memory_order_acquire) == 1) {
        // Values are trivially relocatable (16 raw bytes, no self-reference).
        std::memcpy(static_cast<void*>(nb->values()), block_->values(), n * sizeof(Value));
        nb->shape = s;
        block_->shape = nullptr;  // size 0: nothing left to destroy
        detail::releaseObjectBlock(block_);
    } else {
        for (std::size_t i = 0; i < n; ++i) new (&nb->values()[i]) Value(block_->values()[i]);
        if (s != nullptr && !s->interned) {
            nb->shape = detail::clonePrivate(s, nb->capacity);
        } else {
            detail::retainShape(s);
            nb->shape = s;
        }
        detail::releaseObjectBlock(block_);
    }
    block_ = nb;
}

bool Object::set(std::string_view key, Value value) {
    bool found = false;
    std::size_t i = indexOf(key, found);
    if (found) {
        if (values()[i] == value) return false;
        detach(0);
        mutableValues()[i] = std::move(value);
        return true;
    }
    std::size_t n = size();
    Shape* ns = detail::shapeWithKey(block_ ? block_->shape : nullptr, i, key);
    std::size_t cap = block_ ? block_->capacity : 0;
    detach(n + 1 > cap ? std::max<std::size_t>(4, 2 * n) : cap);
    Value* v = mutableValues();
    std::memmove(static_cast<void*>(v + i + 1), v + i, (n - i) * sizeof(Value));
    new (&v[i]) Value(std::move(value));
    detail::releaseShape(std::exchange(block_->shape, ns));
    return true;
}

bool Object::erase(std::string_view key) {
    bool found = false;
    std::size_t i = indexOf(key, found);
    if (!found) return false;
    std::size_t n = size();
    Shape* ns = detail::shapeWithoutKey(block_->shape, i);
    detach(0);
    Value* v = mutableValues();
    v[i].~Value();
    std::memmove(static_cast<void*>(v + i), v + i + 1, (n - i - 1) * sizeof(Value));
    detail::releaseShape(std::exchange(block_->shape, ns));
    return true;
}

void Object::reserve(std::size_t n) {
    if (block_ == nullptr || block_->capacity < n) detach(n);
}

void Object::appendUnsorted(Str key, Value value) {
    Shape* s = block_ ? block_->shape : nullptr;
    if (s != nullptr && s->interned) {  // a finished object stays sorted
        set(key.view(), std::move(value));
        return;
    }
    std::size_t n = size();
    std::size_t cap = block_ ? block_->capacity : 0;
    detach(n + 1 > cap ? std::max<std::size_t>(4, 2 * n) : cap);
    s = block_->shape;
    if (s == nullptr) {
        s = block_->shape = detail::privateShape(block_->capacity);
    } else if (s->capacity < block_->capacity) {
        Shape* grown = detail::clonePrivate(s, block_->capacity);
        detail::releaseShape(std::exchange(block_->shape, grown));
        s = grown;
    }
    Str* k = s->keys();
    if (n > 0 && !(k[n - 1].view() < key.view())) s->unsorted = true;
    new (&k[n]) Str(std::move(key));
    new (&block_->values()[n]) Value(std::move(value));
    ++s->size;
    if (s->size == block_->capacity && !s->unsorted) internPrivateShape();
}

// Replaces the (sorted, unique) private shape of a unique block by its interned twin.
void Object::internPrivateShape() {
    Shape* s = block_->shape;
    detail::releaseShape(std::exchange(block_->shape, detail::internShape(s->keys(), s->size)));
}

void Object::sortAndDedup() {
    Shape* s = block_ ? block_->shape : nullptr;
    if (s == nullptr || s->interned) return;  // interned shapes are sorted and unique
    detach(0);
    s = block_->shape;
    if (!s->unsorted) {
        internPrivateShape();
        return;
    }
    // Sort an index permutation (stable: of equal keys the last appended comes last), keep the
    // last of each run of equal keys, and lay keys and values out in that order in place.
    std::size_t n = s->size;
    Str* k = s->keys();
    Value* v = block_->values();
    std::vector<std::uint32_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [k](std::uint32_t a, std::uint32_t b) { return k[a].view() < k[b].view(); });
    std::vector<Entry> sorted;
    sorted.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + 1 < n && k[order[i]].view() == k[order[i + 1]].view()) continue;
        sorted.emplace_back(std::move(k[order[i]]), std::move(v[order[i]]));
    }
    for (std::size_t i = 0; i < n; ++i) v[i].~Value();  // moved-from or dropped duplicates
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        new (&v[i]) Value(std::move(sorted[i].second));
        k[i] = std::move(sorted[i].first);
    }
    for (std::size_t i = sorted.size(); i < n; ++i) k[i].~Str();
    s->size = static_cast<std::uint32_t>(sorted.size());
    s->unsorted = false;
    internPrivateShape();
}

// Sorts `entries` by key (the last of equal keys wins) and makes them the object's content.
void Object::rebuildFrom(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.first.view() < b.first.view();
    });
    std::vector<Str> keys;
    keys.reserve(entries.size());
    std::vector<Value> vals;
    vals.reserve(entries.size());
    for (auto& e : entries) {
        if (!keys.empty() && keys.back() == e.first) {
            vals.back() = std::move(e.second);
        } else {
            keys.push_back(std::move(e.first));
            vals.push_back(std::move(e.second));
        }
    }
    ObjectBlock* nb = nullptr;
    if (!keys.empty()) {
        nb = detail::allocBlock(keys.size());
        for (std::size_t i = 0; i < vals.size(); ++i)
            new (&nb->values()[i]) Value(std::move(vals[i]));
        nb->shape = detail::internShape(keys.data(), keys.size());
    }
    detail::releaseObjectBlock(std::exchange(block_, nb));
}

std::size_t Object::heapBytes() const noexcept {
    if (block_ == nullptr) return 0;
    std::size_t n = sizeof(ObjectBlock) + block_->capacity * sizeof(Value);
    if (block_->shape != nullptr && !block_->shape->interned)
        n += sizeof(Shape) + block_->shape->capacity * sizeof(Str);
    return n;
}

bool operator==(const Object& a, const Object& b) noexcept {
    if (a.block_ == b.block_) return true;
    std::size_t n = a.size();
    if (n != b.size()) return false;
    if (n == 0) return true;
    const Shape* sa = a.block_->shape;
    const Shape* sb = b.block_->shape;
    if (sa != sb) {
        if (sa->interned && sb->interned) return false;  // live interned shapes are unique
        for (std::size_t i = 0; i < n; ++i)
            if (sa->keys()[i] != sb->keys()[i]) return false;
    }
    for (std::size_t i = 0; i < n; ++i)
        if (!(a.values()[i] == b.values()[i])) return false;
    return true;
}

}  // namespace skydive::model
