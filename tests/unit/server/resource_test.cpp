// capture / alert / noderule / edgerule collections (spec §4.2, §6.1).
#include <thread>

#include <skydive/model/json.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::Response;

Response must(model::Result<Response> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Response{};
}

class ResourceTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(t_.ok()) << t_.error(); }
    TestAnalyzer t_;
    client::HttpClient c_{t_.options()};
};

TEST_F(ResourceTest, CaptureLifecycle) {
    EXPECT_EQ(must(c_.request("GET", "/api/capture")).body, "{}");
    auto r = must(c_.request("POST", "/api/capture",
                             R"j({"UUID":"mine","GremlinQuery":"G.V().Has('Name','eth0')",)j"
                             R"j("BPFFilter":"tcp port 80","Name":"web"})j"));
    ASSERT_EQ(r.status, 201) << r.body;
    auto v = model::parseJson(r.body);
    ASSERT_TRUE(v.ok());
    std::string id(v->path("UUID")->asString());
    EXPECT_NE(id, "mine");  // the server assigns the UUID
    EXPECT_EQ(id.size(), 36u);
    // Field order and omission rules of spec §6.1.
    EXPECT_EQ(r.body,
              R"j({"UUID":")j" + id +
                  R"j(","GremlinQuery":"G.V().Has('Name','eth0')","BPFFilter":"tcp port 80",)j"
                  R"j("Name":"web","Count":0,"SamplingRate":0,"PollingInterval":0,)j"
                  R"j("ExtraTCPMetric":false,"IPDefrag":false,"ReassembleTCP":false,)j"
                  R"j("LayerKeyMode":"L2"})j");
    EXPECT_EQ(must(c_.request("GET", "/api/capture/" + id)).body, r.body);
    auto list = model::parseJson(must(c_.request("GET", "/api/capture")).body);
    EXPECT_TRUE(list->path(id).has_value());
    // Same query and type, same BPF: duplicated.
    auto dup = must(c_.request("POST", "/api/capture",
                               R"j({"GremlinQuery":"G.V().Has('Name','eth0')",)j"
                               R"j("BPFFilter":"tcp port 80"})j"));
    EXPECT_EQ(dup.status, 409);
    EXPECT_EQ(dup.body, "duplicated resource\n");
    EXPECT_EQ(must(c_.request("PATCH", "/api/capture/" + id, "[]")).status, 400);
    EXPECT_EQ(must(c_.request("DELETE", "/api/capture/" + id)).status, 200);
    auto gone = must(c_.request("GET", "/api/capture/" + id));
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.body, "Capture '" + id + "' not found\n");
    EXPECT_EQ(must(c_.request("DELETE", "/api/capture/" + id)).status, 404);
}

TEST_F(ResourceTest, CaptureValidation) {
    auto no_query = must(c_.request("POST", "/api/capture", R"j({"Name":"x"})j"));
    EXPECT_EQ(no_query.status, 400);
    EXPECT_EQ(no_query.body.rfind("Not a valid Gremlin expression", 0), 0u) << no_query.body;
    auto bad_bpf = must(c_.request("POST", "/api/capture",
                                   R"j({"GremlinQuery":"G.V()","BPFFilter":"tcp port x y"})j"));
    EXPECT_EQ(bad_bpf.status, 400);
    EXPECT_EQ(
        must(c_.request("POST", "/api/capture", R"j({"GremlinQuery":"G.V()","Type":"x"})j")).status,
        400);
    EXPECT_EQ(
        must(c_.request("POST", "/api/capture", R"j({"GremlinQuery":"G.V()","HeaderSize":5})j"))
            .status,
        400);
    EXPECT_EQ(must(c_.request("POST", "/api/capture", "{bad")).status, 400);
    EXPECT_EQ(must(c_.request("GET", "/api/capture")).body, "{}");
}

TEST_F(ResourceTest, CaptureCountsActiveEntries) {
    ASSERT_EQ(must(c_.request("POST", "/api/node",
                              R"j({"ID":"n1","Metadata":{"Name":"eth0","Type":"device",)j"
                              R"j("Captures":[{"ID":"c","State":"active"}]}})j"))
                  .status,
              201);
    auto r = must(c_.request("POST", "/api/capture", R"j({"GremlinQuery":"G.V()"})j"));
    ASSERT_EQ(r.status, 201);
    EXPECT_NE(r.body.find(R"j("Count":1)j"), std::string::npos) << r.body;
}

TEST_F(ResourceTest, AlertDefaultsAndValidation) {
    auto r = must(
        c_.request("POST", "/api/alert", R"j({"Expression":"G.V().Count()","Trigger":"graph"})j"));
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_NE(r.body.find(R"j("CreateTime":"2023-11-14T22:13:20.000Z")j"), std::string::npos)
        << r.body;
    EXPECT_EQ(r.body.find("Name"), std::string::npos);  // omitted when empty
    EXPECT_EQ(must(c_.request("POST", "/api/alert", R"j({"Name":"x"})j")).status, 400);
    EXPECT_EQ(
        must(c_.request("POST", "/api/alert", R"j({"Expression":"x","Trigger":"soon"})j")).status,
        400);
}

