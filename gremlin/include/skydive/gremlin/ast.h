#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/model/result.h>

namespace skydive::gremlin {

/// Every step name of the dialect (spec §2.4-2.5 and the flow steps of §3.4). `At` and `Context`
/// are kept apart so that a query prints back as it was written.
enum class StepKind : std::uint8_t {
    V,
    E,
    Has,
    HasKey,
    HasNot,
    HasEither,
    Out,
    In,
    Both,
    OutE,
    InE,
    BothE,
    OutV,
    InV,
    BothV,
    Dedup,
    Count,
    Values,
    ValueMap,
    Keys,
    Sum,
    Sort,
    Range,
    Limit,
    ShortestPathTo,
    SubGraph,
    As,
    Select,
    Descendants,
    Ascendants,
    Neighbors,
    NextHop,
    Context,
    At,
    Flows,
    Metrics,
    Aggregates,
    Sockets,
    CaptureNode,
    Group,
    MoreThan,
    RawPackets,
    Bpf,
    Hops,
    Nodes,
    Workflow,
};

/// Literal keywords valid as parameters (spec §2.1).
enum class Keyword : std::uint8_t { True, False, Asc, Desc, Now, Forever };

/// Predicate constructors usable in a parameter position (spec §2.6). OUTSIDE is absent on
/// purpose: upstream's scanner never produces it, so it is a parse error.
enum class PredicateKind : std::uint8_t {
    Ne,
    Nee,
    Lt,
    Gt,
    Lte,
    Gte,
    Inside,
    Between,
    Within,
    Without,
    Regex,
    Ipv4Range,
    Metadata,
};

enum class ParamKind : std::uint8_t { String, Int, Double, Keyword, Predicate };

/// One step parameter. Only the fields of its kind are meaningful.
struct Param {
    ParamKind kind = ParamKind::String;
    std::string text;                             ///< String
    std::int64_t integer = 0;                     ///< Int
    double real = 0;                              ///< Double
    Keyword keyword = Keyword::True;              ///< Keyword
    PredicateKind predicate = PredicateKind::Ne;  ///< Predicate
    std::vector<Param> args;                      ///< Predicate arguments
    std::uint32_t column = 0;                     ///< 1-based; not part of equality

    friend bool operator==(const Param& a, const Param& b);
};

struct Step {
    StepKind kind = StepKind::V;
    std::vector<Param> params;
    std::uint32_t column = 0;  ///< 1-based column of the step name; not part of equality

    friend bool operator==(const Step& a, const Step& b);
};

/// A whole query: the steps after the leading `G`.
struct Query {
    std::vector<Step> steps;
    friend bool operator==(const Query& a, const Query& b) = default;
};

/// Parses a query (spec §2.1-2.2). Errors are InvalidArgument with upstream's message where the
/// conformance cases pin one, and the 1-based column of the offending token.
[[nodiscard]] model::Result<Query> parse(std::string_view text);

/// Prints a query back in canonical spelling; `parse(print(q)) == q`.
std::string print(const Query& query);

std::string_view stepName(StepKind kind);
std::string_view keywordName(Keyword kw);
std::string_view predicateName(PredicateKind kind);
/// Case-insensitive lookups of the names above.
std::optional<StepKind> stepFromName(std::string_view name);
std::optional<Keyword> keywordFromName(std::string_view name);
std::optional<PredicateKind> predicateFromName(std::string_view name);

}  // namespace skydive::gremlin
