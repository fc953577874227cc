// Packed values of the flat record (ADR 002 eighth round): the encoder and the read-only views.
#include <skydive/model/value_ref.h>

#include <bit>
#include <cassert>

#include "rec_format.h"

namespace skydive::model {

namespace detail {

// A container's body (count, items) after a length prefix: the body is written first and the
// prefix put in front once its size is known (one memmove when it needs more than one byte;
// nesting is bounded by the decoders' depth limit).
template <typename Fill>
void Packer::container(unsigned char tag, Fill&& fill) {
    nested_ = true;
    char* p = room(2);
    p[0] = static_cast<char>(tag);
    const std::size_t len_pos = at_ + 1;
    at_ += 2;
    fill();
    const std::size_t body = at_ - len_pos - 1;
    const std::size_t extra = varintSize(body) - 1;
    if (extra > 0) {
        room(extra);
        char* b = out_.data() + len_pos + 1;
        std::memmove(b + extra, b, body);
        at_ += extra;
    }
    writeVarint(out_.data() + len_pos, body);
}

void Packer::value(const Value& v) {
    switch (v.type()) {
        case ValueType::Null: nullValue(); return;
        case ValueType::Bool: boolValue(v.asBool()); return;
        case ValueType::Int: intValue(v.asInt()); return;
        case ValueType::Double: {
            char* p = room(9);
            *p++ = static_cast<char>(kTagDouble);
            const auto bits = std::bit_cast<std::uint64_t>(v.asDouble());
            for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(bits >> (8 * i));
            at_ += 9;
            return;
        }
        case ValueType::String: stringValue(v.asString()); return;
        case ValueType::List:
            container(kTagList, [&] {
                varint(v.asList().size());
                for (const Value& item : v.asList()) value(item);
            });
            return;
        case ValueType::Object:
            container(kTagObject, [&] {
                varint(v.asObject().size());
                for (const auto& [k, child] : v.asObject()) {
                    varint(k.size());
                    bytes(k.view());
                    value(child);
                }
            });
            return;
    }
}

}  // namespace detail

using namespace detail;

ValueType ValueRef::type() const noexcept {
    assert(p_ != nullptr);
    unsigned char t = *p_;
    if (t >= kTagShortString) return ValueType::String;
    switch (static_cast<RecTag>(t)) {
        case kTagNull: return ValueType::Null;
        case kTagFalse:
        case kTagTrue: return ValueType::Bool;
        case kTagInt: return ValueType::Int;
        case kTagDouble: return ValueType::Double;
        case kTagString:
        case kTagShortString: return ValueType::String;
        case kTagList: return ValueType::List;
        case kTagObject: return ValueType::Object;
    }
    return ValueType::Null;
}

bool ValueRef::asBool() const noexcept {
    assert(*p_ == kTagTrue || *p_ == kTagFalse);
    return *p_ == kTagTrue;
}

std::int64_t ValueRef::asInt() const noexcept {
    assert(*p_ == kTagInt);
    const unsigned char* p = p_ + 1;
    return unzigzag(getVarint(p));
}

double ValueRef::asDouble() const noexcept {
    assert(*p_ == kTagDouble);
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(p_[1 + i]) << (8 * i);
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

std::string_view ValueRef::asString() const noexcept {
    if (*p_ >= kTagShortString)
        return {reinterpret_cast<const char*>(p_ + 1), static_cast<std::size_t>(*p_ - 0x80)};
    assert(*p_ == kTagString);
    const unsigned char* p = p_ + 1;
    return getString(p);
}

ListRef ValueRef::asList() const noexcept {
    assert(*p_ == kTagList);
    const unsigned char* p = p_ + 1;
    auto nbytes = static_cast<std::size_t>(getVarint(p));
    const unsigned char* end = p + nbytes;
    auto n = static_cast<std::size_t>(getVarint(p));
    return {p, end, n};
}

ObjectRef ValueRef::asObject() const noexcept {
    assert(*p_ == kTagObject);
    const unsigned char* p = p_ + 1;
    auto nbytes = static_cast<std::size_t>(getVarint(p));
    const unsigned char* end = p + nbytes;
    auto n = static_cast<std::size_t>(getVarint(p));
    return {p, end, n};
}

std::size_t ValueRef::encodedSize() const noexcept {
    return packedSize(p_);
}

Value ValueRef::toValue() const {
    switch (type()) {
        case ValueType::Null: return Value();
        case ValueType::Bool: return Value(asBool());
        case ValueType::Int: return Value(static_cast<long long>(asInt()));
        case ValueType::Double: return Value(asDouble());
        case ValueType::String: return Value(asString());
        case ValueType::List: {
            ListRef l = asList();
            List out;
            out.reserve(l.size());
            for (ValueRef item : l) out.push_back(item.toValue());
            return Value(std::move(out));
        }
        case ValueType::Object: {
            ObjectRef o = asObject();
            Object out;
            out.reserve(o.size());
            for (auto [k, v] : o) out.appendUnsorted(Str(k), v.toValue());
            return Value(std::move(out));
        }
    }
    return Value();
}

bool operator==(ValueRef a, ValueRef b) noexcept {
    if (a.p_ == b.p_) return true;
    if (a.p_ == nullptr || b.p_ == nullptr) return false;
    std::size_t n = a.encodedSize();
    return n == b.encodedSize() && std::memcmp(a.p_, b.p_, n) == 0;
}

ObjectRef::EntryRef ObjectRef::const_iterator::operator*() const noexcept {
    const unsigned char* p = p_;
    std::string_view k = getString(p);
    return {k, ValueRef(p)};
}

ObjectRef::const_iterator& ObjectRef::const_iterator::operator++() noexcept {
    (void)getString(p_);
    p_ += ValueRef(p_).encodedSize();
    return *this;
}

ValueRef ObjectRef::find(std::string_view key) const noexcept {
    for (auto [k, v] : *this) {
        if (k == key) return v;
        if (k > key) break;  // ascending keys
    }
    return {};
}

bool equals(ValueRef a, const Value& b) noexcept {
    if (!a || a.type() != b.type()) return false;
    switch (b.type()) {
        case ValueType::Null: return true;
        case ValueType::Bool: return a.asBool() == b.asBool();
        case ValueType::Int: return a.asInt() == b.asInt();
        case ValueType::Double: return a.asDouble() == b.asDouble();
        case ValueType::String: return a.asString() == b.asString();
        case ValueType::List: {
            ListRef l = a.asList();
            const List& bl = b.asList();
            if (l.size() != bl.size()) return false;
            std::size_t i = 0;
            for (ValueRef item : l)
                if (!equals(item, bl[i++])) return false;
            return true;
        }
        case ValueType::Object: {
            ObjectRef o = a.asObject();
            const Object& bo = b.asObject();
            if (o.size() != bo.size()) return false;
            auto it = bo.begin();
            for (auto [k, v] : o) {
                auto [bk, bv] = *it;
                if (k != bk.view() || !equals(v, bv)) return false;
                ++it;
            }
            return true;
        }
    }
    return false;
}

// The mixing of Value::hash (value.cpp), applied to the packed form.
std::size_t hashOf(ValueRef a) noexcept {
    auto mix = [](std::size_t h, std::size_t v) {
        return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    };
    std::size_t h = static_cast<std::size_t>(a.type());
    switch (a.type()) {
        case ValueType::Null: return h;
        case ValueType::Bool: return mix(h, a.asBool() ? 1 : 0);
        case ValueType::Int: return mix(h, std::hash<std::int64_t>{}(a.asInt()));
        case ValueType::Double: return mix(h, std::hash<double>{}(a.asDouble()));
        case ValueType::String: return mix(h, StrHash{}(a.asString()));
        case ValueType::List:
            for (ValueRef item : a.asList()) h = mix(h, hashOf(item));
            return h;
        case ValueType::Object:
            for (auto [k, v] : a.asObject()) h = mix(mix(h, StrHash{}(k)), hashOf(v));
            return h;
    }
    return h;
}

}  // namespace skydive::model
