// The flat node record (ADR 002 eighth round): encoding, reference counting and accessors.
// Layout: rec_format.h.
#include <skydive/model/node_rec.h>

#include <algorithm>
#include <cassert>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "pseudo_fields.h"
#include "rec_format.h"

namespace skydive::model {

namespace detail {

std::string_view getInternedOrInline(const unsigned char*& p) noexcept {
    std::uint64_t v = getVarint(p);
    if (v == 0) return getString(p);
    return InternedStrings::get(static_cast<std::uint32_t>(v - 1));
}

namespace {

// Room: 11 bytes and the string's.
char* writeInternedOrInline(char* p, std::string_view s) {
    std::uint32_t id = InternedStrings::intern(s);
    if (id != InternedStrings::kNone) return writeVarint(p, std::uint64_t{id} + 1);
    *p++ = '\0';
    p = writeVarint(p, s.size());
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

// The interned key list of a non-empty object. An Object's keys are its shape's trailing array
// (object_block.h), so the first key's address gives the shape without widening Object's API.
// A private shape (an object whose decoder has not finished) is interned here.
Shape* sharedShapeOf(const Object& o) {
    if (o.empty()) return nullptr;
    const Str* first = &o.begin()->first;
    const Shape* s = reinterpret_cast<const Shape*>(first) - 1;
    if (s->interned) {
        auto* shared = const_cast<Shape*>(s);
        retainShape(shared);
        return shared;
    }
    assert(!s->unsorted);
    return internShape(s->keys(), s->size);
}

void releaseBlock(const RecBlock* b) noexcept {
    if (b == nullptr) return;
    auto* m = const_cast<RecBlock*>(b);
    if (m->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    releaseShape(m->shape);
    m->~RecBlock();
    ::operator delete(m);
}

void retainBlock(const RecBlock* b) noexcept {
    if (b != nullptr) const_cast<RecBlock*>(b)->refs.fetch_add(1, std::memory_order_relaxed);
}

// Where the parts of a body start.
struct Parts {
    const unsigned char* meta;
    const unsigned char* offsets;
};

[[gnu::always_inline]] inline Parts partsOf(const RecBlock* b) noexcept {
    const unsigned char* p = b->body();
    (void)getString(p);  // ID
    auto meta_len = static_cast<std::size_t>(getVarint(p));
    return {p, p + meta_len};
}

std::size_t keyCountOf(const RecBlock* b) noexcept {
    return b->shape ? b->shape->size : 0;
}

// Where a record's values are: the offsets of values 1..n-1, then the values.
struct ValuesAt {
    const unsigned char* offsets;
    const unsigned char* values;
    bool wide;

    [[gnu::always_inline]] const unsigned char* at(std::size_t i) const noexcept {
        if (i == 0) return values;
        const unsigned char* o = offsets + (i - 1) * (wide ? 4 : 2);
        std::uint32_t off = o[0] | (std::uint32_t{o[1]} << 8);
        if (wide) off |= (std::uint32_t{o[2]} << 16) | (std::uint32_t{o[3]} << 24);
        return values + off;
    }
};

// REQUIRES: the record has keys. Inlined: value() is on the ingest's path.
[[gnu::always_inline]] inline ValuesAt valuesOf(const RecBlock* b) noexcept {
    const std::size_t n = keyCountOf(b);
    const unsigned char* offsets = partsOf(b).offsets;
    const bool wide = b->wideOffsets();
    return {offsets, offsets + (n - 1) * (wide ? 4 : 2), wide};
}

[[gnu::always_inline]] inline ValueRef valueAt(const RecBlock* b, std::size_t i) noexcept {
    return ValueRef(valuesOf(b).at(i));
}

// An Object over the record's own (interned) key list: the block is filled directly, so the
// key list is neither rebuilt nor looked up again. Object is standard-layout with its block
// pointer as only member, so the pointer is reachable through the object's address.
Value objectOver(const RecBlock* b, std::size_t n) {
    static_assert(std::is_standard_layout_v<Object> && sizeof(Object) == sizeof(ObjectBlock*));
    void* mem = ::operator new(sizeof(ObjectBlock) + n * sizeof(Value));  // as object.cpp
    auto* block = new (mem) ObjectBlock;
    block->capacity = static_cast<std::uint32_t>(n);
    std::size_t i = 0;
    for (auto [k, v] : NodeRef(b).fields()) new (&block->values()[i++]) Value(v.toValue());
    retainShape(b->shape);
    block->shape = b->shape;
    Object o;
    *reinterpret_cast<ObjectBlock**>(&o) = block;
    return Value(std::move(o));
}

}  // namespace

}  // namespace detail

using namespace detail;

NodeRec::NodeRec(const NodeRec& other) noexcept : NodeRef(other.b_) {
    retainBlock(b_);
}

NodeRec& NodeRec::operator=(const NodeRec& other) noexcept {
    retainBlock(other.b_);
    releaseBlock(b_);
    b_ = other.b_;
    return *this;
}

NodeRec& NodeRec::operator=(NodeRec&& other) noexcept {
    if (this != &other) {
        releaseBlock(b_);
        b_ = std::exchange(other.b_, nullptr);
    }
    return *this;
}

NodeRec::~NodeRec() {
    releaseBlock(b_);
}

NodeRec NodeRec::share(NodeRef r) noexcept {
    retainBlock(r.block());
    return NodeRec(r.block());
}

const RecBlock* NodeRec::release() && noexcept {
    return std::exchange(b_, nullptr);
}

NodeRec NodeRec::adopt(const RecBlock* b) noexcept {
    return NodeRec(b);
}

namespace {

// head: the ID and times, host, origin, as the layout (rec_format.h) has them. Written
// through pointers into room made once (ADR 015, 23rd round).
void putHead(std::string& head, std::string& meta, std::string_view id, std::string_view host,
             std::string_view origin, Time created_at, Time updated_at, Time deleted_at,
             std::int64_t revision) {
    meta.resize(4 * 10 + 2 * 11 + host.size() + origin.size());
    char* m = meta.data();
    m = writeVarint(m, zigzag(created_at));
    auto delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(updated_at) -
                                           static_cast<std::uint64_t>(created_at));
    m = writeVarint(m, zigzag(delta));
    m = writeVarint(m, zigzag(deleted_at));
    m = writeVarint(m, zigzag(revision));
    m = writeInternedOrInline(m, host);
    m = writeInternedOrInline(m, origin);
    const auto meta_size = static_cast<std::size_t>(m - meta.data());
    const std::size_t at = head.size();
    head.resize(at + 2 * 10 + id.size() + meta_size);
    char* p = head.data() + at;
    p = writeVarint(p, id.size());
    std::memcpy(p, id.data(), id.size());
    p = writeVarint(p + id.size(), meta_size);
    std::memcpy(p, meta.data(), meta_size);
    head.resize(static_cast<std::size_t>(p + meta_size - head.data()));
}

// The block of a record from its head, the values' offsets and the packed values; takes over
// one reference to `shape`.
const RecBlock* assemble(const std::string& head, const std::vector<std::uint32_t>& offsets,
                         std::string_view values, Shape* shape) {
    std::size_t extra = offsets.empty() ? 0 : offsets.size() - 1;
    std::size_t size = head.size() + 2 * extra + values.size();
    std::size_t width = size >= 65536 ? 4 : 2;
    size = head.size() + width * extra + values.size();

    void* mem = ::operator new(sizeof(RecBlock) + size);
    auto* b = new (mem) RecBlock;
    b->size = static_cast<std::uint32_t>(size);
    b->shape = shape;
    unsigned char* p = b->body();
    std::memcpy(p, head.data(), head.size());
    p += head.size();
    if (width == 2) {  // nearly every record: one two-byte store per offset
        for (std::size_t i = 1; i < offsets.size(); ++i, p += 2) {
            p[0] = static_cast<unsigned char>(offsets[i]);
            p[1] = static_cast<unsigned char>(offsets[i] >> 8);
        }
    } else {
        for (std::size_t i = 1; i < offsets.size(); ++i)
            for (std::size_t k = 0; k < 4; ++k)
                *p++ = static_cast<unsigned char>(offsets[i] >> (8 * k));
    }
    if (!values.empty()) std::memcpy(p, values.data(), values.size());
    return b;
}

// The least room a values buffer starts a record with (a record of typical metadata fits).
constexpr std::size_t kValuesRoom = 256;

// One large element (metadata may reach 1 MiB) must not pin its buffer in every writer thread
// for good.
void trim(std::string& buf) {
    constexpr std::size_t kKeepBytes = 64 * 1024;
    if (buf.capacity() > kKeepBytes) std::string().swap(buf);
}

}  // namespace

NodeRec NodeRec::encode(const Node& n) {
    return encode(n, Stamps{n.created_at, n.updated_at, n.revision});
}

NodeRec NodeRec::encode(const Node& n, const Stamps& stamps) {
    bool nested;
    return encode(n, stamps, nested);
}

NodeRec NodeRec::encode(const Node& n, const Stamps& stamps, bool& nested) {
    thread_local std::string head;
    thread_local std::string meta;
    thread_local std::string values;
    thread_local std::vector<std::uint32_t> offsets;
    head.clear();
    offsets.clear();
    putHead(head, meta, n.id.view(), n.host.view(), n.origin.view(), stamps.created_at,
            stamps.updated_at, n.deleted_at, stamps.revision);
    static const Object kEmpty;
    const Object& md = n.metadata.isObject() ? n.metadata.asObject() : kEmpty;
    // The buffer keeps its size from record to record: room is rarely made twice.
    values.resize(std::max<std::size_t>(values.capacity(), kValuesRoom));
    Packer pack(values, 0);
    for (const auto& [k, v] : md) {
        offsets.push_back(static_cast<std::uint32_t>(pack.size()));
        pack.value(v);
    }
    nested = pack.nested();
    pack.finish();
    NodeRec rec = adopt(assemble(head, offsets, values, sharedShapeOf(md)));
    trim(values);
    trim(head);
    trim(meta);
    return rec;
}

NodeRecBuilder::~NodeRecBuilder() {
    releaseShape(shape_);
}

void NodeRecBuilder::start(std::string_view id, std::string_view host, std::string_view origin,
                           Time created_at, Time updated_at, Time deleted_at,
                           std::int64_t revision) {
    head_.clear();
    values_.resize(std::max<std::size_t>(values_.capacity(), kValuesRoom));
    values_at_ = 0;
    offsets_.clear();
    keys_.clear();
    putHead(head_, meta_, id, host, origin, created_at, updated_at, deleted_at, revision);
}

void NodeRecBuilder::next(std::string_view key) {
    keys_.push_back(key);
    offsets_.push_back(static_cast<std::uint32_t>(values_at_));
}

namespace {

// One value packed at the builder's write position, which moves past it.
template <typename Write>
void packAt(std::string& values, std::size_t& at, const Write& write) {
    Packer p(values, at);
    write(p);
    at = p.size();
}

}  // namespace

void NodeRecBuilder::addNull(std::string_view key) {
    next(key);
    packAt(values_, values_at_, [](Packer& p) { p.nullValue(); });
}
void NodeRecBuilder::addBool(std::string_view key, bool b) {
    next(key);
    packAt(values_, values_at_, [&](Packer& p) { p.boolValue(b); });
}
void NodeRecBuilder::addInt(std::string_view key, std::int64_t i) {
    next(key);
    packAt(values_, values_at_, [&](Packer& p) { p.intValue(i); });
}
void NodeRecBuilder::addString(std::string_view key, std::string_view s) {
    next(key);
    packAt(values_, values_at_, [&](Packer& p) { p.stringValue(s); });
}
void NodeRecBuilder::addValue(std::string_view key, const Value& v) {
    next(key);
    packAt(values_, values_at_, [&](Packer& p) { p.value(v); });
}

Shape* NodeRecBuilder::shapeOfKeys() {
    if (keys_.empty()) return nullptr;
    // Records decoded in a row mostly share their key list: compare with the last one before
    // hashing the keys to intern them.
    bool same = shape_ != nullptr && shape_->size == keys_.size();
    for (std::size_t i = 0; same && i < keys_.size(); ++i)
        same = shape_->keys()[i].view() == keys_[i];
    if (!same) {
        std::vector<Str> keys(keys_.begin(), keys_.end());
        Shape* interned = internShape(keys.data(), keys.size());
        releaseShape(std::exchange(shape_, interned));
    }
    retainShape(shape_);
    return shape_;
}

NodeRec NodeRecBuilder::finish() {
    Shape* shape = shapeOfKeys();
    values_.resize(values_at_);
    NodeRec rec = NodeRec::adopt(assemble(head_, offsets_, values_, shape));
    trim(values_);
    trim(head_);
    trim(meta_);
    return rec;
}

namespace {

// The checks of finishPacked() on bytes that may be corrupt: a varint that is minimal and fits
// 64 bits, read without passing `end`.
bool checkedVarint(const unsigned char*& p, const unsigned char* end, std::uint64_t& v) noexcept {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p == end) return false;
        const unsigned char b = *p++;
        if (shift == 63 && b > 1) return false;
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return b != 0 || shift == 0;
    }
    return false;
}

// One canonical packed value at p, ending at or before `end`; its end, or nullptr.
const unsigned char* checkedValue(const unsigned char* p, const unsigned char* end,
                                  std::size_t depth, std::size_t max_depth) noexcept {
    if (depth > max_depth || p == end) return nullptr;
    const unsigned char tag = *p++;
    const auto left = [&] { return static_cast<std::uint64_t>(end - p); };
    if (tag >= kTagShortString) {
        const std::uint64_t n = tag - kTagShortString;
        return n <= left() ? p + n : nullptr;
    }
    std::uint64_t n = 0;
    switch (static_cast<RecTag>(tag)) {
        case kTagNull:
        case kTagFalse:
        case kTagTrue: return p;
        case kTagInt: return checkedVarint(p, end, n) ? p : nullptr;
        case kTagDouble: return left() >= 8 ? p + 8 : nullptr;
        case kTagString:  // the long form only past the short form's reach
            return checkedVarint(p, end, n) && n > kShortStringMax && n <= left() ? p + n : nullptr;
        case kTagList:
        case kTagObject: {
            if (!checkedVarint(p, end, n) || n > left()) return nullptr;
            const unsigned char* body_end = p + n;
            std::uint64_t count = 0;
            // Every item takes a byte at least, every entry two.
            if (!checkedVarint(p, body_end, count) ||
                count > static_cast<std::uint64_t>(body_end - p))
                return nullptr;
            std::string_view prev;
            for (std::uint64_t i = 0; i < count; ++i) {
                if (tag == kTagObject) {
                    std::uint64_t len = 0;
                    if (!checkedVarint(p, body_end, len) ||
                        len > static_cast<std::uint64_t>(body_end - p))
                        return nullptr;
                    const std::string_view key(reinterpret_cast<const char*>(p), len);
                    if (i > 0 && key <= prev) return nullptr;
                    prev = key;
                    p += len;
                }
                p = checkedValue(p, body_end, depth + 1, max_depth);
                if (p == nullptr) return nullptr;
            }
            return p == body_end ? p : nullptr;
        }
        default: return nullptr;
    }
}

}  // namespace

