#include <skydive/gremlin/ast.h>

#include <array>
#include <cctype>
#include <utility>

namespace skydive::gremlin {

namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

constexpr std::array kSteps{
    std::pair{StepKind::V, "V"},
    std::pair{StepKind::E, "E"},
    std::pair{StepKind::Has, "Has"},
    std::pair{StepKind::HasKey, "HasKey"},
    std::pair{StepKind::HasNot, "HasNot"},
    std::pair{StepKind::HasEither, "HasEither"},
    std::pair{StepKind::Out, "Out"},
    std::pair{StepKind::In, "In"},
    std::pair{StepKind::Both, "Both"},
    std::pair{StepKind::OutE, "OutE"},
    std::pair{StepKind::InE, "InE"},
    std::pair{StepKind::BothE, "BothE"},
    std::pair{StepKind::OutV, "OutV"},
    std::pair{StepKind::InV, "InV"},
    std::pair{StepKind::BothV, "BothV"},
    std::pair{StepKind::Dedup, "Dedup"},
    std::pair{StepKind::Count, "Count"},
    std::pair{StepKind::Values, "Values"},
    std::pair{StepKind::ValueMap, "ValueMap"},
    std::pair{StepKind::Keys, "Keys"},
    std::pair{StepKind::Sum, "Sum"},
    std::pair{StepKind::Sort, "Sort"},
    std::pair{StepKind::Range, "Range"},
    std::pair{StepKind::Limit, "Limit"},
    std::pair{StepKind::ShortestPathTo, "ShortestPathTo"},
    std::pair{StepKind::SubGraph, "SubGraph"},
    std::pair{StepKind::As, "As"},
    std::pair{StepKind::Select, "Select"},
    std::pair{StepKind::Descendants, "Descendants"},
    std::pair{StepKind::Ascendants, "Ascendants"},
    std::pair{StepKind::Neighbors, "Neighbors"},
    std::pair{StepKind::NextHop, "NextHop"},
    std::pair{StepKind::Context, "Context"},
    std::pair{StepKind::At, "At"},
    std::pair{StepKind::Flows, "Flows"},
    std::pair{StepKind::Metrics, "Metrics"},
    std::pair{StepKind::Aggregates, "Aggregates"},
    std::pair{StepKind::Sockets, "Sockets"},
    std::pair{StepKind::CaptureNode, "CaptureNode"},
    std::pair{StepKind::Group, "Group"},
    std::pair{StepKind::MoreThan, "MoreThan"},
    std::pair{StepKind::RawPackets, "RawPackets"},
    std::pair{StepKind::Bpf, "BPF"},
    std::pair{StepKind::Hops, "Hops"},
    std::pair{StepKind::Nodes, "Nodes"},
    std::pair{StepKind::Workflow, "Workflow"},
};

constexpr std::array kKeywords{
    std::pair{Keyword::True, "TRUE"}, std::pair{Keyword::False, "FALSE"},
    std::pair{Keyword::Asc, "ASC"},   std::pair{Keyword::Desc, "DESC"},
    std::pair{Keyword::Now, "NOW"},   std::pair{Keyword::Forever, "FOREVER"},
};

constexpr std::array kPredicates{
    std::pair{PredicateKind::Ne, "NE"},
    std::pair{PredicateKind::Nee, "NEE"},
    std::pair{PredicateKind::Lt, "LT"},
    std::pair{PredicateKind::Gt, "GT"},
    std::pair{PredicateKind::Lte, "LTE"},
    std::pair{PredicateKind::Gte, "GTE"},
    std::pair{PredicateKind::Inside, "INSIDE"},
    std::pair{PredicateKind::Between, "BETWEEN"},
    std::pair{PredicateKind::Within, "WITHIN"},
    std::pair{PredicateKind::Without, "WITHOUT"},
    std::pair{PredicateKind::Regex, "REGEX"},
    std::pair{PredicateKind::Ipv4Range, "IPV4RANGE"},
    std::pair{PredicateKind::Metadata, "Metadata"},
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
