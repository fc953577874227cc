// The runc probe against real runc: a busybox container run detached with its own state root;
// it appears with its namespace (netlink probe inside), and `runc delete` removes both.
#include <filesystem>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;
using namespace std::chrono_literals;

TEST(AgentRuncE2E, ContainerFromStateDirectory) {
    ASSERT_EQ(::geteuid(), 0u) << "agent e2e tests need root (CI runs them as root)";
    ASSERT_TRUE(sh("command -v runc")) << "runc missing: run scripts/install-deps (docker.io)";
    ASSERT_TRUE(std::filesystem::exists("/bin/busybox")) << "busybox-static missing";
    Cleanup cleanup;
    std::string tag = uniqueSuffix();
    std::string dir = "/tmp/sdr" + tag, root = dir + "/state", bundle = dir + "/bundle";
    std::string id = "sdrc" + tag, runc = "runc --root " + root;
    cleanup.add("rm -rf " + dir);
    cleanup.add(runc + " delete -f " + id);
    std::filesystem::create_directories(bundle + "/rootfs/bin");
    std::filesystem::create_directories(root);
    ASSERT_TRUE(sh("cp /bin/busybox " + bundle + "/rootfs/bin/busybox && ln -s busybox " + bundle +
                   "/rootfs/bin/sleep && cd " + bundle + " && runc spec"));
    // Detached, no terminal, a long sleep instead of the default shell.
    ASSERT_TRUE(
        sh("sed -i 's/\"terminal\": true/\"terminal\": false/; s/\"sh\"$/\"sleep\", "
           "\"120\"/' " +
           bundle + "/config.json"));

    AgentOptions o;
    o.host_id = "e2e-runc-" + tag;
    o.probes = {"runc"};
    o.runc_run_paths = {root};
    auto created = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(created.ok());
    auto agent = std::move(created).value();
    ASSERT_TRUE(agent->start().ok());
    TopologyGraph& g = agent->topology();

    ASSERT_TRUE(sh(runc + " run -d --bundle " + bundle + " " + id + " </dev/null"));
    std::optional<model::Node> c;
    ASSERT_TRUE(waitFor([&] { return (c = nodeNamed(g, id, "container")).has_value(); }, 20s))
        << "runc container not in the graph";
    EXPECT_EQ(*field(*c, "Manager"), Value("runc"));
    const auto& info = field(*c, "Container")->asObject();
    EXPECT_EQ(*info.find("ID"), Value(id));
    EXPECT_EQ(*info.find("Runtime"), Value("runc"));
    EXPECT_EQ(*info.find("Status"), Value("running"));
    ASSERT_TRUE(info.find("InitProcessPID")->isInt());
    EXPECT_EQ(info.find("Labels")->asObject().find("bundle")->asString(), bundle);
    auto owner = g.owner(c->id.view());
    ASSERT_TRUE(owner.has_value());
    auto ns = g.node(*owner);
    ASSERT_TRUE(ns.has_value());
    EXPECT_EQ(*field(*ns, "Type"), Value("netns"));
    EXPECT_EQ(*field(*ns, "Name"), Value(id));
    EXPECT_EQ(*field(*ns, "Manager"), Value("runc"));
    EXPECT_EQ(*field(*ns, "Runtime"), Value("runc"));
    EXPECT_EQ(g.owner(ns->id.view()), agent->hostNodeId());
    std::string ns_id(ns->id.view());

    ASSERT_TRUE(sh(runc + " delete -f " + id));
    EXPECT_TRUE(waitFor([&] { return !nodeNamed(g, id, "container").has_value(); }, 20s));
    EXPECT_FALSE(g.node(ns_id).has_value());
    agent->stop();
}

}  // namespace
}  // namespace skydive::agent::e2e
