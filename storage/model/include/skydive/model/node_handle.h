#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <skydive/model/element.h>
#include <skydive/model/node_rec.h>

namespace skydive::model {

class JsonWriter;

/// What a graph view hands out for a node (ADR 002, ninth round): a pointer-sized, non-owning
/// handle on either a `Node` (views over decoded history, test views) or a flat record (the
/// live graph's `NodeRec`). Valid for as long as the view that produced it, the contract of the
/// `const Node&` it replaces. Read through the accessors: they work the same on both forms.
class NodeHandle {
public:
    NodeHandle() noexcept = default;
    /// Implicit, so that producers hand out what they hold. The node must outlive the handle.
    NodeHandle(const Node& n) noexcept : word_(reinterpret_cast<std::uintptr_t>(&n)) {}  // NOLINT
    NodeHandle(NodeRef r) noexcept                                                       // NOLINT
        : word_(r ? reinterpret_cast<std::uintptr_t>(r.block()) | kRecordBit : 0) {}
    NodeHandle(const Node&&) = delete;  // a temporary would dangle

    bool isNull() const noexcept { return word_ == 0; }
    explicit operator bool() const noexcept { return word_ != 0; }
    bool isRecord() const noexcept { return (word_ & kRecordBit) != 0; }
    /// The node behind the handle, or null when it is a record.
    const Node* node() const noexcept {
        return isRecord() ? nullptr : reinterpret_cast<const Node*>(word_);
    }
    /// The record behind the handle, or a null NodeRef when it is a `Node`.
    NodeRef record() const noexcept {
        return isRecord() ? NodeRef(reinterpret_cast<const detail::RecBlock*>(word_ & ~kRecordBit))
                          : NodeRef();
    }

    std::string_view id() const noexcept;
    std::string_view host() const noexcept;
    std::string_view origin() const noexcept;
    Time createdAt() const noexcept;
    Time updatedAt() const noexcept;
    Time deletedAt() const noexcept;  ///< 0 while alive
    std::int64_t revision() const noexcept;
    bool alive() const noexcept { return deletedAt() == 0; }

    /// A top-level metadata value by key (no dotted path, no `@` key), read in place.
    FieldValue field(std::string_view key) const;
    /// The metadata as an object value (shared for a `Node`, built for a record).
    Value metadata() const;
    /// A copy of the node.
    Node toNode() const;

    /// The same element revision: same address (handles are compared by identity).
    friend bool operator==(NodeHandle a, NodeHandle b) noexcept { return a.word_ == b.word_; }
    std::uintptr_t address() const noexcept { return word_; }

private:
    static constexpr std::uintptr_t kRecordBit = 1;
    std::uintptr_t word_ = 0;
};

/// `fieldOf(const Node&, key)` on either form (spec §1.3: `@` keys, `Metadata.` prefix, dotted
/// paths with list fan-out).
FieldValue fieldOf(NodeHandle n, std::string_view key);
/// The same bytes as `writeNode(w, const Node&)`.
void writeNode(JsonWriter& w, NodeHandle n);
std::string toJson(NodeHandle n);

struct NodeHandleHash {
    std::size_t operator()(NodeHandle h) const noexcept {
        return std::hash<std::uintptr_t>{}(h.address());
    }
};

}  // namespace skydive::model
