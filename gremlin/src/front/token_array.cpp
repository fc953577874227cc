#include "front/token_array.h"

#include "GremlinLexer.h"

namespace skydive::gremlin {

namespace {

using Lexer = skydive_gremlin_gen::GremlinLexer;

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isQuote(char c) {
    return c == '\'' || c == '"';
}

}  // namespace

bool scanAscii(std::string_view text, std::vector<ScannedToken>& out, std::size_t& count) {
    count = 0;
    std::size_t line = 1;
    std::size_t column = 0;
    std::size_t i = 0;
    // Moves past one character, keeping line and column as ANTLR's lexer does.
    auto advance = [&] {
        if (text[i] == '\n') {
            ++line;
            column = 0;
        } else {
            ++column;
        }
        ++i;
    };
    auto emit = [&](std::size_t type, std::size_t start, std::size_t start_line,
                    std::size_t start_column) {
        if (count == out.size()) out.emplace_back();
        auto& t = out[count];
        t.type = type;
        t.start = start;
        t.stop = i - 1;
        t.line = start_line;
        t.column = start_column;
        t.index = count;
        t.source = text;
        ++count;
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            advance();
            continue;
        }
        const std::size_t start = i;
        const std::size_t start_line = line;
        const std::size_t start_column = column;
        std::size_t type = 0;
        if (c == '.' || c == '(' || c == ')' || c == ',') {
            type = c == '.'   ? Lexer::T__0
                   : c == '(' ? Lexer::T__1
                   : c == ')' ? Lexer::T__2
                              : Lexer::T__3;
            advance();
        } else if (isQuote(c)) {
            advance();
            while (i < text.size() && !isQuote(text[i])) advance();
            if (i == text.size()) return false;  // unterminated string
            advance();
            type = Lexer::STRING;
        } else if (isDigit(c)) {
            while (i < text.size() && (isDigit(text[i]) || text[i] == '.')) advance();
            type = Lexer::NUMBER;
        } else if (isAlpha(c)) {
            while (i < text.size() && (isAlpha(text[i]) || isDigit(text[i]) || text[i] == '_')) {
                advance();
            }
            type = Lexer::IDENT;
        } else {
            return false;  // no rule starts with this character
        }
        emit(type, start, start_line, start_column);
    }
    emit(antlr4::Token::EOF, i, line, column);
    return true;
}

}  // namespace skydive::gremlin
