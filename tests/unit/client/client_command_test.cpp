// `skydive client` commands against a real analyzer: output, error messages and exit codes.
#include <sstream>

#include <skydive/client/commands.h>
#include <skydive/model/json.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::ClientCommand;

struct Run {
    int code;
    std::string out, err;
};

Run run(ClientCommand cmd) {
    std::ostringstream out, err;
    int code = client::runClientCommand(cmd, out, err);
    return {code, out.str(), err.str()};
}

class ClientCommandTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(t_.ok()) << t_.error();
        auto c = t_.client();
        ASSERT_EQ(c.request("POST", "/api/node",
                            R"({"ID":"n1","Metadata":{"Name":"eth0","Type":"device"}})")
                      ->status,
                  201);
    }
    ClientCommand command(ClientCommand::Kind kind, std::string gremlin = "") {
        ClientCommand cmd;
        cmd.kind = kind;
        cmd.connection = t_.options();
        cmd.gremlin = std::move(gremlin);
        return cmd;
    }
    TestAnalyzer t_;
};

TEST_F(ClientCommandTest, QueryPrintsIndentedJson) {
    auto r = run(command(ClientCommand::Kind::Query, "G.V().Has('Name','eth0').Values('Name')"));
    EXPECT_EQ(r.code, client::kClientOk) << r.err;
    EXPECT_EQ(r.out, "[\n  \"eth0\"\n]\n");
    auto count = run(command(ClientCommand::Kind::Query, "G.V().Count()"));
    EXPECT_EQ(count.out, "1\n");
}

TEST_F(ClientCommandTest, WrongQueryFailsWithMessage) {
    auto r = run(command(ClientCommand::Kind::Query, "G.V().Nope("));
    EXPECT_EQ(r.code, client::kClientFailure);
    EXPECT_EQ(r.err.rfind("skydive: error: the analyzer answered 400: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(ClientCommandTest, StatusAndTopology) {
    auto s = run(command(ClientCommand::Kind::Status));
    EXPECT_EQ(s.code, 0);
    EXPECT_NE(s.out.find("\"Agents\": {}"), std::string::npos) << s.out;
    auto dot = command(ClientCommand::Kind::TopologyQuery, "G");
    dot.format = "dot";
    auto d = run(dot);
    EXPECT_EQ(d.code, 0) << d.err;
    EXPECT_EQ(d.out.rfind("digraph g {", 0), 0u) << d.out;
    auto e = run(command(ClientCommand::Kind::TopologyExport));
    auto v = model::parseJson(e.out);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->path("Nodes")->asList().size(), 1u);
}

TEST_F(ClientCommandTest, UnreachableAnalyzer) {
    auto cmd = command(ClientCommand::Kind::Status);
    cmd.connection.address = "127.0.0.1:1";
    auto r = run(cmd);
    EXPECT_EQ(r.code, client::kClientFailure);
    EXPECT_NE(r.err.find("cannot reach the analyzer at 127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(ClientCommandAuth, WrongPasswordExit3) {
    TestAnalyzer t(
        "analyzer:\n  auth:\n    api:\n      backend: basic\n"
        "auth:\n  basic:\n    users:\n      admin: pw\n");
    ASSERT_TRUE(t.ok()) << t.error();
    ClientCommand cmd;
    cmd.kind = ClientCommand::Kind::Status;
    cmd.connection = t.options();
    cmd.connection.username = "admin";
    cmd.connection.password = "wrong";
    auto r = run(cmd);
    EXPECT_EQ(r.code, client::kClientAuth);
    EXPECT_EQ(r.err, "skydive: error: authentication failed: Wrong credentials\n");
    cmd.connection.password = "pw";
    EXPECT_EQ(run(cmd).code, client::kClientOk);
}

}  // namespace
}  // namespace skydive::server::testing
