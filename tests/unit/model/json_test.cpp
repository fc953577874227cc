#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <random>

namespace skydive::model {
namespace {

constexpr Time kNow = 1700000000000;

// Spec §1.1: the node of `G.V('n1')`, byte for byte.
TEST(JsonGolden, SpecNodeExample) {
    Node n;
    n.id = "n1";
    n.metadata = Value(Object{{"Type", "intf"}, {"Value", 1}});
    n.host = "h";
    n.origin = "agent.h";
    n.created_at = 1600000001000;
    n.updated_at = 1600000001000;
    n.revision = 1;
    EXPECT_EQ(
        toJson(n),
        R"({"ID":"n1","Metadata":{"Type":"intf","Value":1},"Host":"h","Origin":"agent.h",)"
        R"("CreatedAt":1600000001000,"UpdatedAt":1600000001000,"DeletedAt":null,"Revision":1})");
}

TEST(JsonGolden, EdgeAddsParentChildAfterRevision) {
    Edge e;
    e.id = "e1";
    e.parent = "n1";
    e.child = "n2";
    e.host = "h";
    e.created_at = e.updated_at = 5;
    e.deleted_at = 6;
    e.revision = 2;
    EXPECT_EQ(toJson(e),
              R"({"ID":"e1","Metadata":{},"Host":"h","Origin":"","CreatedAt":5,"UpdatedAt":5,)"
              R"("DeletedAt":6,"Revision":2,"Parent":"n1","Child":"n2"})");
}

TEST(JsonGolden, EmptyGraphListsAreNull) {
    EXPECT_EQ(toJson(Graph{}), R"({"Nodes":null,"Edges":null})");
}

TEST(JsonWriter, GoCompatibleNumbers) {
    auto num = [](double d) { return toJson(Value(d)); };
    EXPECT_EQ(num(1.5), "1.5");
    EXPECT_EQ(num(2.0), "2");
    EXPECT_EQ(num(0.1), "0.1");
    EXPECT_EQ(num(1e21), "1e+21");
    EXPECT_EQ(num(1e20), "100000000000000000000");
    EXPECT_EQ(num(1e-7), "1e-7");
    EXPECT_EQ(num(1.234e-10), "1.234e-10");
    EXPECT_EQ(num(0.000001), "0.000001");
    EXPECT_EQ(num(-3.25), "-3.25");
    EXPECT_EQ(num(0.0), "0");
    EXPECT_EQ(toJson(Value(INT64_MIN)), "-9223372036854775808");
}

TEST(JsonWriter, GoCompatibleEscaping) {
    EXPECT_EQ(toJson(Value("a\"b\\c")), R"("a\"b\\c")");
    EXPECT_EQ(toJson(Value("<a>&")), R"("\u003ca\u003e\u0026")");
    EXPECT_EQ(toJson(Value("line\nbreak\ttab\x01")), R"("line\nbreak\ttab\u0001")");
    EXPECT_EQ(toJson(Value("h\xc3\xa9llo \xe2\x82\xac")), "\"h\xc3\xa9llo \xe2\x82\xac\"");
    EXPECT_EQ(toJson(Value("bad\xff")), R"("bad\ufffd")");
    EXPECT_EQ(toJson(Value("\xe2\x80\xa8")), R"("\u2028")");
    EXPECT_EQ(toJson(Value("\xc0\xaf")), R"("\ufffd\ufffd")");  // overlong encoding
}

TEST(JsonReader, IntegralNumbersAreInt64) {
    auto v = parseJson(
        R"({"a":1,"b":1.5,"c":1.0,"d":-7,"e":9223372036854775807,"f":18446744073709551615,"g":1e2})");
    ASSERT_TRUE(v.ok()) << v.error().message;
    const Object& o = v->asObject();
    EXPECT_EQ(*o.find("a"), Value(1));
    EXPECT_EQ(*o.find("b"), Value(1.5));
    EXPECT_TRUE(o.find("c")->isDouble());
    EXPECT_EQ(*o.find("d"), Value(-7));
    EXPECT_EQ(*o.find("e"), Value(INT64_MAX));
    EXPECT_TRUE(o.find("f")->isDouble());
    EXPECT_TRUE(o.find("g")->isDouble());
}

// Go reads integers beyond int64 as float64, and writes doubles in [2^64, 1e21) as integers;
// simdjson refuses such literals, so the reader widens them (found by fuzz_json).
TEST(JsonReader, IntegersBeyond64BitsAreDoubles) {
    auto v =
        parseJson(R"([100000000000000000000,-9223372036854775809,"123456789012345678901",1.5])");
    ASSERT_TRUE(v.ok()) << v.error().message;
    const List& l = v->asList();
    EXPECT_EQ(l[0], Value(1e20));
    EXPECT_EQ(l[1], Value(-9223372036854775809.0));
    EXPECT_EQ(l[2], Value("123456789012345678901"));
    EXPECT_EQ(toJson(l[0]), "100000000000000000000");
    auto again = parseJson(toJson(Value(666666666666666666666.666622)));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->isDouble());
    EXPECT_FALSE(parseJson("[1,]").ok());
}

TEST(JsonReader, DuplicateKeysLastWins) {
    auto v = parseJson(R"({"b":1,"a":2,"b":3})");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(toJson(*v), R"({"a":2,"b":3})");
}

TEST(JsonReader, ErrorsAreClear) {
    auto bad = parseJson("{\"a\":");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(bad.error().message.find("invalid JSON"), std::string::npos);
    std::string deep(100, '[');
    deep += std::string(100, ']');
    auto too_deep = parseJson(deep);
    ASSERT_FALSE(too_deep.ok());
    EXPECT_NE(too_deep.error().message.find("deeper"), std::string::npos);
    auto too_big = parseJson("[1,2,3]", JsonLimits{.max_bytes = 3});
    ASSERT_FALSE(too_big.ok());
    EXPECT_NE(too_big.error().message.find("exceeds"), std::string::npos);
}

TEST(JsonReader, ElementDecodeRules) {
    auto n = parseNode(R"({"ID":"n1","Metadata":{"Name":"x"}})", kNow);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->created_at, kNow);
    EXPECT_EQ(n->updated_at, kNow);
    EXPECT_EQ(n->deleted_at, 0);
    auto no_id = parseNode(R"({"Metadata":{}})", kNow);
    ASSERT_FALSE(no_id.ok());
    EXPECT_EQ(no_id.error().message, "No ID found for graph element");
    auto no_parent = parseEdge(R"({"ID":"e","Child":"c"})", kNow);
    ASSERT_FALSE(no_parent.ok());
    EXPECT_EQ(no_parent.error().message, "parent ID wrong format");
    auto no_child = parseEdge(R"({"ID":"e","Parent":"p"})", kNow);
    ASSERT_FALSE(no_child.ok());
    EXPECT_EQ(no_child.error().message, "child ID wrong format");
    auto bad_meta = parseNode(R"({"ID":"n","Metadata":[1]})", kNow);
    EXPECT_FALSE(bad_meta.ok());
}

