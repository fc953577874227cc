#include <gtest/gtest.h>

#include "front/at_template.h"

namespace skydive::gremlin {
namespace {

TEST(AtTemplate, SplitsTheLiteralsOfALeadingAt) {
    auto a = splitLeadingAt("G.At(1600000000).V().Count()");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->params.size(), 1u);
    EXPECT_EQ(a->params[0].kind, ParamKind::Int);
    EXPECT_EQ(a->params[0].integer, 1600000000);
    auto b = splitLeadingAt("g . context ( '-5m' , \"1h\" )\n.V()");
    ASSERT_TRUE(b);
    ASSERT_EQ(b->params.size(), 2u);
    EXPECT_EQ(b->params[0].text, "-5m");
    EXPECT_EQ(b->params[1].text, "1h");
    auto c = splitLeadingAt("G.At('Sun, 13 Sep 2020 12:26:55 GMT\" 60).V()");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->params[0].text, "Sun, 13 Sep 2020 12:26:55 GMT");
    EXPECT_EQ(c->params[1].integer, 60);
}

TEST(AtTemplate, SameKeyOnlyWhenOnlyTheLiteralsDiffer) {
    auto key = [](std::string_view q) { return splitLeadingAt(q).value().key; };
    EXPECT_EQ(key("G.At(1).V().Count()"), key("G.At(2).V().Count()"));
    EXPECT_EQ(key("G.At('-1m', 5).V()"), key("G.At('-2m' 7).V()"));
    EXPECT_NE(key("G.At(1).V().Count()"), key("G.At(1).E().Count()"));
    EXPECT_NE(key("G.At(1).V()"), key("G.At(1, 2).V()"));
    EXPECT_NE(key("G.At(1).V()"), key("G.At('1').V()"));
    EXPECT_NE(key("G.At(1).V()"), key("G.At(1).V() "));
}

TEST(AtTemplate, LeavesEveryOtherShapeToTheParser) {
    for (const char* q :
         {"G.V()", "G.At(NOW).V()", "G.At(1.5).V()", "G.At(12ab).V()", "G.At(-5).V()",
          "G.At(1, 2, 3).V()", "G.At().V()", "G.At(1,,2).V()", "G.At('open).V()", "G.At(1\r).V()",
          "X.At(1).V()", "G.Atx(1).V()", "G.At(1234567890123456789).V()", "G.At(1", ""}) {
        EXPECT_FALSE(splitLeadingAt(q)) << q;
    }
}

}  // namespace
}  // namespace skydive::gremlin
