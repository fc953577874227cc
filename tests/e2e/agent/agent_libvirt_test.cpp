// The libvirt probe through libvirt's own API with its test:///default driver (no hypervisor):
// a transient domain whose NIC targets a real tap device is created, paused and destroyed from
// a second connection; the agent's graph follows through lifecycle events.
#include <libvirt/libvirt.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;
using namespace std::chrono_literals;

const Value* sub(const model::Node& n, std::string_view a, std::string_view b) {
    const Value* v = field(n, a);
    return v && v->isObject() ? v->asObject().find(b) : nullptr;
}

TEST(AgentLibvirtE2E, DomainsAndTheirInterfacesFollowLifecycleEvents) {
    ASSERT_EQ(::geteuid(), 0u) << "agent e2e tests need root (CI runs them as root)";
    Cleanup cleanup;
    std::string tag = uniqueSuffix();
    std::string tap = "sdvt" + tag, vm = "sdvm" + tag;
    cleanup.add("ip link del " + tap);
    ASSERT_TRUE(sh("ip tuntap add dev " + tap + " mode tap"));

    AgentOptions o;
    o.host_id = "e2e-libvirt-" + tag;
    o.probes = {"libvirt"};
    o.libvirt_url = "test:///default";
    auto created = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(created.ok());
    auto agent = std::move(created).value();
    ASSERT_TRUE(agent->start().ok());
    TopologyGraph& g = agent->topology();
    // The driver's built-in running domain is listed at start.
    auto builtin = nodeNamed(g, "test", "libvirt");
    ASSERT_TRUE(builtin.has_value());
    EXPECT_EQ(*field(*builtin, "State"), Value("UP"));
    EXPECT_EQ(g.owner(builtin->id.view()), agent->hostNodeId());

    virConnectPtr conn = virConnectOpen("test:///default");
    ASSERT_NE(conn, nullptr);
    std::string xml = "<domain type='test'><name>" + vm +
                      "</name><memory>8192</memory><os><type>hvm</type></os><devices>"
                      "<interface type='ethernet'><mac address='52:54:00:12:34:56'/>"
                      "<target dev='" +
                      tap + "'/></interface></devices></domain>";
    virDomainPtr dom = virDomainCreateXML(conn, xml.c_str(), 0);
    ASSERT_NE(dom, nullptr);

    std::optional<model::Node> d;
    ASSERT_TRUE(waitFor([&] { return (d = nodeNamed(g, vm, "libvirt")).has_value(); }))
        << "domain not in the graph";
    EXPECT_EQ(*field(*d, "State"), Value("UP"));
    EXPECT_EQ(g.owner(d->id.view()), agent->hostNodeId());
    std::string dom_id(d->id.view());
    std::optional<model::Node> t;
    ASSERT_TRUE(waitFor(
        [&] {
            t = nodeNamed(g, tap);
            return t && sub(*t, "Libvirt", "Domain") != nullptr;
        },
        3s))
        << "the tap did not get the Libvirt keys";
    EXPECT_EQ(*sub(*t, "Libvirt", "Domain"), Value(vm));
    EXPECT_EQ(*sub(*t, "Libvirt", "MAC"), Value("52:54:00:12:34:56"));
    EXPECT_EQ(*field(*t, "PeerIntfMAC"), Value("52:54:00:12:34:56"));
    EXPECT_TRUE(hasEdge(g, std::string(t->id.view()), dom_id, "vlayer2"));

    ASSERT_EQ(virDomainSuspend(dom), 0);
    EXPECT_TRUE(waitFor([&] {
        auto n = g.node(dom_id);
        return n && *field(*n, "State") == Value("PAUSED");
    }));

    ASSERT_EQ(virDomainDestroy(dom), 0);
    virDomainFree(dom);
    virConnectClose(conn);
    EXPECT_TRUE(waitFor([&] { return !g.node(dom_id).has_value(); })) << "domain node stayed";
    EXPECT_TRUE(waitFor([&] {
        auto n = nodeNamed(g, tap);
        return n && field(*n, "Libvirt") == nullptr;
    }));
    agent->stop();
    EXPECT_FALSE(nodeNamed(g, "test", "libvirt").has_value());
}

}  // namespace
}  // namespace skydive::agent::e2e
