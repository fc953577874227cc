#pragma once

#include <cstdint>
#include <string_view>

#include <skydive/model/value.h>

namespace skydive::model {

/// An 8-byte shared handle on the characters of a `Str`, half the size of the Str itself, for
/// the millions of element IDs that index postings repeat (ADR 002). Up to 7 bytes are kept
/// inline; a longer Str shares its reference-counted heap block (no copy); a Str of 8 to 15
/// bytes, inline in the Str, gets a heap block of its own. Immutable; copies are cheap and
/// thread-safe. Compared and hashed by content.
class StrRef {
public:
    StrRef() noexcept = default;
    explicit StrRef(const Str& s);
    explicit StrRef(std::string_view s);
    StrRef(const StrRef& other) noexcept;
    StrRef(StrRef&& other) noexcept : bits_(other.bits_) { other.bits_ = kEmpty; }
    StrRef& operator=(const StrRef& other) noexcept;
    StrRef& operator=(StrRef&& other) noexcept;
    ~StrRef() { release(); }

    std::string_view view() const noexcept { return viewOfWord(bits_); }
    bool empty() const noexcept { return bits_ == kEmpty; }
    /// The same characters as a Str (sharing the heap block when there is one).
    Str str() const;

    /// The handle as one word that the caller now owns (this becomes empty), and back; for
    /// containers that keep a StrRef or a tagged pointer in one word. Bit 0 of a word is set
    /// for an inline string, else the word is an 8-aligned pointer (bits 0-2 clear).
    std::uintptr_t releaseWord() noexcept {
        std::uintptr_t w = bits_;
        bits_ = kEmpty;
        return w;
    }
    static StrRef adoptWord(std::uintptr_t word) noexcept {
        StrRef r;
        r.bits_ = word;
        return r;
    }
    static constexpr std::uintptr_t kEmptyWord = 1;
    /// The characters of a word kept by such a container (inline ones are in the word itself).
    static std::string_view viewOfWord(const std::uintptr_t& word) noexcept;

    friend bool operator==(const StrRef& a, const StrRef& b) noexcept {
        return a.bits_ == b.bits_ || a.view() == b.view();
    }
    friend bool operator==(const StrRef& a, std::string_view b) noexcept { return a.view() == b; }

private:
    // Inline: bit 0 set, byte 0 = (length << 1) | 1, bytes 1..7 the characters (little endian:
    // byte 0 is the lowest). Heap: a HeapString pointer (malloc-aligned, bit 0 clear).
    static constexpr std::uintptr_t kEmpty = kEmptyWord;
    bool isInline() const noexcept { return (bits_ & 1u) != 0; }
    void release() noexcept;

    std::uintptr_t bits_ = kEmpty;
};
static_assert(sizeof(StrRef) == 8);

}  // namespace skydive::model
