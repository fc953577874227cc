#include "plan/filter.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include <re2/re2.h>
#include <skydive/model/value_ref.h>

#include "plan/ipv4.h"

namespace skydive::gremlin {

using model::Value;

namespace {

// Calls fn on a scalar, or on each element of a list (dotted paths through lists produce lists
// of lists, hence the recursion). True when fn is true for any of them.
template <typename Fn>
bool anyScalar(const Value& v, const Fn& fn) {
    if (v.isList()) {
        for (const auto& e : v.asList()) {
            if (anyScalar(e, fn)) return true;
        }
        return false;
    }
    return fn(v);
}

std::optional<std::int64_t> lenientIntOf(const Value& v) {
    return lenientInt(v);
}
std::optional<std::int64_t> lenientIntOf(model::ValueRef v) {
    if (v.type() == model::ValueType::Int) return v.asInt();  // no Value built
    return v.isObject() ? std::nullopt : lenientInt(v.toValue());
}

// `field` (a scalar: a `Value`, or a `ValueRef` read in place) equals `want`, ints leniently.
template <typename F>
bool scalarEquals(const F& field, const Value& want) {
    switch (want.type()) {
        case model::ValueType::String:
            return field.isString() && field.asString() == want.asString();
        case model::ValueType::Bool:
            return field.type() == model::ValueType::Bool && field.asBool() == want.asBool();
        case model::ValueType::Int: {
            const auto i = lenientIntOf(field);
            return i && *i == want.asInt();
        }
        case model::ValueType::Null:
        case model::ValueType::Double:
        case model::ValueType::List:
        case model::ValueType::Object: return false;
    }
    return false;
}

bool eqField(const Value& field, const Value& want) {
    return anyScalar(field, [&](const Value& s) { return scalarEquals(s, want); });
}

// eqField on a value packed in a record, read in place.
bool refEquals(model::ValueRef field, const Value& want) {
    if (field.isList()) {
        for (model::ValueRef item : field.asList()) {
            if (refEquals(item, want)) return true;
        }
        return false;
    }
    return scalarEquals(field, want);
}

bool inRange(const Match& m, std::int64_t v) {
    if (m.lo && (m.lo_inclusive ? v < *m.lo : v <= *m.lo)) return false;
    if (m.hi && (m.hi_inclusive ? v > *m.hi : v >= *m.hi)) return false;
    return true;
}

}  // namespace

std::optional<std::int64_t> lenientInt(const Value& v) {
    switch (v.type()) {
        case model::ValueType::Int: return v.asInt();
        case model::ValueType::Double: {
            const double d = v.asDouble();
            if (!(d > -9.3e18 && d < 9.3e18)) return std::nullopt;
            return static_cast<std::int64_t>(d);
        }
        case model::ValueType::Bool: return v.asBool() ? 1 : 0;
        case model::ValueType::String: {
            // strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b prefixes, leading 0 = octal.
            std::string s(v.asString());
            if (s.empty()) return std::nullopt;
            std::size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
            int base = 10;
            if (s.size() > i + 1 && s[i] == '0') {
                const char p = static_cast<char>(s[i + 1] | 0x20);
                if (p == 'x')
                    base = 16, i += 2;
                else if (p == 'b')
                    base = 2, i += 2;
                else if (p == 'o')
                    base = 8, i += 2;
                else
                    base = 8, i += 1;
            }
            if (i >= s.size()) return base == 8 ? std::optional<std::int64_t>(0) : std::nullopt;
            for (std::size_t k = i; k < s.size(); ++k) {
                if (!std::isxdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
            }
            errno = 0;
            char* end = nullptr;
            long long r = std::strtoll(s.c_str() + i, &end, base);
            if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
            return s[0] == '-' ? -r : r;
        }
        case model::ValueType::Null:
        case model::ValueType::List:
        case model::ValueType::Object: return std::nullopt;
    }
    return std::nullopt;
}

namespace {

// The ops that only test presence and equality, for a field that is `present` (not missing,
// not null) and equals a wanted value when `eq(want)`; nullopt for the other ops.
template <typename Eq>
std::optional<bool> equalityMatch(const Match& m, bool present, const Eq& eq) {
    switch (m.op) {
        case MatchOp::Exists: return present;
        case MatchOp::Missing: return !present;
        case MatchOp::Eq: return present && eq(m.value);
        case MatchOp::Ne:
            if (m.value.isBool()) return present && eq(Value(!m.value.asBool()));
            return present && !eq(m.value);
        case MatchOp::Nee: return !present || !eq(m.value);
        case MatchOp::Within: return present && std::any_of(m.values.begin(), m.values.end(), eq);
        case MatchOp::Without:
            return !present || std::none_of(m.values.begin(), m.values.end(), eq);
        case MatchOp::Range:
        case MatchOp::Regex:
        case MatchOp::Ipv4Range: return std::nullopt;
    }
    return std::nullopt;
}

// A conjunction (or with `any`, a disjunction) of the terms, `field(key)` reading each.
template <typename Field>
bool testTerms(const Filter& f, const Field& field) {
    for (const auto& t : f.terms) {
        const bool ok = t.match.matches(field(t.key));
        if (f.any && ok) return true;
        if (!f.any && !ok) return false;
    }
    return !f.any || f.terms.empty();
}

}  // namespace

bool Match::matches(const std::optional<Value>& field) const {
    const bool present = field.has_value() && !field->isNull();
    if (auto r = equalityMatch(*this, present, [&](const Value& w) { return eqField(*field, w); }))
        return *r;
    switch (op) {
        case MatchOp::Range:
            return present && anyScalar(*field, [&](const Value& s) {
                       const auto i = lenientInt(s);
                       return i && inRange(*this, *i);
                   });
        case MatchOp::Regex:
            return present && anyScalar(*field, [&](const Value& s) {
                       if (!s.isString()) return false;
                       const auto sv = s.asString();
                       // RE2 matches in time linear in the subject, without recursion.
                       return re2::RE2::FullMatch(re2::StringPiece(sv.data(), sv.size()), *regex);
                   });
        case MatchOp::Ipv4Range:
            return present && anyScalar(*field, [&](const Value& s) {
                       if (!s.isString()) return false;
                       const auto addr = parseIpv4(s.asString(), true);
                       return addr && (addr->address & mask) == net;
                   });
        case MatchOp::Exists:
        case MatchOp::Missing:
        case MatchOp::Eq:
        case MatchOp::Ne:
        case MatchOp::Nee:
        case MatchOp::Within:
        case MatchOp::Without: return false;  // answered above
    }
    return false;
}

bool Match::matches(const model::FieldValue& field) const {
    if (!field.isRef()) return matches(field.toOptional());
    const model::ValueRef f = field.ref();
    if (auto r = equalityMatch(*this, !f.isNull(), [&](const Value& w) { return refEquals(f, w); }))
        return *r;
    return matches(std::optional<Value>(f.toValue()));  // Range, Regex, Ipv4Range
}

bool Filter::matches(model::NodeHandle n) const {
    return testTerms(*this, [&](const std::string& key) { return model::fieldOf(n, key); });
}

bool Filter::matches(const model::Edge& e) const {
    return testTerms(*this, [&](const std::string& key) { return model::fieldOf(e, key); });
}

bool Filter::matchesValue(const Value& v) const {
    if (!v.isObject()) return false;
    return testTerms(*this, [&](const std::string& key) { return v.path(key); });
}

}  // namespace skydive::gremlin
