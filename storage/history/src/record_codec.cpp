#include <skydive/store/record_codec.h>

#include <bit>
#include <cassert>
#include <cstring>
#include <vector>

namespace skydive::store {

using model::ErrorCode;
using model::Result;
using model::Value;

namespace {

// Value tags (FORMAT.md "rev value, format 0x02").
enum Tag : std::uint8_t {
    kNull = 0,
    kFalse = 1,
    kTrue = 2,
    kInt = 3,
    kDouble = 4,
    kString = 5,
    kList = 6,
    kObject = 7,
};

// The encodings' byte writers, into room the caller made (at most 10 and 8 bytes).
char* writeVarint(char* p, std::uint64_t v) {
    while (v >= 0x80) {
        *p++ = static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}
std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
char* writeDouble(char* p, double d) {  // IEEE 754 bits, little-endian
    const auto bits = std::bit_cast<std::uint64_t>(d);
    for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
    return p;
}

void putVarint(std::string& out, std::uint64_t v) {
    if (v < 0x80) {
        out.push_back(static_cast<char>(v));
        return;
    }
    char b[10];
    out.append(b, static_cast<std::size_t>(writeVarint(b, v) - b));
}
void putZigzag(std::string& out, std::int64_t v) {
    putVarint(out, zigzag(v));
}
void putBytes(std::string& out, std::string_view s) {
    putVarint(out, s.size());
    out.append(s);
}

model::Error corrupt(const char* what) {
    return model::Error{ErrorCode::Corruption, std::string("rev record: ") + what};
}

// A cursor that fails instead of reading past the end and rejects non-minimal varints.
struct Cursor {
    std::string_view in;

    bool varint(std::uint64_t& v) {
        v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (in.empty()) return false;
            auto b = static_cast<std::uint8_t>(in[0]);
            in.remove_prefix(1);
            if (shift == 63 && b > 1) return false;
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return b != 0 || shift == 0;  // minimal encodings only
        }
        return false;
    }
    bool zigzag(std::int64_t& v) {
        std::uint64_t u;
        if (!varint(u)) return false;
        v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
        return true;
    }
    bool bytes(std::string_view& s) {
        std::uint64_t n;
        if (!varint(n) || n > in.size()) return false;
        s = in.substr(0, n);
        in.remove_prefix(n);
        return true;
    }
};

// Writes through a pointer into room made beforehand: the node record encoder's sink (the
// staging of an ingested group encodes a thousand records, and a capacity check per byte was a
// quarter of that encoding's time; ADR 015, sixteenth round).
struct RawWriter {
    char* p;

    void byte(std::uint8_t b) { *p++ = static_cast<char>(b); }
    void varint(std::uint64_t v) { p = writeVarint(p, v); }
    void bytes(std::string_view s) {
        varint(s.size());
        copy(p, s.data(), s.size());
        p += s.size();
    }
    // Bytes already encoded (a key list, packed values), without a length.
    void raw(std::string_view s) {
        if (s.empty()) return;  // a record without keys has no values (and a null view)
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    }

