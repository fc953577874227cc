#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/gremlin/ast.h>
#include "front/parse_events.h"

namespace skydive::gremlin {

/// A syntax error of the query text: upstream's message and the 1-based column.
struct SyntaxError {
    std::string message;
    std::uint32_t column;
};

/// Builds the AST from the grammar's actions, while the parser runs. Name errors (unknown step,
/// keyword or predicate; bad number) are kept, the first one in text order, and thrown by
/// take(): a syntax error anywhere in the query wins over them, as when the AST was built from
/// a finished parse tree.
class AstBuilder final : public ParseEvents {
public:
    /// `source` is the text the tokens index when `byte_indexed` (ASCII input read in place);
    /// otherwise token texts come from the tokens themselves.
    AstBuilder(std::string_view source, bool byte_indexed)
        : source_(source), byte_indexed_(byte_indexed) {}

    void step(antlr4::Token* name) override;
    void stringParam(antlr4::Token* token) override;
    void numberParam(antlr4::Token* token) override;
    void identParam(antlr4::Token* name) override;
    void openCall() override;
    void closeCall() override;

    /// The query; throws the first name error, if any.
    Query take();

private:
    std::string_view textOf(antlr4::Token* token);
    Param& addParam(antlr4::Token* token);
    void settleKeyword();
    void fail(std::string message, std::uint32_t column);

    std::string_view source_;
    bool byte_indexed_;
    std::string scratch_;
    Query query_;
    std::vector<std::vector<Param>*> targets_;  ///< params of the step / innermost open call
    antlr4::Token* pending_ = nullptr;          ///< identifier not yet known as keyword or call
    std::optional<SyntaxError> error_;
};

}  // namespace skydive::gremlin
