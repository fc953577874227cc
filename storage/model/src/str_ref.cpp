#include <skydive/model/str_ref.h>

#include <cstring>

#include "heap_string.h"

namespace skydive::model {

using detail::HeapString;

namespace {

HeapString* asHeap(std::uintptr_t bits) {
    return reinterpret_cast<HeapString*>(bits);
}

}  // namespace

StrRef::StrRef(std::string_view s) {
    if (s.empty()) return;
    if (s.size() <= 7) {
        bits_ = 0;
        auto* raw = reinterpret_cast<unsigned char*>(&bits_);
        raw[0] = static_cast<unsigned char>((s.size() << 1) | 1u);
        std::memcpy(raw + 1, s.data(), s.size());
        return;
    }
    bits_ = reinterpret_cast<std::uintptr_t>(HeapString::make(s));
}

StrRef::StrRef(const Str& s) {
    if (s.isHeap()) {
        HeapString* h = s.heap();
        h->retain();
        bits_ = reinterpret_cast<std::uintptr_t>(h);
    } else {
        *this = StrRef(s.view());
    }
}

StrRef::StrRef(const StrRef& other) noexcept : bits_(other.bits_) {
    if (!isInline()) asHeap(bits_)->retain();
}

StrRef& StrRef::operator=(const StrRef& other) noexcept {
    if (this != &other) {
        if (!other.isInline()) asHeap(other.bits_)->retain();
        release();
        bits_ = other.bits_;
    }
    return *this;
}

StrRef& StrRef::operator=(StrRef&& other) noexcept {
    if (this != &other) {
        release();
        bits_ = other.bits_;
        other.bits_ = kEmpty;
    }
    return *this;
}

void StrRef::release() noexcept {
    if (!isInline()) asHeap(bits_)->release();
    bits_ = kEmpty;
}

std::string_view StrRef::viewOfWord(const std::uintptr_t& word) noexcept {
    if ((word & 1u) != 0) {
        const auto* raw = reinterpret_cast<const char*>(&word);
        return {raw + 1, static_cast<std::size_t>(static_cast<unsigned char>(raw[0]) >> 1)};
    }
    HeapString* h = asHeap(word);
    return {h->data(), h->size};
}

Str StrRef::str() const {
    if (isInline() || asHeap(bits_)->size <= 15) return Str(view());
    Str s;
    HeapString* h = asHeap(bits_);
    h->retain();
    s.adoptHeap(h);
    return s;
}

}  // namespace skydive::model