    // Keys and most string values are a few bytes: two overlapping fixed-size moves instead of
    // a call to memcpy for each (~15 instructions, a dozen a revision; ADR 015, 23rd round).
    static void copy(char* to, const char* from, std::size_t n) {
        if (n >= 8 && n <= 16) {
            std::memcpy(to, from, 8);
            std::memcpy(to + n - 8, from + n - 8, 8);
        } else if (n >= 4 && n < 8) {
            std::memcpy(to, from, 4);
            std::memcpy(to + n - 4, from + n - 4, 4);
        } else if (n < 4) {
            for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
        } else {
            std::memcpy(to, from, n);
        }
    }
};

void encodeTagged(std::string& out, const Value& v);

// count | count x (key | value): an object's entries, keys ascending.
void encodeObjectBody(std::string& out, const model::Object& o) {
    putVarint(out, o.size());
    for (const auto& [k, child] : o) {
        putBytes(out, k.view());
        encodeTagged(out, child);
    }
}

// One tagged value (the edge records', format 5 node records' and encodeValue's).
void encodeTagged(std::string& out, const Value& v) {
    switch (v.type()) {
        case model::ValueType::Null: out.push_back(static_cast<char>(kNull)); return;
        case model::ValueType::Bool:
            out.push_back(static_cast<char>(v.asBool() ? kTrue : kFalse));
            return;
        case model::ValueType::Int:
            out.push_back(static_cast<char>(kInt));
            putZigzag(out, v.asInt());
            return;
        case model::ValueType::Double: {
            out.push_back(static_cast<char>(kDouble));
            char b[8];
            out.append(b, static_cast<std::size_t>(writeDouble(b, v.asDouble()) - b));
            return;
        }
        case model::ValueType::String:
            out.push_back(static_cast<char>(kString));
            putBytes(out, v.asString());
            return;
        case model::ValueType::List:
            out.push_back(static_cast<char>(kList));
            putVarint(out, v.asList().size());
            for (const Value& item : v.asList()) encodeTagged(out, item);
            return;
        case model::ValueType::Object:
            out.push_back(static_cast<char>(kObject));
            encodeObjectBody(out, v.asObject());
            return;
    }
}

Result<Value> decodeAt(Cursor& c, std::size_t depth);

// An object body: count | count x (key | value), keys strictly ascending. Calls
// begin(count), then entry(key) for each key with the cursor on its value, which entry reads
// (an error it returns stops the walk).
template <typename Begin, typename Entry>
model::Status forEachEntry(Cursor& c, const Begin& begin, const Entry& entry) {
    std::uint64_t n;
    // Each entry takes at least two bytes, which bounds the reservation by the input size.
    if (!c.varint(n) || n > c.in.size() / 2) return corrupt("bad object size");
    begin(n);
    std::string_view prev;
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string_view key;
        if (!c.bytes(key)) return corrupt("truncated object key");
        if (i > 0 && key <= prev) return corrupt("object keys not strictly ascending");
        prev = key;
        if (auto st = entry(key); !st.ok()) return st;
    }
    return {};
}

Result<Value> decodeObjectBody(Cursor& c, std::size_t depth) {
    model::Object o;
    auto st = forEachEntry(
        c, [&](std::uint64_t n) { o.reserve(n); },
        [&](std::string_view key) -> model::Status {
            auto v = decodeAt(c, depth + 1);
            if (!v) return v.error();
            o.appendUnsorted(model::Str(key), std::move(*v));  // sorted, checked by the walk
            return {};
        });
    if (!st.ok()) return st.error();
    return Value(std::move(o));
}

Result<Value> decodeAt(Cursor& c, std::size_t depth) {
    if (depth > kMaxValueDepth) return corrupt("value nesting too deep");
    if (c.in.empty()) return corrupt("truncated value");
    auto tag = static_cast<std::uint8_t>(c.in[0]);
    c.in.remove_prefix(1);
    switch (tag) {
        case kNull: return Value();
        case kFalse: return Value(false);
        case kTrue: return Value(true);
        case kInt: {
            std::int64_t i;
            if (!c.zigzag(i)) return corrupt("bad integer");
            return Value(static_cast<long long>(i));
        }
        case kDouble: {
            if (c.in.size() < 8) return corrupt("truncated double");
            std::uint64_t bits = 0;
            for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<std::uint8_t>(c.in[i]);
            c.in.remove_prefix(8);
            return Value(std::bit_cast<double>(bits));
        }
        case kString: {
            std::string_view s;
            if (!c.bytes(s)) return corrupt("truncated string");
            return Value(s);
        }
        case kList: {
            std::uint64_t n;
            if (!c.varint(n) || n > c.in.size()) return corrupt("bad list size");
            model::List list;
            list.reserve(n);
            for (std::uint64_t i = 0; i < n; ++i) {
                auto v = decodeAt(c, depth + 1);
                if (!v) return v.error();
                list.push_back(std::move(*v));
            }
            return Value(std::move(list));
        }
        case kObject: return decodeObjectBody(c, depth);
        default: return corrupt("unknown value tag");
    }
}

void encodeElement(std::string& out, const model::Element& e) {
    out.push_back(static_cast<char>(kRecordFormat));
    putBytes(out, e.id.view());
    putBytes(out, e.host.view());
    putBytes(out, e.origin.view());
    putZigzag(out, e.created_at);
    putZigzag(out, e.updated_at);
    putZigzag(out, e.deleted_at);
    putZigzag(out, e.revision);
}

// The fields every record starts with, as views into the record.
struct Head {
    std::string_view id, host, origin;
    std::int64_t created_at = 0, updated_at = 0, deleted_at = 0, revision = 0;
};

// `format`: the format byte the record must start with.
model::Status decodeHead(Cursor& c, Head& h, std::uint8_t format = kRecordFormat) {
    std::uint8_t fmt = c.in.empty() ? 0 : static_cast<std::uint8_t>(c.in[0]);
    if (fmt != format) return corrupt("bad format byte");
    c.in.remove_prefix(1);
    if (!c.bytes(h.id) || !c.bytes(h.host) || !c.bytes(h.origin))
        return corrupt("truncated string");
    if (h.id.empty()) return corrupt("empty ID");
    if (!c.zigzag(h.created_at) || !c.zigzag(h.updated_at) || !c.zigzag(h.deleted_at) ||
        !c.zigzag(h.revision))
        return corrupt("bad time or revision");
    return {};
}

model::Status decodeElement(Cursor& c, model::Element& e) {
    Head h;
    if (auto st = decodeHead(c, h); !st.ok()) return st;
    e.id = h.id;
    e.host = h.host;
    e.origin = h.origin;
    e.created_at = h.created_at;
    e.updated_at = h.updated_at;
    e.deleted_at = h.deleted_at;
    e.revision = h.revision;
    return {};
}

model::Status decodeMetadata(Cursor& c, model::Element& e) {
    auto md = decodeObjectBody(c, 1);
    if (!md) return md.error();
    e.metadata = std::move(*md);
    if (!c.in.empty()) return corrupt("trailing bytes");
    return {};
}

}  // namespace