Result<NodeRec> NodeRecBuilder::finishPacked(const std::vector<std::string_view>& keys,
                                             std::string_view packed, std::size_t max_depth) {
    offsets_.clear();
    const auto* start = reinterpret_cast<const unsigned char*>(packed.data());
    const unsigned char* end = start + packed.size();
    const unsigned char* p = start;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        offsets_.push_back(static_cast<std::uint32_t>(p - start));
        p = checkedValue(p, end, 2, max_depth);
        if (p == nullptr)
            return Error{ErrorCode::Corruption,
                         "bad packed value of key '" + std::string(keys[i]) + "'"};
    }
    if (p != end) return Error{ErrorCode::Corruption, "bytes after the last value"};
    keys_.assign(keys.begin(), keys.end());
    Shape* shape = shapeOfKeys();
    NodeRec rec = NodeRec::adopt(assemble(head_, offsets_, packed, shape));
    trim(head_);
    trim(meta_);
    return rec;
}

std::string_view NodeRef::id() const noexcept {
    const unsigned char* p = b_->body();
    return getString(p);
}

NodeRef::Head NodeRef::head() const noexcept {
    Head h;
    const unsigned char* p = b_->body();
    h.id = getString(p);
    (void)getVarint(p);  // the meta part's length: it starts here
    h.created_at = unzigzag(getVarint(p));
    h.updated_at = static_cast<Time>(static_cast<std::uint64_t>(h.created_at) +
                                     static_cast<std::uint64_t>(unzigzag(getVarint(p))));
    h.deleted_at = unzigzag(getVarint(p));
    h.revision = unzigzag(getVarint(p));
    h.host = getInternedOrInline(p);
    h.origin = getInternedOrInline(p);
    return h;
}

