// Container engine addresses as agent.topology.docker.url and DOCKER_HOST write them.
#include "engine_http.h"

#include <gtest/gtest.h>

namespace skydive::agent {
namespace {

TEST(EngineEndpoint, UnixSocketsAndTcpAddresses) {
    auto u = parseEndpoint("unix:///var/run/docker.sock");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->unix_path, "/var/run/docker.sock");
    EXPECT_TRUE(u->host.empty());
    EXPECT_EQ(parseEndpoint("/run/d.sock")->unix_path, "/run/d.sock");

    auto t = parseEndpoint("tcp://127.0.0.1:2375");
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->unix_path.empty());
    EXPECT_EQ(t->host, "127.0.0.1");
    EXPECT_EQ(t->port, "2375");
    EXPECT_EQ(t->describe(), "127.0.0.1:2375");
    auto v6 = parseEndpoint("http://[::1]:2375/");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "2375");
}

TEST(EngineEndpoint, RefusesWhatItCannotReach) {
    for (const char* bad :
         {"", "unix://", "https://host:2376", "tcp://host", "tcp://:2375",
          "tcp://host:", "tcp://host:http", "tcp://host:70000", "tcp://host:0", "docker.sock"}) {
        auto r = parseEndpoint(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, model::ErrorCode::InvalidArgument) << bad;
        EXPECT_NE(r.error().message.find("container engine address"), std::string::npos) << bad;
    }
}

}  // namespace
}  // namespace skydive::agent
