#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace skydive::gremlin {

// The tokens of an ASCII query, scanned by hand (scanAscii) and read by the ANTLR parser
// through the TokenStream interface. The objects are reused from one query to the next, so
// a parse allocates no token.
class ScannedToken final : public antlr4::Token {
public:
    size_t type = 0;
    size_t start = 0;
    size_t stop = 0;
    size_t line = 1;
    size_t column = 0;  ///< 0-based, as ANTLR's charPositionInLine
    size_t index = 0;
    std::string_view source;

    std::string getText() const override {
        if (type == EOF) return "<EOF>";
        return std::string(source.substr(start, stop + 1 - start));
    }
    size_t getType() const override { return type; }
    size_t getLine() const override { return line; }
    size_t getCharPositionInLine() const override { return column; }
    size_t getChannel() const override { return DEFAULT_CHANNEL; }
    size_t getTokenIndex() const override { return index; }
    size_t getStartIndex() const override { return start; }
    size_t getStopIndex() const override { return stop; }
    antlr4::TokenSource* getTokenSource() const override { return nullptr; }
    antlr4::CharStream* getInputStream() const override { return nullptr; }
    std::string toString() const override { return getText(); }
};

/// Scans ASCII text with the lexer rules of Gremlin.g4 (STRING, NUMBER, IDENT, the four
/// literals, WS skipped) into `out`, ending with EOF. Returns false where the ANTLR lexer
/// would report an error; the caller then lets the ANTLR lexer report it.
bool scanAscii(std::string_view text, std::vector<ScannedToken>& out, std::size_t& count);

class TokenArray final : public antlr4::TokenStream {
public:
    /// Scans `text`; false on a lexical error.
    bool load(std::string_view text) {
        p_ = 0;
        return scanAscii(text, tokens_, count_);
    }

    /// Frees the tokens (after a large query: a thread keeps its TokenArray for its lifetime).
    void release() {
        tokens_ = {};
        count_ = 0;
        p_ = 0;
    }

    antlr4::Token* LT(ssize_t k) override {
        if (k == 0) return nullptr;
        if (k < 0) return static_cast<ssize_t>(p_) + k < 0 ? nullptr : &tokens_[p_ + k];
        return &tokens_[std::min(p_ + static_cast<size_t>(k) - 1, count_ - 1)];
    }
    size_t LA(ssize_t i) override {
        const antlr4::Token* t = LT(i);
        return t == nullptr ? 0 : t->getType();
    }
    void consume() override {
        if (LA(1) == EOF) throw antlr4::IllegalStateException("cannot consume EOF");
        ++p_;
    }
    antlr4::Token* get(size_t index) const override {
        return const_cast<ScannedToken*>(&tokens_[std::min(index, count_ - 1)]);
    }
    antlr4::TokenSource* getTokenSource() const override { return nullptr; }
    std::string getText(const antlr4::misc::Interval& interval) override {
        std::string out;
        for (ssize_t i = std::max<ssize_t>(interval.a, 0);
             i <= interval.b && i < static_cast<ssize_t>(count_) - 1; ++i) {
            out += tokens_[i].getText();
        }
        return out;
    }
    std::string getText() override { return getText(antlr4::misc::Interval(size_t{0}, count_)); }
    std::string getText(antlr4::RuleContext* ctx) override {
        return getText(ctx->getSourceInterval());
    }
    std::string getText(antlr4::Token* start, antlr4::Token* stop) override {
        if (start == nullptr || stop == nullptr) return {};
        return getText(antlr4::misc::Interval(start->getTokenIndex(), stop->getTokenIndex()));
    }
    ssize_t mark() override { return 0; }
    void release(ssize_t) override {}
    size_t index() override { return p_; }
    void seek(size_t index) override { p_ = std::min(index, count_ - 1); }
    size_t size() override { return count_; }
    std::string getSourceName() const override { return UNKNOWN_SOURCE_NAME; }

private:
    std::vector<ScannedToken> tokens_;
    size_t count_ = 0;
    size_t p_ = 0;
};

}  // namespace skydive::gremlin
