#include <skydive/server/config.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace skydive::server {
namespace {

Config fresh() {
    Config c;
    c.setEnvironment({});
    return c;
}

TEST(Config, DefaultsFromSpec) {
    Config c = fresh();
    EXPECT_EQ(*c.getString("analyzer.listen"), "127.0.0.1:8082");
    EXPECT_EQ(*c.getString("agent.listen"), "127.0.0.1:8081");
    EXPECT_EQ(*c.getInt("flow.expire"), 600);
    EXPECT_EQ(*c.getStringList("agent.topology.probes"), std::vector<std::string>{"ovsdb"});
    EXPECT_TRUE(c.getStringList("analyzers")->empty());
    EXPECT_FALSE(c.getString("no.such.key").ok());
}

TEST(Config, PrecedenceFileEnvFlag) {
    Config c = fresh();
    ASSERT_TRUE(c.loadString("analyzer:\n  listen: 127.0.0.1:9000\nflow:\n  expire: 30\n").ok());
    EXPECT_EQ(*c.getString("analyzer.listen"), "127.0.0.1:9000");
    EXPECT_EQ(*c.getInt("flow.expire"), 30);
    c.setEnvironment({{"SKYDIVE_ANALYZER_LISTEN", "127.0.0.1:9001"}});
    EXPECT_EQ(*c.getString("analyzer.listen"), "127.0.0.1:9001");
    EXPECT_EQ(*c.getInt("flow.expire"), 30);
    c.setFlag("analyzer.listen", "127.0.0.1:9002");
    EXPECT_EQ(*c.getString("analyzer.listen"), "127.0.0.1:9002");
}

TEST(Config, FilesMergeInOrder) {
    Config c = fresh();
    ASSERT_TRUE(
        c.loadString("analyzer:\n  listen: a:1\n  flow:\n    backend: memory\n", "one").ok());
    ASSERT_TRUE(c.loadString("analyzer:\n  flow:\n    backend: rocksdb\n", "two").ok());
    EXPECT_EQ(*c.getString("analyzer.listen"), "a:1");
    EXPECT_EQ(*c.getString("analyzer.flow.backend"), "rocksdb");
}

TEST(Config, EnvironmentNamesAndLists) {
    EXPECT_EQ(Config::envName("analyzer.listen"), "SKYDIVE_ANALYZER_LISTEN");
    EXPECT_EQ(Config::envName("agent.flow.pcapsocket.min-port"),
              "SKYDIVE_AGENT_FLOW_PCAPSOCKET_MIN_PORT");
    Config c = fresh();
    c.setEnvironment({{"SKYDIVE_ANALYZERS", "10.0.0.1:8082  10.0.0.2:8082"}});
    EXPECT_EQ(*c.getStringList("analyzers"),
              (std::vector<std::string>{"10.0.0.1:8082", "10.0.0.2:8082"}));
}

TEST(Config, BadValuesAreClearErrors) {
    Config c = fresh();
    c.setEnvironment({{"SKYDIVE_FLOW_EXPIRE", "soon"}});
    auto v = c.getInt("flow.expire");
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().message.find("flow.expire"), std::string::npos);
    EXPECT_NE(v.error().message.find("environment"), std::string::npos);
    EXPECT_FALSE(c.validate().ok());

    Config zero = fresh();
    ASSERT_TRUE(zero.loadString("flow:\n  update: 0\n").ok());
    auto st = zero.validate();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("flow.update"), std::string::npos);

    Config broken = fresh();
    auto parse = broken.loadString("analyzer: [unclosed\n", "skydive.yml");
    ASSERT_FALSE(parse.ok());
    EXPECT_NE(parse.error().message.find("skydive.yml:"), std::string::npos);

    Config scalar_list = fresh();
    ASSERT_TRUE(scalar_list.loadString("analyzer:\n  listen: {a: 1}\n").ok());
    EXPECT_FALSE(scalar_list.getString("analyzer.listen").ok());
}

TEST(Config, MissingFileIsNotFound) {
    Config c = fresh();
    auto st = c.loadFile("/nonexistent/skydive.yml");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, model::ErrorCode::NotFound);
}

}  // namespace
}  // namespace skydive::server
