#include <charconv>
#include <string>

#include <skydive/gremlin/ast.h>

namespace skydive::gremlin {

namespace {

void printParam(std::string& out, const Param& p);

void printParams(std::string& out, const std::vector<Param>& params) {
    out += '(';
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i > 0) out += ", ";
        printParam(out, params[i]);
    }
    out += ')';
}

// A double must print so that it reads back as a double: fixed notation (the lexer has no
// exponent) with a '.' even when integral.
void printDouble(std::string& out, double d) {
    char buf[512];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, ec == std::errc() ? end : buf);
    if (s.find('.') == std::string::npos) s += ".0";
    out += s;
}

void printParam(std::string& out, const Param& p) {
    switch (p.kind) {
        case ParamKind::String: {
            // Strings cannot contain both quotes (either one ends them), so one of them fits.
            const char quote = p.text.find('\'') == std::string::npos ? '\'' : '"';
            out += quote;
            out += p.text;
            out += quote;
            return;
        }
        case ParamKind::Int: out += std::to_string(p.integer); return;
        case ParamKind::Double: printDouble(out, p.real); return;
        case ParamKind::Keyword: out += keywordName(p.keyword); return;
        case ParamKind::Predicate:
            out += predicateName(p.predicate);
            printParams(out, p.args);
            return;
    }
}

}  // namespace

std::string print(const Query& query) {
    std::string out = "G";
    for (const auto& step : query.steps) {
        out += '.';
        out += stepName(step.kind);
        printParams(out, step.params);
    }
    return out;
}

}  // namespace skydive::gremlin
