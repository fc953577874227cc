#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/model/value_ref.h>

namespace skydive::model {

class JsonWriter;

namespace detail {
struct RecBlock;
struct Shape;
}  // namespace detail

/// A non-owning view of a flat node record (ADR 002, eighth round): the whole node in one
/// block, read through accessors. Valid while a `NodeRec` holding the block lives (for a graph
/// view: the view's lifetime, the contract of today's `const Node&`). A default NodeRef is
/// null.
class NodeRef {
public:
    NodeRef() noexcept = default;
    explicit NodeRef(const detail::RecBlock* b) noexcept : b_(b) {}

    bool isNull() const noexcept { return b_ == nullptr; }
    explicit operator bool() const noexcept { return b_ != nullptr; }

    std::string_view id() const noexcept;
    std::string_view host() const noexcept;
    std::string_view origin() const noexcept;
    Time createdAt() const noexcept;
    Time updatedAt() const noexcept;
    Time deletedAt() const noexcept;  ///< 0 while alive
    std::int64_t revision() const noexcept;
    bool alive() const noexcept { return deletedAt() == 0; }

    /// Every field above at once, in one walk of the record's head: for a caller that reads
    /// several (each accessor alone walks the head from its start).
    struct Head {
        std::string_view id, host, origin;
        Time created_at = 0, updated_at = 0, deleted_at = 0;
        std::int64_t revision = 0;
    };
    Head head() const noexcept;

    /// A top-level metadata value by key (no dotted paths); missing → a missing ValueRef.
    /// Binary search of the shared key list, then one offset read.
    ValueRef field(std::string_view key) const noexcept;
    /// The position of a top-level key in the key list (`value(i)`), keyCount() when absent.
    std::size_t fieldIndex(std::string_view key) const noexcept;
    /// The same key list (shapes are interned): fieldIndex() answers alike for both records.
    bool sameKeys(NodeRef other) const noexcept;
    /// Top-level metadata keys in ascending order: key(i) / value(i), i < keyCount().
    std::size_t keyCount() const noexcept;
    std::string_view key(std::size_t i) const noexcept;
    /// The key list packed as the store writes it for a node revision (FORMAT.md, node record
    /// 0x04): count vu, then each key as length vu + bytes. Kept with the interned key list:
    /// O(1). A record without keys gives "\x00".
    std::string_view packedKeys() const noexcept;
    ValueRef value(std::size_t i) const noexcept;
    /// For two records of one key list (REQUIRES: sameKeys(other)): bit k (k < 64) set when
    /// the values at key position `positions[k]` differ (as `value(i) == other.value(i)`
    /// compares them); a position >= keyCount() is skipped. One walk of each record's head for
    /// all positions: what re-indexing an update asks of the indexed keys.
    std::uint64_t differingValues(NodeRef other, const std::size_t* positions,
                                  std::size_t count) const noexcept;
    /// The packed values of every key, in key order, back to back (rec_format.h's packed
    /// value, the bytes `value(i)` points into): what the store writes to disk for a node
    /// revision (FORMAT.md, node record 0x04) and NodeRecBuilder::finishPacked() takes back.
    std::string_view packedValues() const noexcept;

    /// Sequential walk of the metadata: `for (auto [key, value] : rec.fields())`, keys
    /// ascending. Cheaper than key(i)/value(i) for a whole-record walk (JSON, toNode).
    class FieldIterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = ObjectRef::EntryRef;
        using difference_type = std::ptrdiff_t;
        using reference = ObjectRef::EntryRef;
        using pointer = void;

        FieldIterator() = default;
        FieldIterator(const Str* key, const unsigned char* value) : key_(key), value_(value) {}
        ObjectRef::EntryRef operator*() const noexcept { return {key_->view(), ValueRef(value_)}; }
        FieldIterator& operator++() noexcept {
            value_ += ValueRef(value_).encodedSize();
            ++key_;
            return *this;
        }
        friend bool operator==(const FieldIterator& a, const FieldIterator& b) noexcept {
            return a.key_ == b.key_;
        }

    private:
        const Str* key_ = nullptr;
        const unsigned char* value_ = nullptr;
    };
    struct FieldRange {
        FieldIterator first, last;
        FieldIterator begin() const noexcept { return first; }
        FieldIterator end() const noexcept { return last; }
    };
    FieldRange fields() const noexcept;

