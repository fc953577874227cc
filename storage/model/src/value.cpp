#include <skydive/model/value.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

#include "heap_string.h"
#include "object_block.h"

namespace skydive::model {

namespace detail {

struct HeapList {
    std::atomic<std::uint32_t> refs{1};
    List items;
};

}  // namespace detail

using detail::HeapList;
using detail::HeapString;

// ---- Str --------------------------------------------------------------------------------------
// Layout: inline: raw_[0..14] bytes, raw_[15] = length (0..15).
//         heap:   raw_[0..7] = HeapString*, raw_[15] = 0xFF.

Str::Str(std::string_view s) {
    clearInline();
    if (s.size() <= 15) {
        std::memcpy(raw_, s.data(), s.size());
        raw_[15] = static_cast<char>(s.size());
    } else {
        adoptHeap(HeapString::make(s));
    }
}

void Str::adoptHeap(HeapString* h) noexcept {
    std::memcpy(raw_, &h, sizeof h);
    raw_[15] = static_cast<char>(kHeapTag);
}

Str::Str(const Str& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    if (isHeap()) heap()->retain();
}

Str::Str(Str&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    other.clearInline();
}

Str& Str::operator=(const Str& other) noexcept {
    if (this != &other) {
        if (other.isHeap()) other.heap()->retain();
        release();
        std::memcpy(raw_, other.raw_, sizeof raw_);
    }
    return *this;
}

Str& Str::operator=(Str&& other) noexcept {
    if (this != &other) {
        release();
        std::memcpy(raw_, other.raw_, sizeof raw_);
        other.clearInline();
    }
    return *this;
}

Str::~Str() {
    release();
}

void Str::release() noexcept {
    if (isHeap()) heap()->release();
    clearInline();
}

HeapString* Str::heap() const noexcept {
    HeapString* h;
    std::memcpy(&h, raw_, sizeof h);
    return h;
}

std::string_view Str::heapView() const noexcept {
    HeapString* h = heap();
    return {h->data(), h->size};
}

std::size_t Str::heapBytes() const noexcept {
    return isHeap() ? sizeof(HeapString) + heap()->size : 0;
}

std::size_t StrHash::operator()(std::string_view s) const noexcept {
    // Eight bytes a step, then a final mix (the multiply-xorshift of splitmix64). Byte-wise
    // FNV-1a chained a multiply per byte: an element ID of 36 bytes, hashed 3-4 times for each
    // revision stored, waited on 36 multiplies each time (ADR 015, 23rd round).
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    std::uint64_t h = 0x243F6A8885A308D3ULL ^ (s.size() * kMul);
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    }
    if (n > 0) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return static_cast<std::size_t>(h);
}

// ---- Value ------------------------------------------------------------------------------------
// Layout: raw_[0] = Tag. kStrInline: raw_[1] = length, raw_[2..15] = bytes.
//         kBool/kInt/kDouble: payload in raw_[8..15]. kStrHeap/kList/kObject: pointer in
//         raw_[8..15].

void* Value::ptr() const noexcept {
    void* p;
    std::memcpy(&p, raw_ + 8, sizeof p);
    return p;
}

void Value::setPtr(void* p) noexcept {
    std::memcpy(raw_ + 8, &p, sizeof p);
}

Value::Value(bool b) noexcept {
    std::memset(raw_, 0, sizeof raw_);
    setTag(kBool);
    raw_[8] = b ? 1 : 0;
}

Value::Value(long long i) noexcept {
    std::memset(raw_, 0, sizeof raw_);
    setTag(kInt);
    std::int64_t v = i;
    std::memcpy(raw_ + 8, &v, sizeof v);
}

Value::Value(double d) noexcept {
    std::memset(raw_, 0, sizeof raw_);
    setTag(kDouble);
    std::memcpy(raw_ + 8, &d, sizeof d);
}

Value::Value(std::string_view s) {
    std::memset(raw_, 0, sizeof raw_);
    if (s.size() <= kInlineMax) {
        setTag(kStrInline);
        raw_[1] = static_cast<char>(s.size());
        std::memcpy(raw_ + 2, s.data(), s.size());
    } else {
        setTag(kStrHeap);
        setPtr(HeapString::make(s));
    }
}

Value::Value(const Str& s) : Value(s.view()) {}

Value::Value(List list) {
    std::memset(raw_, 0, sizeof raw_);
    setTag(kList);
    auto* h = new HeapList;
    h->items = std::move(list);
    setPtr(h);
}

