// The conformance runner's comparisons must be able to fail.
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include "case_check.h"

namespace skydive::gremlin::tools {
namespace {

std::string check(const char* expect, model::Result<std::string> body) {
    auto e = model::parseJson(expect);
    EXPECT_TRUE(e);
    return checkExpectation(*e, body);
}

model::Result<std::string> ok(const char* json) {
    return std::string(json);
}

TEST(CaseCheck, NodeIds) {
    const char* unordered = R"({"kind":"node_ids","ids":["a","b"],"ordered":false})";
    EXPECT_EQ(check(unordered, ok(R"([{"ID":"b"},{"ID":"a"}])")), "");
    EXPECT_NE(check(unordered, ok(R"([{"ID":"a"}])")), "");
    EXPECT_NE(check(unordered, ok(R"([{"ID":"a"},{"ID":"a"},{"ID":"b"}])")), "");  // multiset
    const char* ordered = R"({"kind":"node_ids","ids":["a","b"],"ordered":true})";
    EXPECT_NE(check(ordered, ok(R"([{"ID":"b"},{"ID":"a"}])")), "");
}

TEST(CaseCheck, ScalarsAndJson) {
    EXPECT_EQ(check(R"({"kind":"count","value":4})", ok("4")), "");
    EXPECT_NE(check(R"({"kind":"count","value":4})", ok("[4]")), "");
    EXPECT_EQ(check(R"({"kind":"length","value":2})", ok("[1,2]")), "");
    EXPECT_NE(check(R"({"kind":"length","value":2})", ok("[1]")), "");
    EXPECT_EQ(check(R"({"kind":"json","value":null})", ok("null")), "");
    EXPECT_NE(check(R"({"kind":"json","value":null})", ok("[]")), "");
    EXPECT_EQ(check(R"({"kind":"json_unordered","value":[1,2]})", ok("[2,1]")), "");
    EXPECT_NE(check(R"({"kind":"json_unordered","value":[1,2]})", ok("[2,2]")), "");
    EXPECT_EQ(check(R"({"kind":"set","value":["x","y"]})", ok(R"(["y","x"])")), "");
    EXPECT_NE(check(R"({"kind":"set","value":["x","y"]})", ok(R"(["y","x","x"])")), "");
}

TEST(CaseCheck, GraphsPathsAndErrors) {
    const char* graph = R"({"kind":"graph","node_ids":["a"],"edge_ids":[]})";
    EXPECT_EQ(check(graph, ok(R"([{"Nodes":[{"ID":"a"}],"Edges":null}])")), "");
    EXPECT_NE(check(graph, ok(R"([{"Nodes":null,"Edges":null}])")), "");
    const char* paths = R"({"kind":"paths","paths":[["a","b"]]})";
    EXPECT_EQ(check(paths, ok(R"([[{"ID":"a"},{"ID":"b"}]])")), "");
    EXPECT_NE(check(paths, ok(R"([[{"ID":"b"},{"ID":"a"}]])")), "");
    const char* error = R"({"kind":"error","contains":"bad thing","phase":"exec"})";
    EXPECT_EQ(check(error, model::makeError(model::ErrorCode::InvalidArgument, "a bad thing")), "");
    EXPECT_NE(check(error, model::makeError(model::ErrorCode::InvalidArgument, "other")), "");
    EXPECT_NE(check(error, ok("[]")), "");
    const char* groups = R"({"kind":"group_sizes","value":{"a":2,"b":1}})";
    EXPECT_EQ(check(groups, ok(R"([{"a":[{},{}],"b":[{}]}])")), "");
    EXPECT_NE(check(groups, ok(R"([{"a":[{}],"b":[{}]}])")), "");
    EXPECT_NE(check(groups, ok(R"([{"a":[{},{}],"b":[{}],"c":[{}]}])")), "");
    EXPECT_NE(check(groups, ok("[]")), "");
}

}  // namespace
}  // namespace skydive::gremlin::tools