void encodeValue(std::string& out, const Value& v) {
    encodeTagged(out, v);
}

Result<Value> decodeValue(std::string_view& in) {
    Cursor c{in};
    auto v = decodeAt(c, 0);
    if (v) in = c.in;
    return v;
}

// node (format 5): 0x02 | id | host | origin | CreatedAt | UpdatedAt | DeletedAt | Revision |
//                   metadata
// edge: same, with parent | child before the metadata.
void encodeNodeRecordV2(std::string& out, const model::Node& n) {
    encodeElement(out, n);
    encodeObjectBody(out, n.metadata.asObject());
}

void encodeNodeRecord(std::string& out, model::NodeRef n) {
    encodeNodeRecord(out, n, n.head());
}

// node (format 6): 0x04 | id | host | origin | CreatedAt | UpdatedAt | DeletedAt | Revision |
//                   count vu | count x key str | count packed values (rec_format.h)
void encodeNodeRecord(std::string& out, model::NodeRef n, const model::NodeRef::Head& h) {
    const std::string_view keys = n.packedKeys();
    const std::string_view values = n.packedValues();
    const std::size_t room =
        1 + h.id.size() + h.host.size() + h.origin.size() + 7 * 10 + keys.size() + values.size();
    const std::size_t at = out.size();
    out.resize(at + room);
    RawWriter w{out.data() + at};
    w.byte(kPackedNodeRecordFormat);
    w.bytes(h.id);
    w.bytes(h.host);
    w.bytes(h.origin);
    w.varint(zigzag(h.created_at));
    w.varint(zigzag(h.updated_at));
    w.varint(zigzag(h.deleted_at));
    w.varint(zigzag(h.revision));
    w.raw(keys);
    w.raw(values);
    assert(w.p <= out.data() + at + room);
    out.resize(static_cast<std::size_t>(w.p - out.data()));
}