    /// The metadata as an object value (built over the record's own key list).
    Value metadata() const;
    /// Materialises today's struct (`toNode(encode(n)) == n`).
    Node toNode() const;
    /// Bytes of the block (header included); what the allocator is asked for.
    std::size_t blockBytes() const noexcept;
    const detail::RecBlock* block() const noexcept { return b_; }

    /// Same key list and same bytes. Agrees with `Node` equality except for doubles, compared
    /// bit for bit (NaN equals itself, -0.0 differs from 0.0).
    friend bool operator==(NodeRef a, NodeRef b) noexcept;

protected:
    const detail::RecBlock* b_ = nullptr;
};

/// The owning handle of a flat node record: one intrusively refcounted block holding the ID,
/// times and revision as varints, Host and Origin as interned ids, the metadata key list
/// (interned shape of ADR 002) with one offset per key, and the packed values.
/// Copies are O(1) and thread-safe (the block is immutable).
class NodeRec : public NodeRef {
public:
    NodeRec() noexcept = default;
    NodeRec(const NodeRec& other) noexcept;
    NodeRec(NodeRec&& other) noexcept : NodeRef(other.b_) { other.b_ = nullptr; }
    NodeRec& operator=(const NodeRec& other) noexcept;
    NodeRec& operator=(NodeRec&& other) noexcept;
    ~NodeRec();

    /// Encodes a node. `n.metadata` must be an object (the Node contract).
    static NodeRec encode(const Node& n);
    /// The times and revision a writer gives a version it stores (spec §1.4).
    struct Stamps {
        Time created_at = 0, updated_at = 0;
        std::int64_t revision = 0;
    };
    /// Encodes `n` with `stamps` in place of its own CreatedAt, UpdatedAt and Revision: what
    /// encode() gives for a copy of `n` so stamped, without copying its metadata.
    static NodeRec encode(const Node& n, const Stamps& stamps);
    /// The same, telling whether any top-level metadata value is a list or an object (the
    /// writer checks flat metadata against the limits from the packed sizes).
    static NodeRec encode(const Node& n, const Stamps& stamps, bool& nested);

    /// An owning handle on the block a view points at (one more reference): what a reader
    /// keeps when it must outlive its view (recent window versions, results held across views).
    static NodeRec share(NodeRef r) noexcept;
    /// Raw ownership transfer for containers that keep blocks in 8-byte words (the slot table):
    /// `release` hands over this handle's reference, `adopt` takes one back.
    const detail::RecBlock* release() && noexcept;
    static NodeRec adopt(const detail::RecBlock* b) noexcept;

private:
    explicit NodeRec(const detail::RecBlock* b) noexcept : NodeRef(b) {}
};

/// Builds flat records from their parts without a `Node`: for a decoder that reads the fields
/// one at a time, so that no metadata `Value` tree is built only to be packed. It keeps its
/// buffers and the last record's key list from record to record (use one per thread).
class NodeRecBuilder {
public:
    NodeRecBuilder() = default;
    ~NodeRecBuilder();
    NodeRecBuilder(const NodeRecBuilder&) = delete;
    NodeRecBuilder& operator=(const NodeRecBuilder&) = delete;

    /// Starts a record (dropping one started and not finished).
    void start(std::string_view id, std::string_view host, std::string_view origin, Time created_at,
               Time updated_at, Time deleted_at, std::int64_t revision);
    /// The metadata fields. REQUIRES: keys strictly ascending (the caller checks its input);
    /// each key's bytes valid until finish().
    void addNull(std::string_view key);
    void addBool(std::string_view key, bool b);
    void addInt(std::string_view key, std::int64_t i);
    void addString(std::string_view key, std::string_view s);
    void addValue(std::string_view key, const Value& v);
    /// The record: the same as NodeRec::encode of the node with these fields.
    NodeRec finish();
    /// Instead of the add calls and finish(): the record whose metadata keys are `keys`
    /// (REQUIRES: strictly ascending, the caller checks its input) and whose values are
    /// `packed`, in the bytes packedValues() gives, taken as they are. `packed` is checked
    /// first, as input read from disk may be corrupt: exactly one value per key, each
    /// canonical (minimal varints, strings of up to 127 bytes in the short form, containers'
    /// lengths exact, object keys strictly ascending), nested no deeper than `max_depth`
    /// counting a top-level value as depth 2 (inside the metadata object, as the store's
    /// decoders count). Anything else is a Corruption error. Canonical bytes make the record
    /// equal to what finish() builds for the same fields.
    Result<NodeRec> finishPacked(const std::vector<std::string_view>& keys, std::string_view packed,
                                 std::size_t max_depth);

private:
    void next(std::string_view key);
    detail::Shape* shapeOfKeys();

