#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skydive::model {

namespace detail {
struct HeapString;
struct HeapList;
struct ObjectBlock;
}  // namespace detail

/// An immutable string of 16 bytes: up to 15 bytes inline, longer ones in a shared, reference
/// counted heap block (copies are cheap and thread-safe). Used for element IDs, hosts, origins
/// and metadata keys, which are short and repeated millions of times.
class Str {
public:
    Str() noexcept { clearInline(); }
    Str(std::string_view s);  // NOLINT: implicit, strings are the natural way to build one
    Str(const char* s) : Str(std::string_view(s)) {}         // NOLINT
    Str(const std::string& s) : Str(std::string_view(s)) {}  // NOLINT
    Str(const Str& other) noexcept;
    Str(Str&& other) noexcept;
    Str& operator=(const Str& other) noexcept;
    Str& operator=(Str&& other) noexcept;
    ~Str();

    /// Inline strings (metadata keys, most values) without a call: keys are read for every
    /// value of every revision stored (ADR 015, 23rd round).
    std::string_view view() const noexcept {
        if (isHeap()) return heapView();
        return {raw_, static_cast<std::size_t>(static_cast<unsigned char>(raw_[15]))};
    }
    operator std::string_view() const noexcept { return view(); }  // NOLINT
    std::string str() const { return std::string(view()); }
    bool empty() const noexcept { return size() == 0; }
    std::size_t size() const noexcept { return view().size(); }
    /// Heap bytes owned by this string (0 when inline), for memory accounting.
    std::size_t heapBytes() const noexcept;

    /// Starts loading the characters into the cache: a loop over many strings at random
    /// places issues this some iterations ahead of reading them.
    void prefetch() const noexcept {
        if (!isHeap()) return;
        const void* h;
        std::memcpy(&h, raw_, sizeof h);
        __builtin_prefetch(h);
    }

    friend bool operator==(const Str& a, const Str& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const Str& a, std::string_view b) noexcept { return a.view() == b; }
    friend bool operator==(const Str& a, const char* b) noexcept { return a.view() == b; }
    friend auto operator<=>(const Str& a, const Str& b) noexcept { return a.view() <=> b.view(); }

private:
    static constexpr unsigned char kHeapTag = 0xFF;
    bool isHeap() const noexcept { return static_cast<unsigned char>(raw_[15]) == kHeapTag; }
    detail::HeapString* heap() const noexcept;
    std::string_view heapView() const noexcept;
    void adoptHeap(detail::HeapString* h) noexcept;  // takes one reference; REQUIRES: empty
    void clearInline() noexcept { std::memset(raw_, 0, sizeof raw_); }
    void release() noexcept;

    alignas(8) char raw_[16];
};

struct StrHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept;
    std::size_t operator()(const Str& s) const noexcept { return (*this)(s.view()); }
    std::size_t operator()(const std::string& s) const noexcept {
        return (*this)(std::string_view(s));
    }
};

/// The kinds of metadata value (declared before List/Object so the names do not shadow them).
enum class ValueType : std::uint8_t { Null, Bool, Int, Double, String, List, Object };

class Value;
class Object;
using List = std::vector<Value>;

/// A metadata value: null, bool, int64, double, string, list or object (spec §1.3). Ints and
/// doubles are distinct types: JSON numbers that are integral decode as Int. 16 bytes; strings of
/// up to 14 bytes are inline, longer strings, lists and objects are shared reference-counted
/// blocks, so copying a Value is O(1) and mutation detaches (copy on write).
class Value {
public:
    using Type = ValueType;

    Value() noexcept { setTag(kNull); }
    Value(std::nullptr_t) noexcept : Value() {}                       // NOLINT
    Value(bool b) noexcept;                                           // NOLINT
    Value(int i) noexcept : Value(static_cast<long long>(i)) {}       // NOLINT
    Value(unsigned i) noexcept : Value(static_cast<long long>(i)) {}  // NOLINT
    Value(long i) noexcept : Value(static_cast<long long>(i)) {}      // NOLINT
    Value(long long i) noexcept;                                      // NOLINT
    Value(double d) noexcept;                                         // NOLINT
    Value(std::string_view s);                                        // NOLINT
    Value(const char* s) : Value(std::string_view(s)) {}              // NOLINT
    Value(const std::string& s) : Value(std::string_view(s)) {}       // NOLINT
    Value(const Str& s);                                              // NOLINT
    Value(List list);                                                 // NOLINT
    Value(Object object);                                             // NOLINT
    Value(const Value& other) noexcept;
    Value(Value&& other) noexcept;
    Value& operator=(const Value& other) noexcept;
    Value& operator=(Value&& other) noexcept;
    ~Value();