// node (format 7): 0x05 | shape vu | DeletedAt zz | count packed values (rec_format.h); the
// rest of the head is the `rev` key and the shape.
void encodeShapedNodeRecord(std::string& out, model::NodeRef n, model::Time deleted_at,
                            std::uint32_t shape) {
    const std::string_view values = n.packedValues();
    const std::size_t at = out.size();
    out.resize(at + 1 + 5 + 10 + values.size());
    RawWriter w{out.data() + at};
    w.byte(kShapedNodeRecordFormat);
    w.varint(shape);
    w.varint(zigzag(deleted_at));
    w.raw(values);
    out.resize(static_cast<std::size_t>(w.p - out.data()));
}

// shape: 0x01 | host str | origin str | count vu | count x key str (strictly ascending)
void encodeShapeDefinition(std::string& out, std::string_view host, std::string_view origin,
                           std::string_view packed_keys) {
    out.push_back(static_cast<char>(kShapeDefinitionFormat));
    putBytes(out, host);
    putBytes(out, origin);
    out.append(packed_keys);
}

void encodeEdgeRecord(std::string& out, const model::Edge& e) {
    encodeElement(out, e);
    putBytes(out, e.parent.view());
    putBytes(out, e.child.view());
    encodeObjectBody(out, e.metadata.asObject());
}

Result<model::Node> decodeNodeRecord(std::string_view bytes) {
    if (!bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == kPackedNodeRecordFormat) {
        thread_local model::NodeRecBuilder builder;
        auto rec = decodeNodeRecordTo(bytes, builder);
        if (!rec) return rec.error();
        return rec->toNode();
    }
    Cursor c{bytes};
    model::Node n;
    if (auto st = decodeElement(c, n); !st.ok()) return st.error();
    if (auto st = decodeMetadata(c, n); !st.ok()) return st.error();
    return n;
}

namespace {

// count vu | count x key str, keys strictly ascending, at most `max` of them.
model::Status readKeyList(Cursor& c, std::vector<std::string_view>& keys, std::size_t max) {
    keys.clear();
    std::uint64_t n;
    if (!c.varint(n) || n > max) return corrupt("bad key count");
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string_view key;
        if (!c.bytes(key)) return corrupt("truncated key");
        if (i > 0 && key <= keys.back()) return corrupt("keys not strictly ascending");
        keys.push_back(key);
    }
    return {};
}

// A 0x04 record: the head and key list read here, the packed values checked and taken as they
// are by the builder.
Result<model::NodeRec> decodePackedNodeRecord(std::string_view bytes, model::NodeRecBuilder& b) {
    Cursor c{bytes};
    Head h;
    if (auto st = decodeHead(c, h, kPackedNodeRecordFormat); !st.ok()) return st.error();
    thread_local std::vector<std::string_view> keys;
    // Each key takes a byte at least, and its value another.
    if (auto st = readKeyList(c, keys, c.in.size() / 2); !st.ok()) return st.error();
    b.start(h.id, h.host, h.origin, h.created_at, h.updated_at, h.deleted_at, h.revision);
    auto rec = b.finishPacked(keys, c.in, kMaxValueDepth);
    if (!rec) return corrupt(rec.error().message.c_str());
    return rec;
}

}  // namespace

Result<RecordShape> decodeShapeDefinition(std::string_view bytes) {
    Cursor c{bytes};
    if (c.in.empty() || static_cast<std::uint8_t>(c.in[0]) != kShapeDefinitionFormat)
        return corrupt("bad shape format byte");
    c.in.remove_prefix(1);
    RecordShape shape;
    if (!c.bytes(shape.host) || !c.bytes(shape.origin)) return corrupt("truncated shape");
    // Each key takes a byte at least.
    if (auto st = readKeyList(c, shape.keys, c.in.size()); !st.ok()) return st.error();
    if (!c.in.empty()) return corrupt("trailing bytes after a shape");
    return shape;
}