    std::string head_, meta_, values_;
    std::size_t values_at_ = 0;  // end of the packed values (values_ keeps its size as room)
    std::vector<std::uint32_t> offsets_;
    std::vector<std::string_view> keys_;
    detail::Shape* shape_ = nullptr;  // the last record's key list, one reference held
};

/// Writes the record as `writeNode` writes the node it was encoded from, byte for byte.
void writeNode(JsonWriter& w, NodeRef n);
void writeValue(JsonWriter& w, ValueRef v);
std::string toJson(NodeRef n);

/// The process-wide table of interned Host/Origin strings: ids are dense, never reused, and a
/// string stays at its id for the life of the process, so readers need no lock. Bounded: strings
/// longer than `kMaxInternedLength` and strings arriving once `kMaxInterned` are stored are not
/// interned (records then keep them inline), so untrusted input cannot grow it without limit.
struct InternedStrings {
    static constexpr std::size_t kMaxInterned = 1u << 16;
    static constexpr std::size_t kMaxInternedLength = 127;
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
    /// The id of `s`, interning it; kNone when it cannot be interned.
    static std::uint32_t intern(std::string_view s);
    /// REQUIRES: id returned by intern().
    static std::string_view get(std::uint32_t id) noexcept;
    static std::size_t size() noexcept;
};

}  // namespace skydive::model

namespace skydive::model {

/// A field of a node as Has/Values/Sort/Dedup read it (spec §1.3, the rules of
/// `fieldOf(const Node&, key)`): a view into a record or a pointer to a `Node`'s value when the
/// field is one stored metadata value (the common case, no allocation), else a value of its own
/// (`@` pseudo keys, and the list built by a dotted path through a list). Missing when none.
class FieldValue {
public:
    FieldValue() = default;
    explicit FieldValue(ValueRef ref) noexcept : ref_(ref) {}
    /// A value owned by a `Node` that outlives this FieldValue.
    explicit FieldValue(const Value* borrowed) noexcept : borrowed_(borrowed) {}
    explicit FieldValue(Value owned) : owned_(std::move(owned)), has_owned_(true) {}

    bool exists() const noexcept { return has_owned_ || borrowed_ || ref_.exists(); }
    explicit operator bool() const noexcept { return exists(); }
    /// True when the field is a view into a record.
    bool isRef() const noexcept { return ref_.exists(); }
    ValueRef ref() const noexcept { return ref_; }
    /// REQUIRES: exists().
    ValueType type() const noexcept { return ref_ ? ref_.type() : value().type(); }
    bool isString() const noexcept { return exists() && type() == ValueType::String; }
    /// REQUIRES: isString(). Valid while the field's node is.
    std::string_view asString() const noexcept {
        return ref_ ? ref_.asString() : value().asString();
    }
    /// REQUIRES: exists().
    Value toValue() const { return ref_ ? ref_.toValue() : value(); }
    std::optional<Value> toOptional() const {
        return exists() ? std::optional<Value>(toValue()) : std::nullopt;
    }
    /// Both missing, or the same value: two record views compare their bytes in place (doubles
    /// bit for bit), anything else as `Value`s.
    friend bool operator==(const FieldValue& a, const FieldValue& b) {
        if (!a.exists() || !b.exists()) return a.exists() == b.exists();
        if (a.isRef() && b.isRef()) return a.ref() == b.ref();
        return a.toValue() == b.toValue();
    }

private:
    // REQUIRES: !ref_ and exists().
    const Value& value() const noexcept { return borrowed_ ? *borrowed_ : owned_; }

    ValueRef ref_;
    const Value* borrowed_ = nullptr;
    Value owned_;
    bool has_owned_ = false;
};

FieldValue fieldOf(NodeRef n, std::string_view key);
/// `fieldOf(a, key) == fieldOf(b, key)`, without building either field for `@` keys, nor when
/// both records share their key list and `key` is a top-level one (one search, packed bytes
/// compared in place): what re-indexing an update asks of every indexed key.
bool sameField(NodeRef a, NodeRef b, std::string_view key);

}  // namespace skydive::model
