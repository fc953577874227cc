// The ANTLR front end: text → tokens → parser, whose grammar actions build the AST (ADR 020).
// Every exception (ours and the runtime's) is caught in parse().
//
// Fast path (every valid query): one parser per thread, reused; ASCII text scanned by hand
// into reused tokens (the lexer rules of Gremlin.g4, checked against the ANTLR lexer by
// parser_test); no parse tree; the bail-out error strategy. A query with any error goes through
// parseUntuned() (ANTLR lexer and parser, default error strategy), whose messages are the
// reference, so errors do not depend on the path.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <skydive/gremlin/ast.h>
#include "GremlinLexer.h"
#include "GremlinParser.h"
#include "antlr4-runtime.h"
#include "front/ast_builder.h"
#include "front/parse_modes.h"
#include "front/token_array.h"

namespace skydive::gremlin {

namespace {

namespace gen = skydive_gremlin_gen;
using model::ErrorCode;
using model::makeError;

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

// The parser recurses once per nested predicate call: bound the nesting (and the size) before
// handing untrusted text to it, so that no query can exhaust the stack. Returns whether the
// text is ASCII.
constexpr std::size_t kMaxQueryBytes = 1u << 20;
constexpr int kMaxNesting = 32;

bool checkShape(std::string_view text) {
    if (text.size() > kMaxQueryBytes) {
        throw SyntaxError{"Query longer than " + std::to_string(kMaxQueryBytes) + " bytes", 0};
    }
    int depth = 0;
    bool in_string = false;
    unsigned char high = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        high |= static_cast<unsigned char>(c);
        if (c == '\'' || c == '"') {
            in_string = !in_string;
        } else if (!in_string && c == '(') {
            if (++depth > kMaxNesting) {
                throw SyntaxError{
                    "Query nested more than " + std::to_string(kMaxNesting) + " levels deep",
                    static_cast<std::uint32_t>(i + 1)};
            }
        } else if (!in_string && c == ')') {
            --depth;
        }
    }
    return (high & 0x80u) == 0;
}

// Upstream checks the leading G before anything else (case 111: `V()`).
void checkLeadingG(antlr4::BufferedTokenStream& tokens) {
    const antlr4::Token* first = tokens.get(0);
    if (first->getType() == gen::GremlinLexer::IDENT) {
        const std::string text = first->getText();
        if (text == "G" || text == "g") return;
    }
    const std::string lit = first->getType() == antlr4::Token::EOF ? "" : first->getText();
    throw SyntaxError{"found \"" + lit + "\", expected `G`", columnOf(first)};
}

Query parseUntunedOrThrow(std::string_view text) {
    antlr4::ANTLRInputStream input(text.data(), text.size());
    gen::GremlinLexer lexer(&input);
    ThrowingListener listener;
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    checkLeadingG(tokens);
    gen::GremlinParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&listener);
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    AstBuilder builder(text, false);
    parser.events = &builder;
    parser.query();
    return builder.take();
}

bool startsWithG(antlr4::TokenStream& tokens) {
    const antlr4::Token* first = tokens.get(0);
    if (first->getType() != gen::GremlinLexer::IDENT) return false;
    const std::string text = first->getText();
    return text == "G" || text == "g";
}

// The per-thread objects of the fast path, reset by each parse. ASCII text (nearly every
// query) is scanned by hand into reused tokens; other text goes through the ANTLR lexer.
// The generated DFAs are static, shared by all threads and stay warm.
class FastParser {
public:
    FastParser() {
        lexer_.removeErrorListeners();
        lexer_.addErrorListener(&listener_);
        parser_.removeErrorListeners();  // the bail strategy reports nothing, it throws
        parser_.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
        parser_.setBuildParseTree(false);
        parser_.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
            antlr4::atn::PredictionMode::SLL);
    }

    /// The query, or nothing when the text has an error of any kind (the untuned path then
    /// reports it). Throws std::range_error on invalid UTF-8.
    std::optional<Query> parse(std::string_view text, bool ascii) {
        struct Trim {
            FastParser& fast;
            ~Trim() { fast.trim(); }
        } trim{*this};
        antlr4::TokenStream* stream = &scanned_;
        if (ascii) {
            if (!scanned_.load(text)) return std::nullopt;
        } else {
            utf8_.load(std::string(text));
            lexer_.setInputStream(&utf8_);
            lexed_.setTokenSource(&lexer_);
            lexed_.fill();
            stream = &lexed_;
        }
        if (!startsWithG(*stream)) return std::nullopt;
        AstBuilder builder(text, ascii);
        parser_.events = &builder;
        parser_.setTokenStream(stream);
        parser_.query();
        return builder.take();
    }

private:
    // What a thread keeps between queries stays small: after a large query (up to 1 MiB of
    // text), its tokens and rule contexts are freed.
    static constexpr std::size_t kKeptTokens = 4096;
    void trim() {
        if (scanned_.size() <= kKeptTokens && lexed_.size() <= kKeptTokens) return;
        parser_.reset();  // frees the rule contexts
        scanned_.release();
        lexed_.setTokenSource(&lexer_);
    }

    TokenArray scanned_;
    antlr4::ANTLRInputStream utf8_;
    ThrowingListener listener_;
    gen::GremlinLexer lexer_{&utf8_};
    antlr4::CommonTokenStream lexed_{&lexer_};
    gen::GremlinParser parser_{&scanned_};
};

Query parseOrThrow(std::string_view text) {
    const bool ascii = checkShape(text);
    static thread_local FastParser fast;
    try {
        if (auto q = fast.parse(text, ascii)) return std::move(*q);
    } catch (const antlr4::ParseCancellationException&) {
    } catch (const SyntaxError&) {
    }
    return parseUntunedOrThrow(text);
}

template <typename F>
model::Result<Query> catching(F&& parseFn) {
    try {
        return parseFn();
    } catch (const SyntaxError& e) {
        return makeError(ErrorCode::InvalidArgument, e.message, e.column);
    } catch (const std::exception& e) {
        // ANTLRInputStream throws std::range_error on invalid UTF-8 (toolchain.md §2).
        return makeError(ErrorCode::InvalidArgument, std::string("Invalid query: ") + e.what());
    }
}

}  // namespace

model::Result<Query> parse(std::string_view text) {
    return catching([&] { return parseOrThrow(text); });
}

model::Result<Query> parseUntuned(std::string_view text) {
    return catching([&] {
        checkShape(text);
        return parseUntunedOrThrow(text);
    });
}

}  // namespace skydive::gremlin
