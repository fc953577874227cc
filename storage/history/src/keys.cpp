#include <skydive/store/keys.h>

#include <bit>
#include <cstring>

namespace skydive::store {

namespace {

constexpr std::uint64_t kSignFlip = 0x8000000000000000ULL;

// A cursor over a byte string that fails (returns false) instead of reading past the end.
struct Reader {
    std::string_view in;
    bool u8(std::uint8_t& v) {
        if (in.empty()) return false;
        v = static_cast<std::uint8_t>(in[0]);
        in.remove_prefix(1);
        return true;
    }
    bool be(std::uint64_t& v, std::size_t n) {
        if (in.size() < n) return false;
        v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
        in.remove_prefix(n);
        return true;
    }
    bool i64f(std::int64_t& v) {
        std::uint64_t u;
        if (!be(u, 8)) return false;
        v = static_cast<std::int64_t>(u ^ kSignFlip);
        return true;
    }
    bool str(std::string& s, std::size_t n) {
        if (in.size() < n) return false;
        s.assign(in.substr(0, n));
        in.remove_prefix(n);
        return true;
    }
    bool str16(std::string& s) {
        std::uint64_t n;
        return be(n, 2) && str(s, n);
    }
};

bool kindFromByte(std::uint8_t b, model::ElementKind& k) {
    if (b == 'N') return k = model::ElementKind::Node, true;
    if (b == 'E') return k = model::ElementKind::Edge, true;
    return false;
}

char kindByte(model::ElementKind k) {
    switch (k) {
        case model::ElementKind::Node: return 'N';
        case model::ElementKind::Edge: return 'E';
    }
    return '?';
}

void putStr16(std::string& out, std::string_view s) {
    putU16(out, static_cast<std::uint16_t>(s.size()));
    out.append(s);
}

// Writes through a pointer into room made beforehand: a rev key and a timeline entry each
// hold three 8-byte integers, and an append per integer was a tenth of a group's encoding
// (ADR 015, sixteenth round).
char* rawU64(char* p, std::uint64_t v) {
    if constexpr (std::endian::native == std::endian::little) {
        // One byte swap and one store: GCC kept the byte loop below as eight shifts and
        // stores, ~60 instructions for each of a revision's six integers (ADR 015, 23rd round).
        v = __builtin_bswap64(v);
        std::memcpy(p, &v, sizeof v);
    } else {
        for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (56 - 8 * i));
    }
    return p + 8;
}
char* rawI64f(char* p, std::int64_t v) {
    return rawU64(p, static_cast<std::uint64_t>(v) ^ kSignFlip);
}
char* rawStr16(char* p, std::string_view s) {
    p[0] = static_cast<char>(s.size() >> 8);
    p[1] = static_cast<char>(s.size());
    std::memcpy(p + 2, s.data(), s.size());
    return p + 2 + s.size();
}

}  // namespace

// Big-endian fixed-width integers, built in a local buffer and appended once (ADR 015: a
// push_back per byte showed in the ingest profile).
void putU16(std::string& out, std::uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(b, 2);
}
void putU32(std::string& out, std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
    out.append(b, 4);
}
void putU64(std::string& out, std::uint64_t v) {
    char b[8];
    rawU64(b, v);
    out.append(b, 8);
}
void putI64f(std::string& out, std::int64_t v) {
    putU64(out, static_cast<std::uint64_t>(v) ^ kSignFlip);
}

// rev key: kind u8 | idlen u16 | id | CreatedAt i64f | UpdatedAt i64f | Revision i64f
std::string revPrefix(model::ElementKind kind, std::string_view id) {
    std::string out;
    out.reserve(3 + id.size() + 24);
    out.push_back(kindByte(kind));
    putStr16(out, id);
    return out;
}

std::string encodeRevKey(const RevKey& k) {
    std::string out;
    encodeRevKeyTo(out, k);
    return out;
}