std::string_view NodeRef::host() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    for (int i = 0; i < 4; ++i) (void)getVarint(p);
    return getInternedOrInline(p);
}

// Without reading the strings when both are interned: an id names one string for the life of
// the process (`@Host` is re-indexed on every update).
bool detail::sameHost(NodeRef a, NodeRef b) noexcept {
    const unsigned char* p = partsOf(a.block()).meta;
    const unsigned char* q = partsOf(b.block()).meta;
    for (int i = 0; i < 4; ++i) (void)getVarint(p), (void)getVarint(q);
    const unsigned char* p_host = p;
    const unsigned char* q_host = q;
    const std::uint64_t a_id = getVarint(p), b_id = getVarint(q);
    if (a_id != 0 && b_id != 0) return a_id == b_id;
    return getInternedOrInline(p_host) == getInternedOrInline(q_host);
}

std::string_view NodeRef::origin() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    for (int i = 0; i < 4; ++i) (void)getVarint(p);
    (void)getInternedOrInline(p);
    return getInternedOrInline(p);
}

Time NodeRef::createdAt() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    return unzigzag(getVarint(p));
}

Time NodeRef::updatedAt() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    auto created = static_cast<std::uint64_t>(unzigzag(getVarint(p)));
    auto delta = static_cast<std::uint64_t>(unzigzag(getVarint(p)));
    return static_cast<Time>(created + delta);
}