    /// An empty object / list.
    static Value object();
    static Value list();

    Type type() const noexcept {  // inline: every walk of a metadata tree asks it per value
        switch (tag()) {
            case kNull: return Type::Null;
            case kBool: return Type::Bool;
            case kInt: return Type::Int;
            case kDouble: return Type::Double;
            case kStrInline:
            case kStrHeap: return Type::String;
            case kList: return Type::List;
            case kObject: return Type::Object;
        }
        return Type::Null;
    }
    bool isNull() const noexcept { return type() == Type::Null; }
    bool isBool() const noexcept { return type() == Type::Bool; }
    bool isInt() const noexcept { return type() == Type::Int; }
    bool isDouble() const noexcept { return type() == Type::Double; }
    bool isNumber() const noexcept { return isInt() || isDouble(); }
    bool isString() const noexcept { return type() == Type::String; }
    bool isList() const noexcept { return type() == Type::List; }
    bool isObject() const noexcept { return type() == Type::Object; }

    /// Accessors; calling one on the wrong type is a programming error (asserted).
    bool asBool() const noexcept;
    std::int64_t asInt() const noexcept;
    double asDouble() const noexcept;
    std::string_view asString() const noexcept;
    const List& asList() const noexcept;
    const Object& asObject() const noexcept;

    /// Mutable access; detaches a shared block first (copy on write).
    List& mutableList();
    Object& mutableObject();

    /// Walks a dotted key (`A.B.C`) through nested objects. When an intermediate value is a
    /// list, the rest of the path is applied to each of its elements and the values found are
    /// collected into a list (spec §1.3: `Captures.ID` → `["c1", ...]`). Missing → nullopt.
    std::optional<Value> path(std::string_view dotted) const;

    /// Deep equality; Int(1) != Double(1.0).
    friend bool operator==(const Value& a, const Value& b) noexcept;
    std::size_t hash() const noexcept;
    /// hash() of a Value holding this string / this integer, without building one.
    static std::size_t hashOfString(std::string_view s) noexcept;
    static std::size_t hashOfInt(std::int64_t i) noexcept;

    /// Heap bytes owned through this value (shared blocks counted once per reference).
    std::size_t heapBytes() const noexcept;

    /// Starts loading what the value points at (a long string's bytes, a container's block)
    /// into the cache; nothing for a value held inline.
    void prefetch() const noexcept {
        if (tag() >= kStrHeap) {
            const void* p;
            std::memcpy(&p, raw_ + 8, sizeof p);
            __builtin_prefetch(p);
        }
    }

private:
    enum Tag : std::uint8_t { kNull, kBool, kInt, kDouble, kStrInline, kStrHeap, kList, kObject };
    static constexpr std::size_t kInlineMax = 14;

    Tag tag() const noexcept { return static_cast<Tag>(raw_[0]); }
    void setTag(Tag t) noexcept { raw_[0] = static_cast<char>(t); }
    void* ptr() const noexcept;
    void setPtr(void* p) noexcept;
    void retain() const noexcept;
    void release() noexcept;

    alignas(8) char raw_[16];
};

/// A JSON object: entries kept sorted by key, which is also the order in which Go's
/// encoding/json writes maps, so serialization matches upstream byte for byte.
///
/// Layout (ADR 002): one reference-counted block holding a pointer to the object's *shape* (its
/// sorted key list, interned and shared by every object with the same key set) and then the
/// values, 16 bytes each. Copying an Object is O(1); a mutation detaches a shared block (copy on
/// write). Iteration yields `EntryRef`s (`.first` key, `.second` value) that stay valid until
/// the object is mutated.
class Object {
public:
    using Entry = std::pair<Str, Value>;
    struct EntryRef {
        const Str& first;
        const Value& second;
    };

    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = EntryRef;
        using difference_type = std::ptrdiff_t;
        using reference = EntryRef;
        struct Arrow {
            EntryRef ref;
            const EntryRef* operator->() const noexcept { return &ref; }
        };
        using pointer = Arrow;

