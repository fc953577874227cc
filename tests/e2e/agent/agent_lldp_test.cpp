// The lldp probe against a real lldpd: lldpd runs in a namespace on one end of a veth pair, the
// agent listens on the host end, and the neighbour switch and its port appear with spec §7
// metadata and edges.
#include <skydive/agent/ids.h>
#include <skydive/agent/lldp.h>

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include <skydive/model/json.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

// lldpd in the foreground in `ns`, on `ifname` only, with its own control socket; stopped (and
// reaped) on destruction.
class Lldpd {
public:
    // The configuration goes in through -O so that it applies before the first frame is sent.
    Lldpd(const std::string& ns, const std::string& ifname, const std::string& dir,
          const std::string& sys_name)
        : ns_(ns), sock_(dir + "/lldpd.sock") {
        std::string conf = dir + "/lldpd.conf";
        std::ofstream(conf) << "configure system hostname " << sys_name
                            << "\nconfigure lldp tx-interval 1\n";
        pid_ = ::fork();
        if (pid_ == 0) {
            std::string null = "/dev/null";
            std::freopen(null.c_str(), "w", stdout);
            std::freopen(null.c_str(), "w", stderr);
            ::execlp("ip", "ip", "netns", "exec", ns.c_str(), "lldpd", "-d", "-u", sock_.c_str(),
                     "-I", ifname.c_str(), "-S", "skydive test switch", "-m", "192.0.2.9", "-O",
                     conf.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~Lldpd() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    bool running() const { return pid_ > 0; }

private:
    std::string ns_, sock_;
    pid_t pid_ = -1;
};

std::string ifaceMac(const std::string& ns, const std::string& ifname) {
    return test_support::runCommand("ip netns exec " + ns + " cat /sys/class/net/" + ifname +
                                    "/address")
        .line();
}

TEST(AgentLldpE2E, NeighbourFromLldpdAppears) {
    ASSERT_EQ(::geteuid(), 0u) << "agent e2e tests need root (CI runs them as root)";
    ASSERT_TRUE(sh("command -v lldpd")) << "lldpd missing: run scripts/install-deps";
    Cleanup cleanup;
    std::string tag = uniqueSuffix();
    std::string ns = "sdl" + tag, host_if = "sdlh" + tag, ns_if = "sdln" + tag;
    std::string dir = "/tmp/skydive-lldp-" + tag;
    cleanup.add("rm -rf " + dir);
    cleanup.add("ip netns del " + ns);
    cleanup.add("ip link del " + host_if);
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(sh("ip netns add " + ns));
    ASSERT_TRUE(sh("ip link add " + host_if + " type veth peer name " + ns_if + " netns " + ns));
    ASSERT_TRUE(sh("ip link set " + host_if + " up"));
    ASSERT_TRUE(sh("ip -n " + ns + " link set " + ns_if + " up"));

    AgentOptions o;
    o.host_id = "e2e-lldp-" + tag;
    o.probes = {"lldp"};
    o.lldp_interfaces = {host_if};
    auto created = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(created.ok()) << created.error().toString();
    auto agent = std::move(created).value();
    ASSERT_TRUE(agent->start().ok());
    TopologyGraph& g = agent->topology();
    auto local = [&] { return nodeNamed(g, host_if); };
    ASSERT_TRUE(waitFor([&] { return local().has_value(); }));

    {
        const std::string sys_name = "sw-" + tag;
        Lldpd lldpd(ns, ns_if, dir, sys_name);
        ASSERT_TRUE(lldpd.running());

        std::optional<model::Node> sw, port;
        ASSERT_TRUE(waitFor([&] { return (sw = nodeNamed(g, sys_name, "switch")).has_value(); },
                            std::chrono::seconds(10)))
            << "no switch node from lldpd's frames; switches: " << [&] {
                   std::string all;
                   for (const auto& n : g.nodesWhere("Type", Value("switch")))
                       all += model::toJson(n) + " ";
                   return all;
               }();
        const auto& lldp = field(*sw, "LLDP")->asObject();
        EXPECT_EQ(*field(*sw, "Probe"), Value("lldp"));
        EXPECT_EQ(*lldp.find("ChassisID"), Value(ifaceMac(ns, ns_if)));
        EXPECT_EQ(*lldp.find("ChassisIDType"), Value("MAC Address"));
        EXPECT_EQ(*lldp.find("MgmtAddress"), Value("192.0.2.9"));
        EXPECT_EQ(*lldp.find("Description"), Value("skydive test switch"));
        EXPECT_EQ(std::string(sw->id.view()),
                  genId({sys_name, "SysName", "192.0.2.9", "MgmtAddress"}));

        // lldpd names its port after the interface (port description) and sends the MAC as ID.
        ASSERT_TRUE(waitFor([&] { return (port = nodeNamed(g, ns_if, "switchport")).has_value(); },
                            std::chrono::seconds(5)));
        const auto& pl = field(*port, "LLDP")->asObject();
        EXPECT_EQ(*pl.find("PortIDType"), Value("MAC Address"));
        EXPECT_EQ(*pl.find("Description"), Value(ns_if));
        std::string sw_id(sw->id.view()), port_id(port->id.view());
        EXPECT_TRUE(hasEdge(g, sw_id, port_id, "ownership"));
        EXPECT_TRUE(hasEdge(g, sw_id, port_id, "layer2"));
        EXPECT_TRUE(hasEdge(g, port_id, std::string(local()->id.view()), "layer2"));
        // The LiveGraph the agent's API reads has them too.
        std::size_t switches = 0;
        agent->liveGraph().snapshot()->forEachNode([&](model::NodeHandle n) {
            model::FieldValue t = n.field("Type");
            if (t.isString() && t.asString() == "switch") ++switches;
            return true;
        });
        EXPECT_EQ(switches, 1u);
    }
    agent->stop();
}

}  // namespace
}  // namespace skydive::agent::e2e
