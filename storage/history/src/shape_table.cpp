#include "shape_table.h"

#include <algorithm>

#include <skydive/store/keys.h>

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

struct ShapeTable::Entry {
    std::string def;    // the definition (FORMAT.md); `shape` views into it
    RecordShape shape;  // never moved once published
    std::atomic<bool> durable{false};
};

ShapeTable::ShapeTable() = default;

ShapeTable::~ShapeTable() {
    for (auto& seg : segments_) {
        Segment* s = seg.load(std::memory_order_relaxed);
        if (s == nullptr) continue;
        for (auto& slot : *s) delete slot.load(std::memory_order_relaxed);
        delete s;
    }
}

std::string shapeKey(std::uint32_t id) {
    std::string out(kShapePrefix);
    putU32(out, id);
    return out;
}

void ShapeTable::publish(std::uint32_t id, std::unique_ptr<Entry> e) {
    auto& seg = segments_[id / kSegment];
    Segment* s = seg.load(std::memory_order_relaxed);
    if (s == nullptr) {
        s = new Segment;
        for (auto& slot : *s) slot.store(nullptr, std::memory_order_relaxed);
        seg.store(s, std::memory_order_release);
    }
    by_def_.emplace(e->def, id);
    (*s)[id % kSegment].store(e.release(), std::memory_order_release);
    count_.fetch_add(1, std::memory_order_relaxed);
}

ShapeTable::Entry* ShapeTable::entry(std::uint32_t id) const noexcept {
    if (id >= kCapacity) return nullptr;
    const Segment* s = segments_[id / kSegment].load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    return (*s)[id % kSegment].load(std::memory_order_acquire);
}

std::optional<ShapeTable::Interned> ShapeTable::intern(std::string_view host,
                                                       std::string_view origin,
                                                       std::string_view packed_keys) {
    thread_local std::string def;
    def.clear();
    encodeShapeDefinition(def, host, origin, packed_keys);
    std::lock_guard l(mu_);
    if (auto it = by_def_.find(def); it != by_def_.end()) {
        const Entry* e = entry(it->second);
        return Interned{it->second, !e->durable.load(std::memory_order_acquire)};
    }
    if (next_ >= kCapacity) return std::nullopt;
    auto e = std::make_unique<Entry>();
    e->def = def;
    auto parsed = decodeShapeDefinition(e->def);
    if (!parsed) return std::nullopt;  // keys the record itself holds: cannot happen
    e->shape = std::move(*parsed);
    const std::uint32_t id = next_++;
    publish(id, std::move(e));
    return Interned{id, true};
}

std::string_view ShapeTable::definition(std::uint32_t id) const {
    const Entry* e = entry(id);
    return e != nullptr ? std::string_view(e->def) : std::string_view();
}

void ShapeTable::markDurable(std::span<const std::uint32_t> ids) {
    for (std::uint32_t id : ids)
        if (Entry* e = entry(id)) e->durable.store(true, std::memory_order_release);
}

const RecordShape* ShapeTable::shape(std::uint32_t id) const noexcept {
    const Entry* e = entry(id);
    return e != nullptr ? &e->shape : nullptr;
}

model::Status ShapeTable::load(std::string_view key, std::string_view value) {
    if (key.size() != kShapePrefix.size() + 4 || !key.starts_with(kShapePrefix))
        return makeError(ErrorCode::Corruption, "bad shape key");
    std::uint32_t id = 0;
    for (char c : key.substr(kShapePrefix.size())) id = id << 8 | static_cast<std::uint8_t>(c);
    if (id >= kCapacity)
        return makeError(ErrorCode::Corruption, "shape number " + std::to_string(id) + " beyond " +
                                                    std::to_string(kCapacity));
    auto e = std::make_unique<Entry>();
    e->def.assign(value);
    auto parsed = decodeShapeDefinition(e->def);
    if (!parsed) return parsed.error();
    e->shape = std::move(*parsed);
    e->durable.store(true, std::memory_order_relaxed);
    std::lock_guard l(mu_);
    if (const Entry* known = entry(id); known != nullptr && known->def == e->def)
        return {};  // loaded again (a reload of the same store)
    if (entry(id) != nullptr || by_def_.contains(e->def))
        return makeError(ErrorCode::Corruption, "shape " + std::to_string(id) + " defined twice");
    // Numbers may have gaps (a shape whose only batch failed): new ones go after the highest.
    next_ = std::max(next_, id + 1);
    publish(id, std::move(e));
    return {};
}

bool ShapedEncoder::contains(const std::vector<std::uint32_t>& ids, std::uint32_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace skydive::store