void encodeRevKeyTo(std::string& out, RevKeyView k) {
    out.resize(3 + k.id.size() + 24);
    char* p = out.data();
    *p++ = kindByte(k.kind);
    p = rawStr16(p, k.id);
    p = rawI64f(p, k.created_at);
    p = rawI64f(p, k.updated_at);
    rawI64f(p, k.revision);
}

std::optional<RevKey> decodeRevKey(std::string_view bytes) {
    Reader r{bytes};
    RevKey k;
    std::uint8_t b;
    if (!r.u8(b) || !kindFromByte(b, k.kind) || !r.str16(k.id) || !r.i64f(k.created_at) ||
        !r.i64f(k.updated_at) || !r.i64f(k.revision) || !r.in.empty())
        return std::nullopt;
    return k;
}

// timeline key: time i64f | seq u64
std::string encodeTimelineKey(const TimelineKey& k) {
    std::string out;
    encodeTimelineKeyTo(out, k);
    return out;
}

void encodeTimelineKeyTo(std::string& out, const TimelineKey& k) {
    out.clear();
    out.reserve(16);
    putI64f(out, k.time);
    putU64(out, k.seq);
}

std::optional<TimelineKey> decodeTimelineKey(std::string_view bytes) {
    Reader r{bytes};
    TimelineKey k;
    if (!r.i64f(k.time) || !r.be(k.seq, 8) || !r.in.empty()) return std::nullopt;
    return k;
}

// timeline value: 0x03 | count u32 |
//                 count x (op u8 | kind u8 | CreatedAt i64f | UpdatedAt i64f | Revision i64f |
//                          str16 id)
std::string encodeTimelineValue(const std::vector<TimelineEntry>& entries) {
    std::string out;
    startTimelineValue(out);
    for (const TimelineEntry& e : entries) appendTimelineEntry(out, e.op, e.ref);
    return out;
}

void encodeTimelineValueTo(std::string& out, const TimelineEntry& e) {
    startTimelineValue(out);
    appendTimelineEntry(out, e.op, e.ref);
}

void startTimelineValue(std::string& out) {
    out.clear();
    out.push_back(static_cast<char>(kTimelineValueFormat));
    putU32(out, 0);
}

void appendTimelineEntry(std::string& out, TimelineOp op, RevKeyView ref) {
    const std::size_t at = out.size();
    out.resize(at + 2 + 24 + 2 + ref.id.size());
    char* p = out.data() + at;
    *p++ = static_cast<char>(op);
    *p++ = kindByte(ref.kind);
    p = rawI64f(p, ref.created_at);
    p = rawI64f(p, ref.updated_at);
    p = rawI64f(p, ref.revision);
    rawStr16(p, ref.id);
    // The count (bytes 1..4, big-endian) grows by one.
    std::uint32_t count = static_cast<std::uint32_t>(timelineValueCount(out)) + 1;
    for (std::size_t i = 0; i < 4; ++i)
        out[1 + i] = static_cast<char>((count >> (8 * (3 - i))) & 0xFF);
}

std::size_t timelineValueCount(std::string_view bytes) {
    Reader r{bytes};
    std::uint8_t fmt;
    std::uint64_t count;
    if (!r.u8(fmt) || fmt != kTimelineValueFormat || !r.be(count, 4)) return 0;
    return count;
}

std::optional<std::vector<TimelineEntry>> decodeTimelineValue(std::string_view bytes) {
    Reader r{bytes};
    std::uint8_t fmt;
    std::uint64_t count;
    if (!r.u8(fmt) || fmt != kTimelineValueFormat || !r.be(count, 4) || count == 0)
        return std::nullopt;
    if (count > bytes.size() / 28) return std::nullopt;  // each entry takes at least 28 bytes
    std::vector<TimelineEntry> out(count);
    for (TimelineEntry& e : out) {
        std::uint8_t op, kind;
        if (!r.u8(op) || !r.u8(kind) || !kindFromByte(kind, e.ref.kind) ||
            !r.i64f(e.ref.created_at) || !r.i64f(e.ref.updated_at) || !r.i64f(e.ref.revision) ||
            !r.str16(e.ref.id))
            return std::nullopt;
        if (op != static_cast<std::uint8_t>(TimelineOp::Put) &&
            op != static_cast<std::uint8_t>(TimelineOp::Delete))
            return std::nullopt;
        e.op = static_cast<TimelineOp>(op);
    }
    if (!r.in.empty()) return std::nullopt;
    return out;
}