Value::Value(Object object) {
    std::memset(raw_, 0, sizeof raw_);
    setTag(kObject);
    new (raw_ + 8) Object(std::move(object));
}

Value Value::object() {
    return Value(Object{});
}
Value Value::list() {
    return Value(List{});
}

Value::Value(const Value& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    retain();
}

Value::Value(Value&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof raw_);
    std::memset(other.raw_, 0, sizeof other.raw_);
}

Value& Value::operator=(const Value& other) noexcept {
    if (this != &other) {
        other.retain();
        release();
        std::memcpy(raw_, other.raw_, sizeof raw_);
    }
    return *this;
}

Value& Value::operator=(Value&& other) noexcept {
    if (this != &other) {
        release();
        std::memcpy(raw_, other.raw_, sizeof raw_);
        std::memset(other.raw_, 0, sizeof other.raw_);
    }
    return *this;
}

Value::~Value() {
    release();
}

void Value::retain() const noexcept {
    switch (tag()) {
        case kStrHeap: static_cast<HeapString*>(ptr())->retain(); break;
        case kList:
            static_cast<HeapList*>(ptr())->refs.fetch_add(1, std::memory_order_relaxed);
            break;
        case kObject: detail::retainObjectBlock(static_cast<detail::ObjectBlock*>(ptr())); break;
        case kNull:
        case kBool:
        case kInt:
        case kDouble:
        case kStrInline: break;
    }
}

void Value::release() noexcept {
    switch (tag()) {
        case kStrHeap: static_cast<HeapString*>(ptr())->release(); break;
        case kList: {
            auto* h = static_cast<HeapList*>(ptr());
            if (h->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete h;
            break;
        }
        case kObject: detail::releaseObjectBlock(static_cast<detail::ObjectBlock*>(ptr())); break;
        case kNull:
        case kBool:
        case kInt:
        case kDouble:
        case kStrInline: break;
    }
    std::memset(raw_, 0, sizeof raw_);
}

bool Value::asBool() const noexcept {
    assert(tag() == kBool);
    return raw_[8] != 0;
}

std::int64_t Value::asInt() const noexcept {
    assert(tag() == kInt);
    std::int64_t v;
    std::memcpy(&v, raw_ + 8, sizeof v);
    return v;
}

double Value::asDouble() const noexcept {
    assert(tag() == kDouble);
    double d;
    std::memcpy(&d, raw_ + 8, sizeof d);
    return d;
}

std::string_view Value::asString() const noexcept {
    if (tag() == kStrInline) {
        return {raw_ + 2, static_cast<std::size_t>(static_cast<unsigned char>(raw_[1]))};
    }
    assert(tag() == kStrHeap);
    auto* h = static_cast<HeapString*>(ptr());
    return {h->data(), h->size};
}

const List& Value::asList() const noexcept {
    assert(tag() == kList);
    return static_cast<HeapList*>(ptr())->items;
}

const Object& Value::asObject() const noexcept {
    assert(tag() == kObject);
    return *std::launder(reinterpret_cast<const Object*>(raw_ + 8));
}

List& Value::mutableList() {
    assert(tag() == kList);
    auto* h = static_cast<HeapList*>(ptr());
    if (h->refs.load(std::memory_order_acquire) != 1) {
        auto* copy = new HeapList;
        copy->items = h->items;
        release();
        setTag(kList);
        setPtr(copy);
        h = copy;
    }
    return h->items;
}

Object& Value::mutableObject() {
    assert(tag() == kObject);
    return *std::launder(reinterpret_cast<Object*>(raw_ + 8));  // Object detaches on write
}

namespace {

void collectPath(const Value& v, std::string_view dotted, List& out, bool& found) {
    std::string_view head = dotted;
    std::string_view rest;
    bool last = true;
    if (auto dot = dotted.find('.'); dot != std::string_view::npos) {
        head = dotted.substr(0, dot);
        rest = dotted.substr(dot + 1);
        last = false;
    }
    if (v.isList()) {
        for (const Value& item : v.asList()) collectPath(item, dotted, out, found);
        return;
    }
    if (!v.isObject()) return;
    const Value* child = v.asObject().find(head);
    if (child == nullptr) return;
    if (last) {
        out.push_back(*child);
        found = true;
    } else {
        collectPath(*child, rest, out, found);
    }
}

}  // namespace

std::optional<Value> Value::path(std::string_view dotted) const {
    // Fast path: walk objects only; fall back to fan-out when a list is met.
    const Value* cur = this;
    std::string_view rest = dotted;
    while (true) {
        if (!cur->isObject()) break;
        auto dot = rest.find('.');
        std::string_view head = dot == std::string_view::npos ? rest : rest.substr(0, dot);
        const Value* child = cur->asObject().find(head);
        if (child == nullptr) return std::nullopt;
        if (dot == std::string_view::npos) return *child;
        rest = rest.substr(dot + 1);
        cur = child;
        if (cur->isList()) {
            List out;
            bool found = false;
            collectPath(*cur, rest, out, found);
            if (!found) return std::nullopt;
            return Value(std::move(out));
        }
    }
    return std::nullopt;
}

bool operator==(const Value& a, const Value& b) noexcept {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Value::Type::Null: return true;
        case Value::Type::Bool: return a.asBool() == b.asBool();
        case Value::Type::Int: return a.asInt() == b.asInt();
        case Value::Type::Double: return a.asDouble() == b.asDouble();
        case Value::Type::String: return a.asString() == b.asString();
        case Value::Type::List: return a.ptr() == b.ptr() || a.asList() == b.asList();
        case Value::Type::Object: return a.ptr() == b.ptr() || a.asObject() == b.asObject();
    }
    return false;
}

