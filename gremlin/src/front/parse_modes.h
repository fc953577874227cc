#pragma once

#include <string_view>

#include <skydive/gremlin/ast.h>

namespace skydive::gremlin {

/// The untuned way to drive ANTLR: a fresh input stream (UTF-8 → UTF-32), lexer, token stream
/// and parser per call, LL prediction, the default error strategy and a parse tree. parse()
/// falls back to it to report a syntax error (its messages are the reference), and the
/// parse benchmark uses it as the baseline. Same results and errors as parse().
[[nodiscard]] model::Result<Query> parseUntuned(std::string_view text);

}  // namespace skydive::gremlin
