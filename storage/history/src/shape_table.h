#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <skydive/model/result.h>
#include <skydive/store/record_codec.h>

namespace skydive::store {

/// The shapes of node records (FORMAT.md, format 7): a Host, an Origin and a metadata key list,
/// numbered, so that a node record (value format 0x05) names its shape in one or two bytes
/// instead of repeating the ~60 bytes that most revisions of a node share with each other and
/// with the other nodes of their agent and type. Shapes are never removed; `default` holds each
/// one as `shape | id u32` = its definition.
///
/// Writers (any thread) intern; readers (any thread) resolve numbers without a lock. A shape's
/// definition goes into every batch that uses it until one such batch is written
/// (markDurable): a failed write cannot leave a stored record whose shape a restart lacks.
/// Past kCapacity shapes intern() answers nothing and records carry their shape (0x04).
class ShapeTable final : public RecordShapes {
public:
    static constexpr std::uint32_t kCapacity = 1u << 16;

    ShapeTable();
    ~ShapeTable() override;
    ShapeTable(const ShapeTable&) = delete;
    ShapeTable& operator=(const ShapeTable&) = delete;

    struct Interned {
        std::uint32_t id = 0;
        bool define = false;  ///< not known durable: the batch must carry its definition
    };
    /// The number of this shape, a new one when unseen; nullopt when the table is full.
    /// `packed_keys` as NodeRef::packedKeys() gives them.
    std::optional<Interned> intern(std::string_view host, std::string_view origin,
                                   std::string_view packed_keys);
    /// The `default` value that defines shape `id` (REQUIRES: interned or loaded).
    std::string_view definition(std::uint32_t id) const;
    /// The shapes defined by a batch that was written.
    void markDurable(std::span<const std::uint32_t> ids);
    const RecordShape* shape(std::uint32_t id) const noexcept override;
    /// Adds one `default` entry read at open; Corruption when malformed.
    model::Status load(std::string_view key, std::string_view value);
    std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    struct Entry;
    static constexpr std::uint32_t kSegment = 256;
    using Segment = std::array<std::atomic<Entry*>, kSegment>;

    void publish(std::uint32_t id, std::unique_ptr<Entry> e);  // under mu_
    Entry* entry(std::uint32_t id) const noexcept;

    std::mutex mu_;  // writers: the map, new entries and segments
    std::unordered_map<std::string_view, std::uint32_t> by_def_;  // views into the entries
    // Owns its segments and their entries (freed with the table).
    std::array<std::atomic<Segment*>, kCapacity / kSegment> segments_{};
    std::uint32_t next_ = 0;  // under mu_: the number a new shape gets
    std::atomic<std::size_t> count_{0};
};

/// The `default` key of shape `id`: "shape" | id u32 BE.
std::string shapeKey(std::uint32_t id);
inline constexpr std::string_view kShapePrefix = "shape";

/// Encodes a node's record as `rev` holds it since format 7: 0x05 with its shape's number when
/// the table has room (the definition, when not yet durable, put in `side` and its number added
/// to `defined`, once per pass), else the self-contained 0x04 record. It remembers the previous
/// record's shape, so that a run of one shape looks the table up once. One per encoding pass
/// (thread).
class ShapedEncoder {
public:
    explicit ShapedEncoder(ShapeTable& table) : table_(table) {}
    /// `define(key, value)`: puts a shape definition into the batch being built.
    template <typename Define>
    void encode(std::string& out, model::NodeRef n, const model::NodeRef::Head& h,
                std::vector<std::uint32_t>& defined, Define&& define) {
        const std::string_view keys = n.packedKeys();
        if (!cached_ || h.host != last_host_ || h.origin != last_origin_ || keys != last_keys_) {
            cached_ = true;
            last_ = table_.intern(h.host, h.origin, keys);
            last_host_.assign(h.host);
            last_origin_.assign(h.origin);
            last_keys_.assign(keys);
            if (last_ && last_->define && !contains(defined, last_->id)) {
                defined.push_back(last_->id);
                define(shapeKey(last_->id), table_.definition(last_->id));
            }
        }
        if (last_)
            encodeShapedNodeRecord(out, n, h.deleted_at, last_->id);
        else
            encodeNodeRecord(out, n, h);
    }

private:
    static bool contains(const std::vector<std::uint32_t>& ids, std::uint32_t id);

    ShapeTable& table_;
    bool cached_ = false;  // last_ answers for the last_* fields
    std::optional<ShapeTable::Interned> last_;
    std::string last_host_, last_origin_, last_keys_;
};

}  // namespace skydive::store