// checkpoint value: 0x02 | count u32 |
//                   count x (kind | CreatedAt i64f | UpdatedAt i64f | Revision i64f | str16 id)
std::string encodeCheckpointValue(const std::vector<RevKey>& refs) {
    std::string out;
    out.reserve(5 + refs.size() * 48);
    out.push_back(static_cast<char>(kRefValueFormat));
    putU32(out, static_cast<std::uint32_t>(refs.size()));
    for (const RevKey& k : refs) {
        out.push_back(kindByte(k.kind));
        putI64f(out, k.created_at);
        putI64f(out, k.updated_at);
        putI64f(out, k.revision);
        putStr16(out, k.id);
    }
    return out;
}

std::optional<std::vector<RevKey>> decodeCheckpointValue(std::string_view bytes) {
    Reader r{bytes};
    std::uint8_t fmt;
    std::uint64_t count;
    if (!r.u8(fmt) || fmt != kRefValueFormat || !r.be(count, 4)) return std::nullopt;
    if (count > bytes.size() / 27) return std::nullopt;  // each entry takes at least 27 bytes
    std::vector<RevKey> refs(count);
    for (RevKey& k : refs) {
        std::uint8_t kind;
        if (!r.u8(kind) || !kindFromByte(kind, k.kind) || !r.i64f(k.created_at) ||
            !r.i64f(k.updated_at) || !r.i64f(k.revision) || !r.str16(k.id))
            return std::nullopt;
    }
    if (!r.in.empty()) return std::nullopt;
    return refs;
}

// link key (in `rev`): 'L' | nodelen u16 | node id | time i64f | edgelen u16 | edge id
std::string linkPrefix(std::string_view node_id) {
    std::string out;
    out.reserve(3 + node_id.size() + 8);
    out.push_back('L');
    putStr16(out, node_id);
    return out;
}

std::string encodeLinkKey(const LinkKey& k) {
    std::string out = linkPrefix(k.node_id);
    putI64f(out, k.time);
    putStr16(out, k.edge_id);
    return out;
}

std::optional<LinkKey> decodeLinkKey(std::string_view bytes) {
    Reader r{bytes};
    LinkKey k;
    std::uint8_t b;
    if (!r.u8(b) || b != 'L' || !r.str16(k.node_id) || !r.i64f(k.time) || !r.str16(k.edge_id) ||
        !r.in.empty())
        return std::nullopt;
    return k;
}

// api key: kindlen u8 | kind | idlen u16 | id
std::string apiPrefix(std::string_view kind) {
    std::string out;
    out.push_back(static_cast<char>(kind.size()));
    out.append(kind);
    return out;
}

std::string encodeApiKey(std::string_view kind, std::string_view id) {
    std::string out = apiPrefix(kind);
    putStr16(out, id);
    return out;
}

std::optional<std::pair<std::string, std::string>> decodeApiKey(std::string_view bytes) {
    Reader r{bytes};
    std::uint8_t n;
    std::pair<std::string, std::string> out;
    if (!r.u8(n) || !r.str(out.first, n) || !r.str16(out.second) || !r.in.empty())
        return std::nullopt;
    return out;
}

// flowtime key: Last i64f | uuid
std::string encodeFlowTimeKey(Time last, std::string_view uuid) {
    std::string out;
    putI64f(out, last);
    out.append(uuid);
    return out;
}

// metric key: idlen u16 | node id | Start i64f | Last i64f
std::string encodeMetricKey(std::string_view node_id, Time start, Time last) {
    std::string out;
    putStr16(out, node_id);
    putI64f(out, start);
    putI64f(out, last);
    return out;
}

}  // namespace skydive::store
