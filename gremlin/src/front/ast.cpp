#include <skydive/gremlin/ast.h>

#include <array>
#include <utility>

namespace skydive::gremlin {

namespace {

using namespace std::string_view_literals;

// Names are ASCII (IDENT tokens): no locale-dependent tolower.
constexpr char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
    }
    return true;
}

constexpr std::array kSteps{
    std::pair{StepKind::V, "V"sv},
    std::pair{StepKind::E, "E"sv},
    std::pair{StepKind::Has, "Has"sv},
    std::pair{StepKind::HasKey, "HasKey"sv},
    std::pair{StepKind::HasNot, "HasNot"sv},
    std::pair{StepKind::HasEither, "HasEither"sv},
    std::pair{StepKind::Out, "Out"sv},
    std::pair{StepKind::In, "In"sv},
    std::pair{StepKind::Both, "Both"sv},
    std::pair{StepKind::OutE, "OutE"sv},
    std::pair{StepKind::InE, "InE"sv},
    std::pair{StepKind::BothE, "BothE"sv},
    std::pair{StepKind::OutV, "OutV"sv},
    std::pair{StepKind::InV, "InV"sv},
    std::pair{StepKind::BothV, "BothV"sv},
    std::pair{StepKind::Dedup, "Dedup"sv},
    std::pair{StepKind::Count, "Count"sv},
    std::pair{StepKind::Values, "Values"sv},
    std::pair{StepKind::ValueMap, "ValueMap"sv},
    std::pair{StepKind::Keys, "Keys"sv},
    std::pair{StepKind::Sum, "Sum"sv},
    std::pair{StepKind::Sort, "Sort"sv},
    std::pair{StepKind::Range, "Range"sv},
    std::pair{StepKind::Limit, "Limit"sv},
    std::pair{StepKind::ShortestPathTo, "ShortestPathTo"sv},
    std::pair{StepKind::SubGraph, "SubGraph"sv},
    std::pair{StepKind::As, "As"sv},
    std::pair{StepKind::Select, "Select"sv},
    std::pair{StepKind::Descendants, "Descendants"sv},
    std::pair{StepKind::Ascendants, "Ascendants"sv},
    std::pair{StepKind::Neighbors, "Neighbors"sv},
    std::pair{StepKind::NextHop, "NextHop"sv},
    std::pair{StepKind::Context, "Context"sv},
    std::pair{StepKind::At, "At"sv},
    std::pair{StepKind::Flows, "Flows"sv},
    std::pair{StepKind::Metrics, "Metrics"sv},
    std::pair{StepKind::Aggregates, "Aggregates"sv},
    std::pair{StepKind::Sockets, "Sockets"sv},
    std::pair{StepKind::CaptureNode, "CaptureNode"sv},
    std::pair{StepKind::Group, "Group"sv},
    std::pair{StepKind::MoreThan, "MoreThan"sv},
    std::pair{StepKind::RawPackets, "RawPackets"sv},
    std::pair{StepKind::Bpf, "BPF"sv},
    std::pair{StepKind::Hops, "Hops"sv},
    std::pair{StepKind::Nodes, "Nodes"sv},
    std::pair{StepKind::Workflow, "Workflow"sv},
};

constexpr std::array kKeywords{
    std::pair{Keyword::True, "TRUE"sv}, std::pair{Keyword::False, "FALSE"sv},
    std::pair{Keyword::Asc, "ASC"sv},   std::pair{Keyword::Desc, "DESC"sv},
    std::pair{Keyword::Now, "NOW"sv},   std::pair{Keyword::Forever, "FOREVER"sv},
};

constexpr std::array kPredicates{
    std::pair{PredicateKind::Ne, "NE"sv},
    std::pair{PredicateKind::Nee, "NEE"sv},
    std::pair{PredicateKind::Lt, "LT"sv},
    std::pair{PredicateKind::Gt, "GT"sv},
    std::pair{PredicateKind::Lte, "LTE"sv},
    std::pair{PredicateKind::Gte, "GTE"sv},
    std::pair{PredicateKind::Inside, "INSIDE"sv},
    std::pair{PredicateKind::Between, "BETWEEN"sv},
    std::pair{PredicateKind::Within, "WITHIN"sv},
    std::pair{PredicateKind::Without, "WITHOUT"sv},
    std::pair{PredicateKind::Regex, "REGEX"sv},
    std::pair{PredicateKind::Ipv4Range, "IPV4RANGE"sv},
    std::pair{PredicateKind::Metadata, "Metadata"sv},
};

template <typename Table, typename Kind>
std::string_view nameIn(const Table& table, Kind kind) {
    for (const auto& [k, name] : table) {
        if (k == kind) return name;
    }
    return "?";
}

template <typename Table>
auto lookupIn(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
    for (const auto& [k, n] : table) {
        if (equalsNoCase(n, name)) return k;
    }
    return std::nullopt;
}

}  // namespace

bool operator==(const Param& a, const Param& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
        case ParamKind::String: return a.text == b.text;
        case ParamKind::Int: return a.integer == b.integer;
        case ParamKind::Double: return a.real == b.real;
        case ParamKind::Keyword: return a.keyword == b.keyword;
        case ParamKind::Predicate: return a.predicate == b.predicate && a.args == b.args;
    }
    return false;
}

bool operator==(const Step& a, const Step& b) {
    return a.kind == b.kind && a.params == b.params;
}

std::string_view stepName(StepKind kind) {
    return nameIn(kSteps, kind);
}
std::string_view keywordName(Keyword kw) {
    return nameIn(kKeywords, kw);
}
std::string_view predicateName(PredicateKind kind) {
    return nameIn(kPredicates, kind);
}

std::optional<StepKind> stepFromName(std::string_view name) {
    return lookupIn(kSteps, name);
}
std::optional<Keyword> keywordFromName(std::string_view name) {
    return lookupIn(kKeywords, name);
}
std::optional<PredicateKind> predicateFromName(std::string_view name) {
    return lookupIn(kPredicates, name);
}

}  // namespace skydive::gremlin
