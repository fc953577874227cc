#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <skydive/model/element.h>
#include <skydive/model/node_handle.h>
#include <skydive/model/value.h>

namespace re2 {
class RE2;
}

namespace skydive::gremlin {

/// How one field is tested (spec §2.6). `value`/`values` hold String, Int or Bool only:
/// floats were truncated to Int by the compiler.
enum class MatchOp : std::uint8_t {
    Exists,     ///< Has(k)/HasKey(k): present and not null
    Missing,    ///< HasNot(k)
    Eq,         ///< typed equality; Int compares leniently
    Ne,         ///< present and not Eq (bool: a bool equal to !value)
    Nee,        ///< not Eq, missing matches
    Range,      ///< LT GT LTE GTE INSIDE BETWEEN on lenient ints
    Within,     ///< any Eq of `values`
    Without,    ///< no Eq of `values`, missing matches
    Regex,      ///< strings fully matching `regex` (RE2 syntax, as Go's regexp)
    Ipv4Range,  ///< strings holding an IPv4 address (optional /len) inside `net/mask`
};

struct Match {
    MatchOp op = MatchOp::Exists;
    model::Value value;
    std::vector<model::Value> values;
    std::optional<std::int64_t> lo, hi;  ///< Range bounds
    bool lo_inclusive = false, hi_inclusive = false;
    std::shared_ptr<const re2::RE2> regex;
    std::uint32_t net = 0, mask = 0;

    /// `field` is the looked-up field (nullopt when missing).
    bool matches(const std::optional<model::Value>& field) const;
    /// The same test on a field read through a NodeHandle: in place when it is a view into a
    /// record and the test is a simple one (Exists, Missing, Eq, Ne, Nee, Within, Without).
    bool matches(const model::FieldValue& field) const;
};

struct Term {
    std::string key;
    Match match;
};

/// A conjunction (or, for HasEither and edge filters of walks, a disjunction) of terms.
/// An empty filter matches everything.
struct Filter {
    bool any = false;
    std::vector<Term> terms;

    bool empty() const { return terms.empty(); }
    bool matches(model::NodeHandle n) const;
    bool matches(const model::Edge& e) const;
    /// For Has on Values: tests object values through their dotted paths.
    bool matchesValue(const model::Value& v) const;
};

/// Reads a scalar as an int the way upstream's lenient cast does: ints, floats (truncated),
/// bools (1/0) and numeric strings ("123", "0x10"); nullopt for anything else.
std::optional<std::int64_t> lenientInt(const model::Value& v);

}  // namespace skydive::gremlin
