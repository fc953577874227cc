#include <skydive/gremlin/ast.h>

#include <gtest/gtest.h>

namespace skydive::gremlin {
namespace {

TEST(Parser, ParsesStepsAndParams) {
    auto q = parse("G.V().Has('Name', \"eth0\", 'MTU', 1500, 'Up', TRUE).Out()");
    ASSERT_TRUE(q) << q.error().toString();
    ASSERT_EQ(q->steps.size(), 3u);
    EXPECT_EQ(q->steps[0].kind, StepKind::V);
    const auto& has = q->steps[1];
    EXPECT_EQ(has.kind, StepKind::Has);
    ASSERT_EQ(has.params.size(), 6u);
    EXPECT_EQ(has.params[1].text, "eth0");
    EXPECT_EQ(has.params[3].kind, ParamKind::Int);
    EXPECT_EQ(has.params[3].integer, 1500);
    EXPECT_EQ(has.params[5].kind, ParamKind::Keyword);
    EXPECT_EQ(has.params[5].keyword, Keyword::True);
    EXPECT_EQ(has.column, 7u);
}

TEST(Parser, KeywordsAreCaseInsensitive) {
    auto a = parse("g.v().has('Value', ne(1)).OUTE().sort(desc, 'x')");
    auto b = parse("G.V().Has('Value', NE(1)).OutE().Sort(DESC, 'x')");
    ASSERT_TRUE(a) << a.error().toString();
    ASSERT_TRUE(b);
    EXPECT_EQ(*a, *b);
}

TEST(Parser, StringsEndAtEitherQuote) {
    auto q = parse("G.V().Has('a\", 1)");
    ASSERT_TRUE(q) << q.error().toString();
    EXPECT_EQ(q->steps[1].params[0].text, "a");
    EXPECT_EQ(q->steps[1].params[1].integer, 1);
}

TEST(Parser, CommasAreOptional) {
    auto a = parse("G.V().Has('a' 'b' , , 'c' 1)");
    auto b = parse("G.V().Has('a', 'b', 'c', 1)");
    ASSERT_TRUE(a) << a.error().toString();
    EXPECT_EQ(*a, *b);
}

TEST(Parser, NumbersAreIntOrFloat) {
    auto q = parse("G.V().Range(1, 2.5, 99999999999999999999)");
    ASSERT_TRUE(q) << q.error().toString();
    const auto& p = q->steps[1].params;
    EXPECT_EQ(p[0].kind, ParamKind::Int);
    EXPECT_EQ(p[1].kind, ParamKind::Double);
    EXPECT_DOUBLE_EQ(p[1].real, 2.5);
    EXPECT_EQ(p[2].kind, ParamKind::Double);  // beyond int64
    EXPECT_FALSE(parse("G.V().Limit(1.2.3)"));
    EXPECT_FALSE(parse("G.V().Limit(1a)"));
}

TEST(Parser, ErrorsCarryMessageAndColumn) {
    auto missing_g = parse("V()");
    ASSERT_FALSE(missing_g);
    EXPECT_NE(missing_g.error().message.find("expected `G`"), std::string::npos);
    EXPECT_EQ(missing_g.error().position, 1u);

    auto unknown = parse("G.V().Foo()");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message, "Expected step function, got: Foo");
    EXPECT_EQ(unknown.error().position, 7u);

    auto outside = parse("G.V().Has('Value', Outside(1, 4))");
    ASSERT_FALSE(outside);
    EXPECT_EQ(outside.error().message, "Unexpected token while parsing parameters");
    EXPECT_EQ(outside.error().position, 20u);

    auto unclosed = parse("G.V().Has('a'");
    ASSERT_FALSE(unclosed);
    EXPECT_EQ(unclosed.error().message, "Expected right parenthesis");

    auto illegal = parse("G.V()\r");
    ASSERT_FALSE(illegal);
    EXPECT_EQ(illegal.error().position, 6u);

    EXPECT_FALSE(parse("G.V().Since(1)"));
    EXPECT_FALSE(parse("G()"));
    EXPECT_FALSE(parse(""));
}

TEST(Parser, InvalidUtf8IsAnErrorNotACrash) {
    auto q = parse(std::string("G.V().Has('\xff\xfe')"));
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, model::ErrorCode::InvalidArgument);
}

TEST(Parser, PrintParsesBackToTheSameQuery) {
    const char* queries[] = {
        "G",
        "G.V()",
        "g.v('n1').out().has('Name', \"eth0\", 'b', 'x y')",
        "G.V().Has('Value', Within(1.0, 2, 4), 'x', Without('a', FALSE))",
        "G.V().Has('IPV4', IPV4Range('10.0.0.0/8'), 'Name', Regex('eth.*'), 'M', Inside(1 2))",
        "G.At('-1m', FOREVER).V().Sort(DESC, '@CreatedAt').Range(0, 10).Count()",
        "G.Context(NOW).E().Has('x', NEE(0.25), 'y', Lte(3), 'z', Gte(4), 'w', LT(1), 'v', GT(2))",
        "G.V().ShortestPathTo(Metadata('Value', 3), Metadata('Direction', 'Left')).SubGraph()",
        "G.V().As('a').Out().As('b').Select('a', 'b').Dedup('Name').Values('Name')",
        "G.V().Descendants('RelationType', 'ownership', 0).ValueMap('a', 'b').Keys()",
        "G.V().Has('x', Between(1, 1e3)).Sum('Bytes')",
    };
    for (const char* text : queries) {
        auto q = parse(text);
        if (std::string(text).find("1e3") != std::string::npos) {
            EXPECT_FALSE(q) << "no exponent in numbers";
            continue;
        }
        ASSERT_TRUE(q) << text << ": " << q.error().toString();
        const std::string printed = print(*q);
        auto again = parse(printed);
        ASSERT_TRUE(again) << printed << ": " << again.error().toString();
        EXPECT_EQ(*again, *q) << text << " printed as " << printed;
    }
}

TEST(Parser, PrintUsesCanonicalNames) {
    auto q = parse("g.v().hasnot('x').ipv4range");
    EXPECT_FALSE(q);  // a step needs parentheses
    auto ok = parse("g.v().hasnot('x').limit(1)");
    ASSERT_TRUE(ok);
    EXPECT_EQ(print(*ok), "G.V().HasNot('x').Limit(1)");
}

}  // namespace
}  // namespace skydive::gremlin
