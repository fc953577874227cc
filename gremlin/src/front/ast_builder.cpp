#include "front/ast_builder.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "Token.h"

namespace skydive::gremlin {

namespace {

std::uint32_t columnOf(const antlr4::Token* token) {
    return static_cast<std::uint32_t>(token->getCharPositionInLine()) + 1;
}

// An int when it has no '.' and fits in int64, a double otherwise (spec §2.1).
bool parseNumber(const std::string& text, Param& p) {
    if (text.find('.') == std::string::npos) {
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + text.size()) {
            p.kind = ParamKind::Int;
            p.integer = v;
            return true;
        }
    }
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size()) return false;
    p.kind = ParamKind::Double;
    p.real = d;
    return true;
}

}  // namespace

std::string_view AstBuilder::textOf(antlr4::Token* token) {
    if (byte_indexed_) {
        const auto start = token->getStartIndex();
        return source_.substr(start, token->getStopIndex() + 1 - start);
    }
    scratch_ = token->getText();
    return scratch_;
}

void AstBuilder::fail(std::string message, std::uint32_t column) {
    if (!error_) error_ = SyntaxError{std::move(message), column};
}

Param& AstBuilder::addParam(antlr4::Token* token) {
    settleKeyword();
    auto& param = targets_.back()->emplace_back();
    param.column = columnOf(token);
    return param;
}

void AstBuilder::settleKeyword() {
    if (pending_ == nullptr) return;
    auto& param = targets_.back()->back();
    if (const auto kw = keywordFromName(textOf(pending_))) {
        param.kind = ParamKind::Keyword;
        param.keyword = *kw;
    } else {
        fail("Unexpected token while parsing parameters", param.column);
    }
    pending_ = nullptr;
}

void AstBuilder::step(antlr4::Token* name) {
    settleKeyword();
    const auto text = textOf(name);
    auto& s = query_.steps.emplace_back();
    s.column = columnOf(name);
    if (const auto kind = stepFromName(text)) {
        s.kind = *kind;
    } else {
        fail("Expected step function, got: " + std::string(text), s.column);
    }
    targets_.assign(1, &s.params);
}

void AstBuilder::stringParam(antlr4::Token* token) {
    auto& param = addParam(token);
    const auto text = textOf(token);
    param.text.assign(text.substr(1, text.size() - 2));  // the lexer keeps both quotes
}

void AstBuilder::numberParam(antlr4::Token* token) {
    auto& param = addParam(token);
    const std::string text(textOf(token));
    if (!parseNumber(text, param)) fail("Invalid number \"" + text + "\"", param.column);
}

void AstBuilder::identParam(antlr4::Token* name) {
    addParam(name);
    pending_ = name;
}

void AstBuilder::openCall() {
    auto& param = targets_.back()->back();
    if (const auto pred = predicateFromName(textOf(pending_))) {
        param.kind = ParamKind::Predicate;
        param.predicate = *pred;
    } else {
        fail("Unexpected token while parsing parameters", param.column);
    }
    pending_ = nullptr;
    targets_.push_back(&param.args);
}

void AstBuilder::closeCall() {
    settleKeyword();
    targets_.pop_back();
}

Query AstBuilder::take() {
    if (!targets_.empty()) settleKeyword();
    if (error_) throw *error_;
    return std::move(query_);
}

}  // namespace skydive::gremlin
