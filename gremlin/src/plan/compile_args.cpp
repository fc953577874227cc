#include "plan/compile_args.h"

#include <cmath>
#include <memory>
#include <string>

#include <re2/re2.h>

#include "plan/ipv4.h"

namespace skydive::gremlin {

using model::ErrorCode;
using model::makeError;
using model::Value;

namespace {

constexpr std::size_t kMaxRegexPattern = 1024;

model::Error predError(const Param& p, std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message), p.column);
}

// A scalar operand: strings stay strings, booleans bools, numbers ints (floats truncated).
model::Result<Value> scalar(const Param& p, std::string_view where) {
    switch (p.kind) {
        case ParamKind::String: return Value(p.text);
        case ParamKind::Int: return Value(static_cast<long long>(p.integer));
        case ParamKind::Double:
            if (!(std::fabs(p.real) < 9.2e18)) {
                return predError(p, std::string(where) + ": number out of range");
            }
            return Value(static_cast<long long>(p.real));
        case ParamKind::Keyword:
            if (p.keyword == Keyword::True) return Value(true);
            if (p.keyword == Keyword::False) return Value(false);
            return predError(p, std::string(where) + ": unexpected keyword " +
                                    std::string(keywordName(p.keyword)));
        case ParamKind::Predicate:
            return predError(p, std::string(where) + ": a predicate cannot be nested here");
    }
    return predError(p, "invalid value");
}

model::Result<std::int64_t> int64Operand(const Param& p, PredicateKind kind) {
    if (p.kind == ParamKind::Int) return p.integer;
    if (p.kind == ParamKind::Double && std::fabs(p.real) < 9.2e18) {
        return static_cast<std::int64_t>(p.real);
    }
    return predError(p, std::string(predicateName(kind)) + " values should be of int64 type");
}

model::Result<Match> predicateMatch(const Param& p) {
    const auto name = std::string(predicateName(p.predicate));
    auto arity = [&](std::size_t n) -> model::Status {
        if (p.args.size() != n) {
            return predError(
                p, name + " accepts " + std::to_string(n) + " parameter" + (n == 1 ? "" : "s"));
        }
        return {};
    };
    Match m;
    switch (p.predicate) {
        case PredicateKind::Ne:
        case PredicateKind::Nee: {
            if (auto st = arity(1); !st) return st.error();
            auto v = scalar(p.args[0], name);
            if (!v) return v.error();
            m.op = p.predicate == PredicateKind::Ne ? MatchOp::Ne : MatchOp::Nee;
            m.value = *v;
            return m;
        }
        case PredicateKind::Lt:
        case PredicateKind::Gt:
        case PredicateKind::Lte:
        case PredicateKind::Gte: {
            if (auto st = arity(1); !st) return st.error();
            auto n = int64Operand(p.args[0], p.predicate);
            if (!n) return n.error();
            m.op = MatchOp::Range;
            const bool upper =
                p.predicate == PredicateKind::Lt || p.predicate == PredicateKind::Lte;
            const bool inclusive =
                p.predicate == PredicateKind::Lte || p.predicate == PredicateKind::Gte;
            (upper ? m.hi : m.lo) = *n;
            (upper ? m.hi_inclusive : m.lo_inclusive) = inclusive;
            return m;
        }
        case PredicateKind::Inside:
        case PredicateKind::Between: {
            if (auto st = arity(2); !st) return st.error();
            auto a = int64Operand(p.args[0], p.predicate);
            if (!a) return a.error();
            auto b = int64Operand(p.args[1], p.predicate);
            if (!b) return b.error();
            m.op = MatchOp::Range;
            m.lo = *a;
            m.hi = *b;
            m.lo_inclusive = p.predicate == PredicateKind::Between;
            return m;
        }
        case PredicateKind::Within:
        case PredicateKind::Without:
            m.op = p.predicate == PredicateKind::Within ? MatchOp::Within : MatchOp::Without;
            for (const auto& a : p.args) {
                auto v = scalar(a, name);
                if (!v) return v.error();
                m.values.push_back(*v);
            }
            return m;
        case PredicateKind::Regex: {
            if (auto st = arity(1); !st) return st.error();
            if (p.args[0].kind != ParamKind::String) {
                return predError(p.args[0], "REGEX expects a string");
            }
            const auto& re = p.args[0].text;
            if (re.size() > kMaxRegexPattern) {
                return predError(
                    p.args[0], "Regex longer than " + std::to_string(kMaxRegexPattern) + " bytes");
            }
            if (!re.empty() && (re.front() == '^' || re.back() == '$')) {
                return predError(p.args[0],
                                 "Regex are anchored by default, ^ and $ don't have to be "
                                 "provided");
            }
            // Go's regexp and RE2 share one syntax and leftmost-first semantics (spec §2.6).
            re2::RE2::Options options;
            options.set_log_errors(false);
            auto compiled = std::make_shared<const re2::RE2>(re, options);
            if (!compiled->ok()) {
                return predError(p.args[0], "Invalid regex '" + re + "': " + compiled->error());
            }
            m.regex = std::move(compiled);
            m.op = MatchOp::Regex;
            return m;
        }
        case PredicateKind::Ipv4Range: {
            if (auto st = arity(1); !st) return st.error();
            const auto cidr = p.args[0].kind == ParamKind::String ? parseIpv4(p.args[0].text, true)
                                                                  : std::nullopt;
            if (!cidr) return predError(p.args[0], "IPV4RANGE expects a CIDR such as 10.0.0.0/8");
            m.op = MatchOp::Ipv4Range;
            m.mask = prefixMask(cidr->prefix);
            m.net = cidr->address & m.mask;
            return m;
        }
        case PredicateKind::Metadata:
            return predError(p, "Metadata(...) is only valid as a ShortestPathTo argument");
    }
    return predError(p, "unknown predicate");
}

}  // namespace

