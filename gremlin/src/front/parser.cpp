// The ANTLR front end: text → parse tree → AST. The only file that sees ANTLR types; every
// exception (ours and the runtime's) is caught in parse().
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <skydive/gremlin/ast.h>
#include "GremlinLexer.h"
#include "GremlinParser.h"
#include "antlr4-runtime.h"

namespace skydive::gremlin {

namespace {

namespace gen = skydive_gremlin_gen;
using model::ErrorCode;
using model::makeError;

struct SyntaxError {
    std::string message;
    std::uint32_t column;
};

std::uint32_t columnOf(const antlr4::Token* token) {
    return token == nullptr ? 0 : static_cast<std::uint32_t>(token->getCharPositionInLine()) + 1;
}

// Turns every lexer and parser error into a SyntaxError carrying the column.
class ThrowingListener final : public antlr4::BaseErrorListener {
public:
    void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t,
                     size_t column, const std::string& msg, std::exception_ptr) override {
        const auto col = static_cast<std::uint32_t>(column) + 1;
        if (offending == nullptr) throw SyntaxError{"Illegal character in query", col};
        if (offending->getType() == antlr4::Token::EOF) {
            throw SyntaxError{"Expected right parenthesis", col};
        }
        auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
        const bool in_params =
            parser != nullptr && parser->getContext() != nullptr &&
            (parser->getContext()->getRuleIndex() == gen::GremlinParser::RuleParams ||
             parser->getContext()->getRuleIndex() == gen::GremlinParser::RuleParam);
        if (in_params) throw SyntaxError{"Unexpected token while parsing parameters", col};
        throw SyntaxError{"Unexpected token \"" + offending->getText() + "\"", col};
    }
};

Param numberParam(const std::string& text, std::uint32_t column) {
    Param p;
    p.column = column;
    if (text.find('.') == std::string::npos) {
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + text.size()) {
            p.kind = ParamKind::Int;
            p.integer = v;
            return p;
        }
    }
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size()) {
        throw SyntaxError{"Invalid number \"" + text + "\"", column};
    }
    p.kind = ParamKind::Double;
    p.real = d;
    return p;
}

std::vector<Param> buildParams(gen::GremlinParser::ParamsContext* ctx);

Param buildParam(gen::GremlinParser::ParamContext* ctx) {
    const auto column = columnOf(ctx->getStart());
    if (auto* s = dynamic_cast<gen::GremlinParser::StringParamContext*>(ctx)) {
        const std::string text = s->STRING()->getText();
        Param p;
        p.column = column;
        p.text = text.substr(1, text.size() - 2);
        return p;
    }
    if (auto* n = dynamic_cast<gen::GremlinParser::NumberParamContext*>(ctx)) {
        return numberParam(n->NUMBER()->getText(), column);
    }
    if (auto* k = dynamic_cast<gen::GremlinParser::KeywordParamContext*>(ctx)) {
        const auto kw = keywordFromName(k->IDENT()->getText());
        if (!kw) throw SyntaxError{"Unexpected token while parsing parameters", column};
        Param p;
        p.kind = ParamKind::Keyword;
        p.keyword = *kw;
        p.column = column;
        return p;
    }
    auto* c = dynamic_cast<gen::GremlinParser::CallParamContext*>(ctx);
    if (c == nullptr) throw SyntaxError{"Unexpected token while parsing parameters", column};
    const auto pred = predicateFromName(c->IDENT()->getText());
    if (!pred) throw SyntaxError{"Unexpected token while parsing parameters", column};
    Param p;
    p.kind = ParamKind::Predicate;
    p.predicate = *pred;
    p.column = column;
    p.args = buildParams(c->params());
    return p;
}

std::vector<Param> buildParams(gen::GremlinParser::ParamsContext* ctx) {
    std::vector<Param> out;
    for (auto* param : ctx->param()) out.push_back(buildParam(param));
    return out;
}

Query buildQuery(gen::GremlinParser::QueryContext* ctx) {
    Query q;
    for (auto* step : ctx->step()) {
        const std::string name = step->IDENT()->getText();
        const auto column = columnOf(step->IDENT()->getSymbol());
        const auto kind = stepFromName(name);
        if (!kind) throw SyntaxError{"Expected step function, got: " + name, column};
        Step s;
        s.kind = *kind;
        s.column = column;
        s.params = buildParams(step->params());
        q.steps.push_back(std::move(s));
    }
    return q;
}

Query parseOrThrow(std::string_view text) {
    antlr4::ANTLRInputStream input(text.data(), text.size());
    gen::GremlinLexer lexer(&input);
    ThrowingListener listener;
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    // Upstream checks the leading G before anything else (case 111: `V()`).
    const antlr4::Token* first = tokens.get(0);
    const bool is_g = first->getType() == gen::GremlinLexer::IDENT &&
                      (first->getText() == "G" || first->getText() == "g");
    if (!is_g) {
        const std::string lit = first->getType() == antlr4::Token::EOF ? "" : first->getText();
        throw SyntaxError{"found \"" + lit + "\", expected `G`", columnOf(first)};
    }
    gen::GremlinParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&listener);
    // The grammar is LL(1): SLL prediction is exact here and skips full-context retries.
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    return buildQuery(parser.query());
}

}  // namespace

model::Result<Query> parse(std::string_view text) {
    try {
        return parseOrThrow(text);
    } catch (const SyntaxError& e) {
        return makeError(ErrorCode::InvalidArgument, e.message, e.column);
    } catch (const std::exception& e) {
        // ANTLRInputStream throws std::range_error on invalid UTF-8 (toolchain.md §2).
        return makeError(ErrorCode::InvalidArgument, std::string("Invalid query: ") + e.what());
    }
}

}  // namespace skydive::gremlin