// decode(encode(x)) == x for random nested metadata.
Value randomValue(std::mt19937_64& rng, int depth) {
    std::uniform_int_distribution<int> kind(0, depth > 3 ? 4 : 6);
    switch (kind(rng)) {
        case 0: return Value();
        case 1: return Value(rng() % 2 == 0);
        case 2: return Value(static_cast<long long>(rng()));
        case 3: {
            double d = std::uniform_real_distribution<double>(-1e12, 1e12)(rng);
            return Value(d == static_cast<double>(static_cast<long long>(d)) ? d + 0.5 : d);
        }
        case 4: {
            static const char* samples[] = {"",
                                            "eth0",
                                            "veth-\xc3\xa9\xe2\x82\xac",
                                            "quote\"back\\slash",
                                            "<html>&",
                                            "a much longer string that needs a heap block",
                                            "\n\t\x01"};
            return Value(samples[rng() % 7]);
        }
        case 5: {
            List l;
            for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i)
                l.push_back(randomValue(rng, depth + 1));
            return Value(std::move(l));
        }
        default: {
            Object o;
            for (int i = 0, n = static_cast<int>(rng() % 5); i < n; ++i)
                o.set("k" + std::to_string(rng() % 10), randomValue(rng, depth + 1));
            return Value(std::move(o));
        }
    }
}

TEST(JsonRoundTrip, RandomNestedMetadata) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        std::mt19937_64 rng(seed);
        for (int i = 0; i < 300; ++i) {
            Node n;
            n.id = "node-" + std::to_string(i);
            Object meta;
            for (int k = 0; k < 6; ++k) meta.set("key" + std::to_string(k), randomValue(rng, 1));
            n.metadata = Value(std::move(meta));
            n.host = "host";
            n.origin = "agent.host";
            n.created_at = 1600000000000 + i;
            n.updated_at = n.created_at + 1;
            n.deleted_at = i % 3 == 0 ? n.created_at + 2 : 0;
            n.revision = i + 1;
            std::string json = toJson(n);
            auto back = parseNode(json, kNow);
            ASSERT_TRUE(back.ok()) << back.error().message << " in " << json;
            EXPECT_EQ(*back, n) << json;
            EXPECT_EQ(toJson(*back), json);
        }
    }
}

TEST(JsonRoundTrip, EdgeAndGraph) {
    Graph g;
    Node n;
    n.id = "n1";
    n.created_at = n.updated_at = 1;
    n.revision = 1;
    g.nodes.push_back(n);
    Edge e;
    e.id = "e1";
    e.parent = "n1";
    e.child = "n1";
    e.metadata = Value(Object{{"RelationType", "ownership"}, {"Big", INT64_MAX}, {"Neg", -1.25}});
    e.created_at = e.updated_at = 2;
    e.revision = 4;
    g.edges.push_back(e);
    auto v = parseJson(toJson(g));
    ASSERT_TRUE(v.ok());
    auto back = graphFromValue(*v, kNow);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, g);
}

TEST(IndentJson, PrettyPrints) {
    EXPECT_EQ(indentJson(R"({"a":[1,2],"b":{},"c":"x,y"})"),
              "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": \"x,y\"\n}");
    EXPECT_EQ(indentJson("4"), "4");
}

}  // namespace
}  // namespace skydive::model