namespace {

std::size_t mixHash(std::size_t h, std::size_t v) noexcept {
    return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

std::size_t Value::hashOfString(std::string_view s) noexcept {
    return mixHash(static_cast<std::size_t>(Type::String), StrHash{}(s));
}

std::size_t Value::hashOfInt(std::int64_t i) noexcept {
    return mixHash(static_cast<std::size_t>(Type::Int), std::hash<std::int64_t>{}(i));
}

std::size_t Value::hash() const noexcept {
    const auto mix = mixHash;
    std::size_t h = static_cast<std::size_t>(type());
    switch (type()) {
        case Type::Null: return h;
        case Type::Bool: return mix(h, asBool() ? 1 : 0);
        case Type::Int: return hashOfInt(asInt());
        case Type::Double: return mix(h, std::hash<double>{}(asDouble()));
        case Type::String: return hashOfString(asString());
        case Type::List:
            for (const Value& item : asList()) h = mix(h, item.hash());
            return h;
        case Type::Object:
            for (const auto& [k, v] : asObject()) h = mix(mix(h, StrHash{}(k)), v.hash());
            return h;
    }
    return h;
}

std::size_t Value::heapBytes() const noexcept {
    switch (tag()) {
        case kStrHeap: return sizeof(HeapString) + asString().size();
        case kList: {
            std::size_t n = sizeof(HeapList) + asList().capacity() * sizeof(Value);
            for (const Value& item : asList()) n += item.heapBytes();
            return n;
        }
        case kObject: {
            std::size_t n = asObject().heapBytes();
            for (const auto& [k, v] : asObject()) n += v.heapBytes();
            return n;
        }
        case kNull:
        case kBool:
        case kInt:
        case kDouble:
        case kStrInline: return 0;
    }
    return 0;
}

bool setPath(Value& root, std::string_view dotted, Value value) {
    Value* cur = &root;
    while (true) {
        if (!cur->isObject()) return false;
        Object& obj = cur->mutableObject();
        auto dot = dotted.find('.');
        if (dot == std::string_view::npos) {
            obj.set(dotted, std::move(value));
            return true;
        }
        std::string_view head = dotted.substr(0, dot);
        Value* child = obj.find(head);
        if (child == nullptr) {
            obj.set(head, Value::object());
            child = obj.find(head);
        }
        cur = child;
        dotted = dotted.substr(dot + 1);
    }
}

bool erasePath(Value& root, std::string_view dotted) {
    Value* cur = &root;
    while (true) {
        if (!cur->isObject()) return false;
        auto dot = dotted.find('.');
        if (dot == std::string_view::npos) {
            if (cur->asObject().find(dotted) == nullptr) return false;
            return cur->mutableObject().erase(dotted);
        }
        std::string_view head = dotted.substr(0, dot);
        if (cur->asObject().find(head) == nullptr) return false;
        cur = cur->mutableObject().find(head);
        dotted = dotted.substr(dot + 1);
    }
}

std::size_t depth(const Value& v) noexcept {
    std::size_t d = 0;
    if (v.isList()) {
        for (const Value& item : v.asList()) d = std::max(d, depth(item));
        return d + 1;
    }
    if (v.isObject()) {
        for (const auto& [k, child] : v.asObject()) d = std::max(d, depth(child));
        return d + 1;
    }
    return 0;
}

}  // namespace skydive::model