model::Error argError(const Step& step, std::size_t index, std::string_view what) {
    const auto col = index < step.params.size() ? step.params[index].column : step.column;
    return makeError(ErrorCode::InvalidArgument,
                     std::string(stepName(step.kind)) + ": argument " + std::to_string(index + 1) +
                         ": " + std::string(what),
                     col);
}

model::Error stepError(const Step& step, std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message), step.column);
}

model::Result<Filter> kvFilter(const Step& step, const std::vector<Param>& params, bool any,
                               bool lone_key_exists) {
    Filter f;
    f.any = any;
    if (params.size() == 1 && lone_key_exists) {
        if (params[0].kind != ParamKind::String) return argError(step, 0, "key must be a string");
        f.terms.push_back(Term{params[0].text, Match{}});
        return f;
    }
    if (params.size() % 2 != 0) {
        return stepError(
            step, std::string(stepName(step.kind)) + ": params should be a list of key,value");
    }
    for (std::size_t i = 0; i < params.size(); i += 2) {
        if (params[i].kind != ParamKind::String) return argError(step, i, "key must be a string");
        Term t{params[i].text, Match{}};
        const Param& v = params[i + 1];
        if (v.kind == ParamKind::Predicate) {
            auto m = predicateMatch(v);
            if (!m) return m.error();
            t.match = std::move(*m);
        } else {
            auto s = scalar(v, stepName(step.kind));
            if (!s) return s.error();
            t.match.op = MatchOp::Eq;
            t.match.value = *s;
        }
        f.terms.push_back(std::move(t));
    }
    return f;
}

model::Result<std::string> stringArg(const Step& step, std::size_t index) {
    if (index >= step.params.size() || step.params[index].kind != ParamKind::String) {
        return argError(step, index, "must be a string");
    }
    return step.params[index].text;
}

model::Result<std::int64_t> intArg(const Step& step, std::size_t index) {
    if (index >= step.params.size() || step.params[index].kind != ParamKind::Int) {
        return argError(step, index, "must be an integer");
    }
    return step.params[index].integer;
}

}  // namespace skydive::gremlin
