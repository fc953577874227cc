#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include <skydive/model/value.h>

namespace skydive::model {

class ListRef;
class ObjectRef;

/// A non-owning view of one value packed in a flat record (`NodeRec`, ADR 002 eighth round):
/// a pointer to its tag byte. Valid as long as the record it points into. A default-constructed
/// ValueRef is *missing* (a key that is not there), which is distinct from a JSON null.
class ValueRef {
public:
    ValueRef() noexcept = default;
    explicit ValueRef(const unsigned char* p) noexcept : p_(p) {}

    bool exists() const noexcept { return p_ != nullptr; }
    explicit operator bool() const noexcept { return exists(); }

    /// REQUIRES: exists().
    ValueType type() const noexcept;
    bool isNull() const noexcept { return type() == ValueType::Null; }
    bool isString() const noexcept { return type() == ValueType::String; }
    bool isObject() const noexcept { return type() == ValueType::Object; }
    bool isList() const noexcept { return type() == ValueType::List; }

    /// Accessors; calling one on the wrong type is a programming error (asserted).
    bool asBool() const noexcept;
    std::int64_t asInt() const noexcept;
    double asDouble() const noexcept;
    std::string_view asString() const noexcept;
    ListRef asList() const noexcept;
    ObjectRef asObject() const noexcept;

    /// Materialises the value (strings, lists and objects are allocated).
    Value toValue() const;
    /// Bytes of the packed value, tag included.
    std::size_t encodedSize() const noexcept;
    const unsigned char* data() const noexcept { return p_; }

    /// Same packed bytes. Equal to `Value` equality except for doubles, compared bit for bit
    /// (NaN equals itself, -0.0 differs from 0.0).
    friend bool operator==(ValueRef a, ValueRef b) noexcept;

private:
    const unsigned char* p_ = nullptr;
};

/// A packed list: its items in order.
class ListRef {
public:
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = ValueRef;
        using difference_type = std::ptrdiff_t;
        using reference = ValueRef;
        using pointer = void;

        const_iterator() = default;
        explicit const_iterator(const unsigned char* p) : p_(p) {}
        ValueRef operator*() const noexcept { return ValueRef(p_); }
        const_iterator& operator++() noexcept {
            p_ += ValueRef(p_).encodedSize();
            return *this;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
            return a.p_ == b.p_;
        }

    private:
        const unsigned char* p_ = nullptr;
    };

    ListRef(const unsigned char* items, const unsigned char* end, std::size_t n) noexcept
        : items_(items), end_(end), size_(n) {}
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const_iterator begin() const noexcept { return const_iterator(items_); }
    const_iterator end() const noexcept { return const_iterator(end_); }

private:
    const unsigned char* items_;
    const unsigned char* end_;
    std::size_t size_;
};

/// A packed object: entries in ascending key order, keys inline. `find` is a linear scan
/// (nested objects are small; the top level of a record has an offset table instead).
class ObjectRef {
public:
    struct EntryRef {
        std::string_view first;
        ValueRef second;
    };
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = EntryRef;
        using difference_type = std::ptrdiff_t;
        using reference = EntryRef;
        using pointer = void;

        const_iterator() = default;
        explicit const_iterator(const unsigned char* p) : p_(p) {}
        EntryRef operator*() const noexcept;
        const_iterator& operator++() noexcept;
        friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
            return a.p_ == b.p_;
        }

    private:
        const unsigned char* p_ = nullptr;  // at the entry's key length
    };

    ObjectRef(const unsigned char* entries, const unsigned char* end, std::size_t n) noexcept
        : entries_(entries), end_(end), size_(n) {}
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const_iterator begin() const noexcept { return const_iterator(entries_); }
    const_iterator end() const noexcept { return const_iterator(end_); }
    /// Missing key → a missing ValueRef.
    ValueRef find(std::string_view key) const noexcept;

private:
    const unsigned char* entries_;
    const unsigned char* end_;
    std::size_t size_;
};

/// `Value` equality without materialising `a` (doubles as IEEE: -0.0 == 0.0, NaN != NaN).
/// A missing ValueRef equals nothing.
bool equals(ValueRef a, const Value& b) noexcept;
/// Equal to `a.toValue().hash()` (index terms are hashed from either form).
std::size_t hashOf(ValueRef a) noexcept;

}  // namespace skydive::model
