// parse() takes a fast path (hand-scanned ASCII tokens, reused parser, bail-out strategy) and
// falls back to parseUntuned() (ANTLR lexer and parser, default error strategy) on any error.
// Both must agree on every text: same AST and columns, or the same error. The texts are every
// query of tests/gremlin plus systematic edits of each (deletions, insertions, truncations).
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "front/parse_modes.h"

namespace skydive::gremlin {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> queriesOfTextTests() {
    std::set<std::string> out;
    const fs::path root = fs::path(SKYDIVE_SOURCE_DIR) / "tests/gremlin";
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.path().extension() != ".test") continue;
        std::ifstream in(entry.path());
        std::string line;
        bool next_is_query = false;
        while (std::getline(in, line)) {
            if (next_is_query) out.insert(line);
            next_is_query = line.rfind("query", 0) == 0;
        }
    }
    return {out.begin(), out.end()};
}

void expectSameColumns(const std::vector<Param>& a, const std::vector<Param>& b,
                       const std::string& text) {
    ASSERT_EQ(a.size(), b.size()) << text;
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].column, b[i].column) << text;
        expectSameColumns(a[i].args, b[i].args, text);
    }
}

void expectSamePaths(const std::string& text) {
    const auto fast = parse(text);
    const auto untuned = parseUntuned(text);
    ASSERT_EQ(fast.ok(), untuned.ok()) << text;
    if (!fast) {
        EXPECT_EQ(fast.error().code, untuned.error().code) << text;
        EXPECT_EQ(fast.error().message, untuned.error().message) << text;
        EXPECT_EQ(fast.error().position, untuned.error().position) << text;
        return;
    }
    ASSERT_EQ(*fast, *untuned) << text;
    for (std::size_t i = 0; i < fast->steps.size(); ++i) {
        EXPECT_EQ(fast->steps[i].column, untuned->steps[i].column) << text;
        expectSameColumns(fast->steps[i].params, untuned->steps[i].params, text);
    }
}

TEST(ParsePaths, FastPathAgreesWithUntunedPath) {
    auto queries = queriesOfTextTests();
    ASSERT_GT(queries.size(), 100u);
    queries.push_back("g.v().has('a\n b', 1)\n.Out( )");     // columns restart on each line
    queries.push_back("G.V().Has('caf\xc3\xa9', NE(1.5))");  // not ASCII: ANTLR lexer
    const std::string inserts[] = {"(", ")",  ".",  ",", "'", "\"",  " ", "1",        "9.",
                                   "a", "\n", "\r", "#", "_", "NE(", "G", "\xc3\xa9", "\xff"};
    std::size_t n = 0;
    std::size_t failures = 0;
    for (const auto& q : queries) {
        for (std::size_t p = 0; p <= q.size(); ++p) {
            expectSamePaths(q.substr(0, p));
            if (p < q.size()) expectSamePaths(q.substr(0, p) + q.substr(p + 1));
            expectSamePaths(q.substr(0, p) + inserts[(p + n) % std::size(inserts)] + q.substr(p));
            n += 3;
        }
        if (::testing::Test::HasFailure() && ++failures > 3) break;
    }
    EXPECT_GT(n, 10000u);
}

}  // namespace
}  // namespace skydive::gremlin
