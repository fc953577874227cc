// The protobuf envelope of the WebSocket protocol (spec §5.1), encoded by hand: six scalar
// fields do not justify a protoc step.
#include <skydive/ingest/graph_message.h>
#include <skydive/ingest/struct_message.h>

#include <skydive/model/json.h>

namespace skydive::ingest {

namespace {

enum class WireType : std::uint8_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

void putVarint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void putTag(std::string& out, std::uint32_t field, WireType type) {
    putVarint(out, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint8_t>(type));
}

void putBytes(std::string& out, std::uint32_t field, std::string_view s) {
    if (s.empty()) return;
    putTag(out, field, WireType::Bytes);
    putVarint(out, s.size());
    out.append(s);
}

model::Error bad(std::string_view what) {
    return model::makeError(model::ErrorCode::InvalidArgument,
                            "protobuf message: " + std::string(what));
}

/// A cursor over wire bytes.
class Reader {
public:
    explicit Reader(std::string_view b) : b_(b) {}
    bool done() const { return pos_ >= b_.size(); }
    bool varint(std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= b_.size()) return false;
            auto c = static_cast<unsigned char>(b_[pos_++]);
            v |= static_cast<std::uint64_t>(c & 0x7F) << shift;
            if ((c & 0x80) == 0) return true;
        }
        return false;  // more than 10 bytes
    }
    bool bytes(std::string_view& s) {
        std::uint64_t n = 0;
        if (!varint(n) || n > b_.size() - pos_) return false;
        s = b_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(std::size_t n) {
        if (n > b_.size() - pos_) return false;
        pos_ += n;
        return true;
    }

private:
    std::string_view b_;
    std::size_t pos_ = 0;
};

/// proto3 `string` fields must hold UTF-8 (Go's decoder refuses anything else).
bool validUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80         ? 0
                        : (c >> 5) == 6  ? 1
                        : (c >> 4) == 14 ? 2
                        : (c >> 3) == 30 ? 3
                                         : 9;  // 9: not a leading byte
        if (n == 9 || n > s.size() - i - 1) return false;
        std::uint32_t cp = n == 0 ? c : c & (0x3F >> n);
        for (std::size_t k = 1; k <= n; ++k) {
            auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

bool skipField(Reader& r, std::uint64_t wire) {
    std::uint64_t v = 0;
    std::string_view s;
    switch (wire) {
        case 0: return r.varint(v);
        case 1: return r.skip(8);
        case 2: return r.bytes(s);
        case 5: return r.skip(4);
        default: return false;  // groups (3, 4) are not used by proto3
    }
}

}  // namespace

std::string encodeStructMessage(const StructMessage& msg) {
    std::string out;
    out.reserve(msg.ns.size() + msg.type.size() + msg.uuid.size() + msg.obj.size() + 24);
    putBytes(out, 1, msg.ns);
    putBytes(out, 2, msg.type);
    putBytes(out, 3, msg.uuid);
    if (msg.status != 0) {
        putTag(out, 4, WireType::Varint);
        putVarint(out, static_cast<std::uint64_t>(msg.status));  // int64: two's complement
    }
    if (msg.format != ObjFormat::Json) {
        putTag(out, 5, WireType::Varint);
        putVarint(out, static_cast<std::uint64_t>(msg.format));
    }
    putBytes(out, 6, msg.obj);
    return out;
}

model::Result<StructMessage> decodeStructMessage(std::string_view bytes) {
    StructMessage msg;
    Reader r(bytes);
    while (!r.done()) {
        std::uint64_t tag = 0;
        if (!r.varint(tag)) return bad("truncated tag");
        std::uint64_t field = tag >> 3;
        std::uint64_t wire = tag & 7;
        if (field == 0) return bad("field number 0");
        if (field >= 1 && field <= 6) {
            bool string_field = field <= 3 || field == 6;
            if (wire != (string_field ? 2u : 0u)) return bad("wrong wire type");
            if (string_field) {
                std::string_view s;
                if (!r.bytes(s)) return bad("truncated field");
                std::string& dst = field == 1   ? msg.ns
                                   : field == 2 ? msg.type
                                   : field == 3 ? msg.uuid
                                                : msg.obj;
                if (field != 6 && !validUtf8(s)) return bad("string field is not UTF-8");
                dst.assign(s);
            } else {
                std::uint64_t v = 0;
                if (!r.varint(v)) return bad("truncated varint");
                if (field == 4) {
                    msg.status = static_cast<std::int64_t>(v);
                } else if (v > 1) {
                    return bad("unknown Format " + std::to_string(v));
                } else {
                    msg.format = static_cast<ObjFormat>(v);
                }
            }
        } else if (!skipField(r, wire)) {
            return bad("truncated or invalid unknown field");
        }
    }
    return msg;
}

model::Result<std::string> jsonEnvelopeToProtobuf(std::string_view json) {
    auto env = decodeEnvelope(json);
    if (!env.ok()) return env.error();
    StructMessage msg{env->ns,     env->type,       env->uuid,
                      env->status, ObjFormat::Json, model::toJson(env->obj)};
    return encodeStructMessage(msg);
}

model::Result<std::string> protobufEnvelopeToJson(std::string_view bytes) {
    auto msg = decodeStructMessage(bytes);
    if (!msg.ok()) return msg.error();
    if (msg->format != ObjFormat::Json) return bad("protobuf Obj is not supported here");
    if (!msg->obj.empty()) {
        // Obj must be JSON: checked here so that a bad payload is refused like bad JSON text.
        auto v = model::parseJson(msg->obj);
        if (!v.ok()) return v.error();
    }
    return encodeEnvelope(msg->ns, msg->type, msg->uuid, msg->status, msg->obj);
}

}  // namespace skydive::ingest