Result<model::NodeRec> decodeShapedNodeRecordTo(std::string_view bytes, std::string_view id,
                                                model::Time created_at, model::Time updated_at,
                                                std::int64_t revision, const RecordShapes& shapes,
                                                model::NodeRecBuilder& b) {
    Cursor c{bytes};
    if (c.in.empty() || static_cast<std::uint8_t>(c.in[0]) != kShapedNodeRecordFormat)
        return corrupt("bad format byte");
    c.in.remove_prefix(1);
    std::uint64_t number;
    model::Time deleted_at;
    if (!c.varint(number) || !c.zigzag(deleted_at)) return corrupt("bad shape or deletion time");
    const RecordShape* shape =
        number <= 0xFFFFFFFFu ? shapes.shape(static_cast<std::uint32_t>(number)) : nullptr;
    if (shape == nullptr) return corrupt("unknown shape");
    if (id.empty()) return corrupt("empty ID");
    b.start(id, shape->host, shape->origin, created_at, updated_at, deleted_at, revision);
    auto rec = b.finishPacked(shape->keys, c.in, kMaxValueDepth);
    if (!rec) return corrupt(rec.error().message.c_str());
    return rec;
}

// The same checks as decodeNodeRecord, the fields handed to the builder as they are read.
Result<model::NodeRec> decodeNodeRecordTo(std::string_view bytes, model::NodeRecBuilder& b) {
    if (!bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == kPackedNodeRecordFormat)
        return decodePackedNodeRecord(bytes, b);
    Cursor c{bytes};
    Head h;
    if (auto st = decodeHead(c, h); !st.ok()) return st.error();
    b.start(h.id, h.host, h.origin, h.created_at, h.updated_at, h.deleted_at, h.revision);
    auto st = forEachEntry(
        c, [](std::uint64_t) {},
        [&](std::string_view key) -> model::Status {
            if (c.in.empty()) return corrupt("truncated value");
            switch (static_cast<std::uint8_t>(c.in[0])) {
                case kNull: c.in.remove_prefix(1), b.addNull(key); return {};
                case kFalse: c.in.remove_prefix(1), b.addBool(key, false); return {};
                case kTrue: c.in.remove_prefix(1), b.addBool(key, true); return {};
                case kInt: {
                    c.in.remove_prefix(1);
                    std::int64_t v;
                    if (!c.zigzag(v)) return corrupt("bad integer");
                    b.addInt(key, v);
                    return {};
                }
                case kString: {
                    c.in.remove_prefix(1);
                    std::string_view v;
                    if (!c.bytes(v)) return corrupt("truncated string");
                    b.addString(key, v);
                    return {};
                }
                default: {  // doubles, lists and objects (rare in node metadata) as values
                    auto v = decodeAt(c, 2);
                    if (!v) return v.error();
                    b.addValue(key, *v);
                    return {};
                }
            }
        });
    if (!st.ok()) return st.error();
    if (!c.in.empty()) return corrupt("trailing bytes");
    return b.finish();
}

Result<model::Edge> decodeEdgeRecord(std::string_view bytes, EdgeMetadataReuse* reuse) {
    Cursor c{bytes};
    model::Edge e;
    if (auto st = decodeElement(c, e); !st.ok()) return st.error();
    std::string_view parent, child;
    if (!c.bytes(parent) || !c.bytes(child)) return corrupt("truncated parent or child");
    if (parent.empty() || child.empty()) return corrupt("empty parent or child");
    e.parent = parent;
    e.child = child;
    const std::string_view metadata = c.in;  // the rest of the record
    if (reuse != nullptr && !reuse->bytes.empty() && metadata == reuse->bytes) {
        e.metadata = reuse->value;
        return e;
    }
    if (auto st = decodeMetadata(c, e); !st.ok()) return st.error();
    if (reuse != nullptr) {
        reuse->bytes.assign(metadata);
        reuse->value = e.metadata;
    }
    return e;
}

}  // namespace skydive::store