TEST_F(ResourceTest, Rules) {
    auto nr = must(c_.request("POST", "/api/noderule",
                              R"j({"Action":"create","Metadata":{"Name":"n","Type":"t"}})j"));
    ASSERT_EQ(nr.status, 201) << nr.body;
    EXPECT_NE(nr.body.find(R"j("Metadata":{"Name":"n","Type":"t"},"Action":"create","Query":"")j"),
              std::string::npos)
        << nr.body;
    EXPECT_EQ(must(c_.request("POST", "/api/noderule",
                              R"j({"Action":"update","Metadata":{"Name":"n"}})j"))
                  .status,
              400);
    EXPECT_EQ(must(c_.request("POST", "/api/noderule",
                              R"j({"Action":"update","Query":"G.V(","Metadata":{}})j"))
                  .status,
              400);
    EXPECT_EQ(must(c_.request("POST", "/api/noderule", R"j({"Action":"destroy"})j")).status, 400);
    auto er = must(c_.request("POST", "/api/edgerule",
                              R"j({"Src":"G.V().Has('Name','a')","Dst":"G.V().Has('Name','b')",)j"
                              R"j("Metadata":{"RelationType":"layer2"}})j"));
    ASSERT_EQ(er.status, 201) << er.body;
    EXPECT_EQ(must(c_.request("POST", "/api/edgerule",
                              R"j({"Src":"G.V()","Dst":"G.V()","Metadata":{}})j"))
                  .status,
              400);
    EXPECT_EQ(must(c_.request("GET", "/api/edgerule/nope")).body, "Edgerule 'nope' not found\n");
}

}  // namespace
}  // namespace skydive::server::testing

namespace skydive::server::testing {
namespace {

TEST_F(ResourceTest, RulesApplyToTheGraph) {
    for (auto [id, name] : {std::pair{"a", "eth0"}, {"b", "eth1"}}) {
        std::string body = std::string(R"j({"ID":")j") + id + R"j(","Metadata":{"Name":")j" + name +
                           R"j(","Type":"device"}})j";
        ASSERT_EQ(must(c_.request("POST", "/api/node", body)).status, 201);
    }
    auto upd = must(c_.request("POST", "/api/noderule",
                               R"j({"Action":"update","Query":"G.V().Has('Name','eth0')",)j"
                               R"j("Metadata":{"Color":"red"}})j"));
    ASSERT_EQ(upd.status, 201) << upd.body;
    auto a = model::parseJson(must(c_.request("GET", "/api/node/a")).body);
    EXPECT_EQ(*a->path("Metadata.Color"), model::Value("red"));
    auto b = model::parseJson(must(c_.request("GET", "/api/node/b")).body);
    EXPECT_FALSE(b->path("Metadata.Color"));

    auto er =
        must(c_.request("POST", "/api/edgerule",
                        R"j({"Src":"G.V().Has('Name','eth0')","Dst":"G.V().Has('Name','eth1')",)j"
                        R"j("Metadata":{"RelationType":"layer2"}})j"));
    ASSERT_EQ(er.status, 201) << er.body;
    std::string rule(model::parseJson(er.body)->path("UUID")->asString());
    EXPECT_EQ(
        must(c_.request("POST", "/api/topology",
                        R"j({"GremlinQuery":"G.V().Has('Name','eth0').Out().Values('Name')"})j"))
            .body,
        R"(["eth1"])");
    ASSERT_EQ(must(c_.request("DELETE", "/api/edgerule/" + rule)).status, 200);
    EXPECT_EQ(must(c_.request("POST", "/api/topology",
                              R"j({"GremlinQuery":"G.V().Has('Name','eth0').Out().Count()"})j"))
                  .body,
              "0");
    auto cr =
        must(c_.request("POST", "/api/noderule",
                        R"j({"Action":"create","Metadata":{"Name":"tor","Type":"switch"}})j"));
    ASSERT_EQ(cr.status, 201);
    EXPECT_EQ(must(c_.request("POST", "/api/topology",
                              R"j({"GremlinQuery":"G.V().Has('Name','tor').Count()"})j"))
                  .body,
              "1");
}

}  // namespace
}  // namespace skydive::server::testing

namespace skydive::server::testing {
namespace {

// Rules are re-applied when the graph changes: a node added after an update rule gets its
// metadata, a node added after an edge rule gets its edges (as upstream).
TEST_F(ResourceTest, RulesApplyToElementsAddedLater) {
    auto upd = must(c_.request("POST", "/api/noderule",
                               R"j({"Action":"update","Query":"G.V().Has('Type','device')",)j"
                               R"j("Metadata":{"Color":"blue"}})j"));
    ASSERT_EQ(upd.status, 201) << upd.body;
    auto er =
        must(c_.request("POST", "/api/edgerule",
                        R"j({"Src":"G.V().Has('Name','tor')","Dst":"G.V().Has('Type','device')",)j"
                        R"j("Metadata":{"RelationType":"layer2"}})j"));
    ASSERT_EQ(er.status, 201) << er.body;
    ASSERT_EQ(must(c_.request("POST", "/api/node",
                              R"j({"ID":"tor","Metadata":{"Name":"tor","Type":"switch"}})j"))
                  .status,
              201);
    ASSERT_EQ(must(c_.request("POST", "/api/node",
                              R"j({"ID":"late","Metadata":{"Name":"late","Type":"device"}})j"))
                  .status,
              201);
    std::string color, out;
    for (int i = 0; i < 300; ++i) {
        auto n = model::parseJson(must(c_.request("GET", "/api/node/late")).body);
        auto c = n.ok() ? n->path("Metadata.Color") : std::nullopt;
        color = c && c->isString() ? std::string(c->asString()) : "";
        out =
            must(c_.request("POST", "/api/topology",
                            R"j({"GremlinQuery":"G.V().Has('Name','tor').Out().Values('Name')"})j"))
                .body;
        if (color == "blue" && out == R"(["late"])") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(color, "blue");
    EXPECT_EQ(out, R"(["late"])");
    // The switch is not a device: the update rule left it alone.
    auto tor = model::parseJson(must(c_.request("GET", "/api/node/tor")).body);
    EXPECT_FALSE(tor->path("Metadata.Color"));
}

}  // namespace
}  // namespace skydive::server::testing