Time NodeRef::deletedAt() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    (void)getVarint(p);
    (void)getVarint(p);
    return unzigzag(getVarint(p));
}

std::int64_t NodeRef::revision() const noexcept {
    const unsigned char* p = partsOf(b_).meta;
    for (int i = 0; i < 3; ++i) (void)getVarint(p);
    return unzigzag(getVarint(p));
}

std::size_t NodeRef::keyCount() const noexcept {
    return keyCountOf(b_);
}

std::string_view NodeRef::key(std::size_t i) const noexcept {
    return b_->shape->keys()[i].view();
}

std::string_view NodeRef::packedKeys() const noexcept {
    // A record's key list is always interned (sharedShapeOf, NodeRecBuilder): it is packed.
    assert(b_->shape == nullptr || b_->shape->interned);
    if (b_->shape == nullptr) return std::string_view("\0", 1);
    return {b_->shape->packedKeys(), b_->shape->packed_keys_size};
}

ValueRef NodeRef::value(std::size_t i) const noexcept {
    return valueAt(b_, i);
}

std::uint64_t NodeRef::differingValues(NodeRef other, const std::size_t* positions,
                                       std::size_t count) const noexcept {
    assert(sameKeys(other));
    const std::size_t n = keyCountOf(b_);
    if (n == 0) return 0;
    const ValuesAt a = valuesOf(b_), b = valuesOf(other.b_);
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < std::min<std::size_t>(count, 64); ++k) {
        const std::size_t i = positions[k];
        if (i >= n) continue;
        const unsigned char* va = a.at(i);
        const unsigned char* vb = b.at(i);
        const std::size_t size = packedSize(va);
        if (size != packedSize(vb) || std::memcmp(va, vb, size) != 0) bits |= std::uint64_t{1} << k;
    }
    return bits;
}

