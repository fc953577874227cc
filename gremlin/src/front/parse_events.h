#pragma once

// What the grammar's actions report while the ANTLR parser matches a query (Gremlin.g4). The
// generated parser only calls through this interface, so the builder behind it lives in
// parser.cpp and the grammar library does not link back to skydive_gremlin.
namespace antlr4 {
class Token;
}

namespace skydive::gremlin {

class ParseEvents {
public:
    virtual void step(antlr4::Token* name) = 0;
    virtual void stringParam(antlr4::Token* token) = 0;
    virtual void numberParam(antlr4::Token* token) = 0;
    /// A keyword, or the name of a predicate call when openCall() follows at once.
    virtual void identParam(antlr4::Token* name) = 0;
    virtual void openCall() = 0;
    virtual void closeCall() = 0;

protected:
    ParseEvents() = default;
    ParseEvents(const ParseEvents&) = default;
    ParseEvents& operator=(const ParseEvents&) = default;
    ~ParseEvents() = default;
};

}  // namespace skydive::gremlin
