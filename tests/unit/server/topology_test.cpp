// POST /api/topology end to end: result kinds, DOT, errors (spec §2.9, §2.11).
#include <skydive/model/json.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::Response;

Response must(model::Result<Response> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Response{};
}

std::string queryBody(std::string_view q) {
    model::JsonWriter w;
    w.beginObject().key("GremlinQuery").string(q).endObject();
    return std::move(w).str();
}

class TopologyTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(t_.ok()) << t_.error();
        for (auto [id, name] : {std::pair{"n1", "eth0"}, {"n2", "eth1"}, {"n3", "lo"}}) {
            std::string body = std::string(R"({"ID":")") + id + R"(","Metadata":{"Name":")" + name +
                               R"(","Type":"device","MTU":1500}})";
            ASSERT_EQ(must(c_.request("POST", "/api/node", body)).status, 201);
        }
        ASSERT_EQ(must(c_.request("POST", "/api/edge",
                                  R"({"ID":"e1","Parent":"n1","Child":"n2",)"
                                  R"("Metadata":{"RelationType":"layer2"}})"))
                      .status,
                  201);
    }
    Response query(std::string_view q, const client::Headers& h = {}) {
        return must(c_.request("POST", "/api/topology", queryBody(q), h));
    }

    TestAnalyzer t_;
    client::HttpClient c_{t_.options()};
};

TEST_F(TopologyTest, NodesResult) {
    auto r = query("G.V().Has('Name','eth0')");
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = model::parseJson(r.body);
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->isList());
    ASSERT_EQ(v->asList().size(), 1u);
    EXPECT_EQ(*v->asList()[0].path("ID"), model::Value("n1"));
    EXPECT_EQ(r.header("content-type"), "application/json; charset=UTF-8");
}

TEST_F(TopologyTest, CountValuesAndEmptyValues) {
    EXPECT_EQ(query("G.V().Count()").body, "3");
    EXPECT_EQ(query("G.V().Has('Name','lo').Values('MTU')").body, "[1500]");
    EXPECT_EQ(query("G.V().Values('Nope')").body, "null");
    EXPECT_EQ(query("G.V().Has('Name','nothing')").body, "[]");
}

TEST_F(TopologyTest, SubGraphAndDot) {
    auto g = query("G.V().Has('Name','eth0').Out().SubGraph()");
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(g.body.front(), '[');
    EXPECT_NE(g.body.find(R"("Nodes":)"), std::string::npos);
    auto dot = query("G.V().SubGraph()", {{"Accept", "text/vnd.graphviz"}});
    ASSERT_EQ(dot.status, 200) << dot.body;
    EXPECT_EQ(dot.body.rfind("digraph g {", 0), 0u) << dot.body;
    EXPECT_NE(dot.body.find("eth0-n1"), std::string::npos) << dot.body;
    EXPECT_EQ(dot.header("content-type"), "text/vnd.graphviz; charset=UTF-8");
    auto not_graph = query("G.V().Count()", {{"Accept", "text/vnd.graphviz"}});
    EXPECT_EQ(not_graph.status, 406);
    EXPECT_NE(not_graph.body.find("Only graph can be outputted as dot"), std::string::npos);
}

TEST_F(TopologyTest, EmptyQueryIs204) {
    EXPECT_EQ(must(c_.request("POST", "/api/topology", "")).status, 204);
    EXPECT_EQ(must(c_.request("POST", "/api/topology", R"({"GremlinQuery":""})")).status, 204);
}

TEST_F(TopologyTest, ErrorsAre400PlainText) {
    auto bad_json = must(c_.request("POST", "/api/topology", "{nope"));
    EXPECT_EQ(bad_json.status, 400);
    auto bad_query = query("G.V().Nope(");
    EXPECT_EQ(bad_query.status, 400);
    EXPECT_EQ(bad_query.header("content-type"), "text/plain; charset=utf-8");
    ASSERT_FALSE(bad_query.body.empty());
    EXPECT_EQ(bad_query.body.back(), '\n');
    auto wrong_type = must(c_.request("POST", "/api/topology", R"({"GremlinQuery":5})"));
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_EQ(must(c_.request("PUT", "/api/topology", "")).status, 405);
}

}  // namespace
}  // namespace skydive::server::testing