        const_iterator() = default;
        EntryRef operator*() const noexcept { return {keys_[i_], values_[i_]}; }
        Arrow operator->() const noexcept { return {**this}; }
        const_iterator& operator++() noexcept {
            ++i_;
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            ++i_;
            return old;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
            return a.i_ == b.i_;
        }

    private:
        friend class Object;
        const_iterator(const Str* k, const Value* v, std::size_t i) : keys_(k), values_(v), i_(i) {}
        const Str* keys_ = nullptr;
        const Value* values_ = nullptr;
        std::size_t i_ = 0;
    };

    Object() noexcept = default;
    Object(std::initializer_list<Entry> entries);
    Object(const Object& other) noexcept;
    Object(Object&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
    Object& operator=(const Object& other) noexcept;
    Object& operator=(Object&& other) noexcept;
    ~Object();

    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    const_iterator begin() const noexcept { return {keys(), values(), 0}; }
    const_iterator end() const noexcept { return {keys(), values(), size()}; }

    const Value* find(std::string_view key) const noexcept;
    /// Detaches a shared block first (copy on write).
    Value* find(std::string_view key);
    /// Inserts or replaces. Returns true when the stored value changed.
    bool set(std::string_view key, Value value);
    /// Returns true when the key existed.
    bool erase(std::string_view key);
    /// Room for n entries. When exactly n entries are then appended in ascending key order
    /// (decoders), the key list is interned as the last one arrives.
    void reserve(std::size_t n);
    /// Appends without keeping order; call sortAndDedup() once done unless the keys came in
    /// strictly ascending order (JSON and record decoding).
    void appendUnsorted(Str key, Value value);
    /// Sorts by key; on duplicate keys the last one wins (as Go's decoder does).
    void sortAndDedup();

    /// Heap bytes of the block (the shared key list is not counted: it is amortized).
    std::size_t heapBytes() const noexcept;

    /// Prefetching for a loop over many objects that reads each some iterations after
    /// announcing it (a delta's nodes; ADR 015, twenty-seventh round). First the block (its
    /// header and the first values), then, once that has arrived, what the values point at.
    void prefetch() const noexcept {
        if (block_ == nullptr) return;
        const char* b = reinterpret_cast<const char*>(block_);
        __builtin_prefetch(b);
        __builtin_prefetch(b + 64);
        __builtin_prefetch(b + 128);
    }
    void prefetchValues() const noexcept;

    friend bool operator==(const Object& a, const Object& b) noexcept;

private:
    friend class Value;
    const Str* keys() const noexcept;
    const Value* values() const noexcept;
    Value* mutableValues() noexcept;
    std::size_t indexOf(std::string_view key, bool& found) const noexcept;
    void detach(std::size_t min_capacity);
    void internPrivateShape();
    void rebuildFrom(std::vector<Entry>& entries);

    detail::ObjectBlock* block_ = nullptr;
};

/// Number of distinct key lists (shapes) currently interned; for tests and diagnostics.
std::size_t internedShapeCount();

/// Sets a dotted key, creating intermediate objects (`a.b.c`). Fails (returns false) when an
/// intermediate value exists and is not an object. `root` must be an object.
bool setPath(Value& root, std::string_view dotted, Value value);
/// Deletes a dotted key. Returns true when something was removed.
bool erasePath(Value& root, std::string_view dotted);

/// Depth of nesting (a scalar is 0, `{"a":1}` is 1).
std::size_t depth(const Value& v) noexcept;

}  // namespace skydive::model

template <>
struct std::hash<skydive::model::Value> {
    std::size_t operator()(const skydive::model::Value& v) const noexcept { return v.hash(); }
};
template <>
struct std::hash<skydive::model::Str> {
    std::size_t operator()(const skydive::model::Str& s) const noexcept {
        return skydive::model::StrHash{}(s);
    }
};