std::string_view NodeRef::packedValues() const noexcept {
    const std::size_t n = keyCountOf(b_);
    if (n == 0) return {};
    const unsigned char* values = valueAt(b_, 0).data();
    const unsigned char* end = b_->body() + b_->size;
    return {reinterpret_cast<const char*>(values), static_cast<std::size_t>(end - values)};
}

NodeRef::FieldRange NodeRef::fields() const noexcept {
    std::size_t n = keyCountOf(b_);
    if (n == 0) return {};
    const Str* keys = b_->shape->keys();
    return {FieldIterator(keys, valueAt(b_, 0).data()), FieldIterator(keys + n, nullptr)};
}

ValueRef NodeRef::field(std::string_view key) const noexcept {
    const std::size_t i = fieldIndex(key);
    return i < keyCountOf(b_) ? valueAt(b_, i) : ValueRef();
}

std::size_t NodeRef::fieldIndex(std::string_view key) const noexcept {
    const Shape* s = b_->shape;
    if (s == nullptr) return 0;
    const Str* keys = s->keys();
    std::size_t n = s->size;
    if (n <= 8) {  // as Object::find: a linear scan wins on small key lists
        for (std::size_t i = 0; i < n; ++i)
            if (keys[i].view() == key) return i;
        return n;
    }
    const Str* it = std::lower_bound(keys, keys + n, key,
                                     [](const Str& k, std::string_view q) { return k.view() < q; });
    return it == keys + n || it->view() != key ? n : static_cast<std::size_t>(it - keys);
}

bool NodeRef::sameKeys(NodeRef other) const noexcept {
    return b_->shape == other.b_->shape;
}

Node NodeRef::toNode() const {
    Node n;
    const Head h = head();
    n.id = h.id;
    n.created_at = h.created_at;
    n.updated_at = h.updated_at;
    n.deleted_at = h.deleted_at;
    n.revision = h.revision;
    n.host = h.host;
    n.origin = h.origin;
    n.metadata = metadata();
    return n;
}

Value NodeRef::metadata() const {
    const std::size_t count = keyCount();
    return count > 0 ? objectOver(b_, count) : Value::object();
}

std::size_t NodeRef::blockBytes() const noexcept {
    return b_ ? sizeof(RecBlock) + b_->size : 0;
}

bool operator==(NodeRef a, NodeRef b) noexcept {
    if (a.b_ == b.b_) return true;
    if (a.b_ == nullptr || b.b_ == nullptr) return false;
    return a.b_->shape == b.b_->shape && a.b_->size == b.b_->size &&
           std::memcmp(a.b_->body(), b.b_->body(), a.b_->size) == 0;
}

}  // namespace skydive::model
