// Docker inspect documents and runc state files into spec §7 container metadata.
#include <skydive/agent/container.h>

#include <gtest/gtest.h>

#include <skydive/model/json.h>

namespace skydive::agent {
namespace {

using model::Value;

Value json(std::string_view text) {
    auto v = model::parseJson(text);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : Value();
}

TEST(Container, FromDockerInspect) {
    auto c = containerFromDockerInspect(json(R"({"Id":"abc","Name":"/web","Image":"sha256:1",
        "State":{"Status":"running","Pid":42},"Config":{"Image":"nginx:1","Labels":{"a":"b"}},
        "HostConfig":{"NetworkMode":"host"}})"));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->name, "web");
    EXPECT_EQ(c->pid, 42);
    EXPECT_TRUE(c->host_network);
    Value md = containerMetadata(*c, "docker");
    const auto& o = md.asObject();
    EXPECT_EQ(*o.find("Type"), Value("container"));
    EXPECT_EQ(*o.find("Manager"), Value("docker"));
    const auto& info = o.find("Container")->asObject();
    EXPECT_EQ(*info.find("ID"), Value("abc"));
    EXPECT_EQ(*info.find("Image"), Value("nginx:1"));
    EXPECT_EQ(*info.find("ImageID"), Value("sha256:1"));
    EXPECT_EQ(*info.find("Runtime"), Value("docker"));
    EXPECT_EQ(*info.find("Status"), Value("running"));
    EXPECT_EQ(*info.find("InitProcessPID"), Value(42));
    EXPECT_EQ(*info.find("Labels")->asObject().find("a"), Value("b"));
    EXPECT_FALSE(containerFromDockerInspect(json(R"({"Name":"/x","State":{}})")).ok());
    EXPECT_FALSE(containerFromDockerInspect(json(R"({"Id":"x"})")).ok());
}

TEST(Container, FromRuncState) {
    auto c = containerFromRuncState(json(R"({"id":"c1","init_process_pid":7,
        "config":{"labels":["bundle=/b","io.kubernetes.cri-o.ImageName=img:2","junk"]}})"));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->name, "c1");
    EXPECT_EQ(c->runtime, "runc");
    EXPECT_EQ(c->status, "running");
    EXPECT_EQ(c->image, "img:2");
    EXPECT_EQ(*c->labels.asObject().find("bundle"), Value("/b"));
    EXPECT_EQ(c->labels.asObject().find("junk"), nullptr);
    EXPECT_FALSE(containerFromRuncState(json(R"({"init_process_pid":7})")).ok());
}

}  // namespace
}  // namespace skydive::agent
