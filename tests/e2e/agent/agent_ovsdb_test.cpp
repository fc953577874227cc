// The ovsdb probe against a real ovsdb-server + ovs-vswitchd (userspace datapath) started in a
// namespace of their own (toolchain.md §11).
#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

bool hasNoOvsBridge(TopologyGraph& g) {
    return g.nodesWhere("Type", Value("ovsbridge")).empty();
}

class OvsSandbox {
public:
    OvsSandbox() : id_(uniqueSuffix()) {
        dir_ = "/tmp/skydive-ovs-" + id_;
        ns_ = "sdovs-" + id_;
        std::filesystem::create_directories(dir_);
        env_ = "OVS_RUNDIR=" + dir_ + " OVS_DBDIR=" + dir_ + " OVS_LOGDIR=" + dir_ + " ";
        ok_ =
            sh("ip netns add " + ns_) &&
            sh("ovsdb-tool create " + dir_ + "/conf.db /usr/share/openvswitch/vswitch.ovsschema") &&
            sh(env_ + "ip netns exec " + ns_ + " ovsdb-server " + dir_ +
               "/conf.db --remote=punix:" + socket() + " --pidfile=" + dir_ +
               "/ovsdb.pid --unixctl=" + dir_ + "/ovsdb.ctl --log-file=" + dir_ +
               "/ovsdb.log --detach") &&
            vsctl("--no-wait init") &&
            sh(env_ + "ip netns exec " + ns_ + " ovs-vswitchd unix:" + socket() +
               " --pidfile=" + dir_ + "/vswitchd.pid --unixctl=" + dir_ +
               "/vswitchd.ctl --log-file=" + dir_ + "/vswitchd.log --detach");
    }
    ~OvsSandbox() {
        // Stop only the daemons we started, by their pid files, and wait until they are gone:
        // an ovsdb-server still exiting re-created its lock file in the directory removed
        // below, which then stayed behind.
        std::vector<pid_t> pids;
        for (const char* pidfile : {"/vswitchd.pid", "/ovsdb.pid"}) {
            std::ifstream in(dir_ + pidfile);
            long pid = 0;
            if (in >> pid && pid > 1 && ::kill(static_cast<pid_t>(pid), SIGTERM) == 0)
                pids.push_back(static_cast<pid_t>(pid));
        }
        for (int i = 0; i < 200 && !pids.empty(); ++i) {  // up to 10 s
            std::erase_if(pids, [](pid_t p) { return !running(p); });
            if (!pids.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        sh("ip netns del " + ns_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    bool ok() const { return ok_; }
    std::string socket() const { return dir_ + "/db.sock"; }
    const std::string& ns() const { return ns_; }
    bool vsctl(const std::string& args) {
        return sh(env_ + "ovs-vsctl --timeout=10 --db=unix:" + socket() + " " + args);
    }

private:
    // Not exited yet. The daemons detached, so a zombie waits for init, which may be slow to
    // reap it: it counts as gone.
    static bool running(pid_t p) {
        if (::kill(p, 0) != 0) return false;
        std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
        std::string pid, comm, state;
        return !(stat >> pid >> comm >> state) || state != "Z";
    }

    std::string id_, dir_, ns_, env_;
    bool ok_ = false;
};

TEST(OvsdbE2E, BridgePortInterfaceAndPatchLive) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs as root)";
    OvsSandbox ovs;
    ASSERT_TRUE(ovs.ok()) << "ovsdb-server/ovs-vswitchd did not start";
    AgentOptions o;
    o.host_id = "e2e-ovs";
    o.probes = {"ovsdb"};
    o.ovsdb_address = "unix://" + ovs.socket();
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    TopologyGraph& g = (*agent)->topology();

    std::string s = uniqueSuffix();
    std::string br = "sob" + s, vo = "svo" + s, vp = "svp" + s;
    ASSERT_TRUE(ovs.vsctl("add-br " + br + " -- set bridge " + br + " datapath_type=netdev"));
    std::optional<model::Node> bridge;
    ASSERT_TRUE(waitFor([&] { return (bridge = nodeNamed(g, br, "ovsbridge")).has_value(); }));
    const auto& bmd = bridge->metadata.asObject();
    std::string uuid(bmd.find("UUID")->asString());
    EXPECT_EQ(uuid.size(), 36u);
    EXPECT_EQ(*bmd.find("TID"), Value(ovsTid(hostTid("e2e-ovs"), uuid, "ovsbridge")));
    EXPECT_TRUE(hasEdge(g, (*agent)->hostNodeId(), bridge->id.str(), "ownership"));
    EXPECT_TRUE(waitFor([&] { return nodeNamed(g, br, "ovsport").has_value(); }));

    // A veth of the OVS namespace becomes a port: the netlink node gets the OVS keys.
    ASSERT_TRUE(sh("ip -n " + ovs.ns() + " link add " + vo + " type veth peer name " + vp));
    ASSERT_TRUE(ovs.vsctl("add-port " + br + " " + vo));
    std::optional<model::Node> port;
    ASSERT_TRUE(waitFor([&] { return (port = nodeNamed(g, vo, "ovsport")).has_value(); }));
    EXPECT_TRUE(hasEdge(g, bridge->id.str(), port->id.str(), "ownership"));
    EXPECT_TRUE(hasEdge(g, bridge->id.str(), port->id.str(), "layer2"));
    std::optional<model::Node> intf;
    ASSERT_TRUE(waitFor([&] {
        intf = nodeNamed(g, vo, "veth");
        return intf && intf->metadata.asObject().find("OfPort") != nullptr &&
               hasEdge(g, port->id.str(), intf->id.str(), "layer2");
    }));
    EXPECT_EQ(g.nodesWhere("Name", Value(vo)).size(), 2u);  // port + interface, no duplicate
    auto ns_node = nodeNamed(g, ovs.ns(), "netns");
    ASSERT_TRUE(ns_node.has_value());
    EXPECT_EQ(g.owner(intf->id.view()), ns_node->id.str());

    // Patch ports between two bridges.
    std::string br2 = "soc" + s, pa = "spa" + s, pb = "spb" + s;
    ASSERT_TRUE(ovs.vsctl("add-br " + br2 + " -- set bridge " + br2 + " datapath_type=netdev"));
    ASSERT_TRUE(ovs.vsctl("add-port " + br + " " + pa + " -- set interface " + pa +
                          " type=patch options:peer=" + pb + " -- add-port " + br2 + " " + pb +
                          " -- set interface " + pb + " type=patch options:peer=" + pa));
    std::optional<model::Node> a, b;
    ASSERT_TRUE(waitFor([&] {
        a = nodeNamed(g, pa, "patch");
        b = nodeNamed(g, pb, "patch");
        return a && b && hasEdge(g, a->id.str(), b->id.str(), "layer2");
    }));
    EXPECT_EQ(g.owner(a->id.view()), bridge->id.str());

    // Removal: the port node goes, the interface loses its OVS keys but stays (netlink's).
    ASSERT_TRUE(ovs.vsctl("del-port " + br + " " + vo));
    EXPECT_TRUE(waitFor([&] { return !nodeNamed(g, vo, "ovsport"); }));
    EXPECT_TRUE(waitFor([&] {
        auto n = g.node(intf->id.view());
        return n && n->metadata.asObject().find("UUID") == nullptr;
    }));
    ASSERT_TRUE(ovs.vsctl("del-br " + br2));
    EXPECT_TRUE(waitFor([&] { return !nodeNamed(g, br2, "ovsbridge"); }));
    (*agent)->stop();
}

// A server that answers garbage: logged, skipped, the agent keeps running and reconnecting.
TEST(OvsdbE2E, MalformedServerIsSurvived) {
    ASSERT_EQ(::geteuid(), 0u);
    std::string path = "/tmp/skydive-bad-ovsdb-" + uniqueSuffix() + ".sock";
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    std::atomic<int> connections{0};
    std::thread server([&] {
        while (true) {
            int c = ::accept(listener, nullptr, nullptr);
            if (c < 0) return;
            ++connections;
            char req[4096];
            (void)::recv(c, req, sizeof req, 0);  // the monitor request
            // A reply whose result is not table-updates, a non-JSON text, then unbalanced input.
            std::string junk = R"({"id":"skydive-monitor","result":[1],"error":null})"
                               R"({"method":"update","params":[null,{"Bridge":{"u":{"new":7}}}]})"
                               R"({"x": nope} ]]])";
            (void)::send(c, junk.data(), junk.size(), MSG_NOSIGNAL);
            ::close(c);
        }
    });
    AgentOptions o;
    o.host_id = "e2e-bad-ovs";
    o.probes = {"ovsdb"};
    o.ovsdb_address = "unix://" + path;
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    EXPECT_TRUE(waitFor([&] { return connections >= 2; }, std::chrono::seconds(5)));
    EXPECT_TRUE(nodeNamed((*agent)->topology(), "lo").has_value());  // netlink unaffected
    EXPECT_TRUE(hasNoOvsBridge((*agent)->topology()));
    (*agent)->stop();
    ::shutdown(listener, SHUT_RDWR);
    ::close(listener);
    server.join();
    ::unlink(path.c_str());
}

}  // namespace
}  // namespace skydive::agent::e2e

namespace skydive::agent::e2e {
namespace {

// ovsdb-server alone in the host namespace, listening on loopback TCP only: the probe reads
// bridges over tcp:127.0.0.1:PORT (no vswitchd needed: rows are enough for the ovsdb view).
TEST(OvsdbE2E, MonitorOverTcp) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs as root)";
    std::string id = uniqueSuffix();
    std::string dir = "/tmp/skydive-ovstcp-" + id;
    std::filesystem::create_directories(dir);
    Cleanup cleanup;
    cleanup.add("rm -rf " + dir);
    int port = freeLoopbackPort();
    std::string remote = "tcp:127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(
        sh("ovsdb-tool create " + dir + "/conf.db /usr/share/openvswitch/vswitch.ovsschema"));
    cleanup.add("kill $(cat " + dir + "/ovsdb.pid)");
    // Passive remotes are written ptcp:PORT:IP.
    std::string env = "OVS_RUNDIR=" + dir + " OVS_DBDIR=" + dir + " OVS_LOGDIR=" + dir + " ";
    ASSERT_TRUE(sh(env + "ovsdb-server " + dir + "/conf.db --remote=ptcp:" + std::to_string(port) +
                   ":127.0.0.1 --pidfile=" + dir + "/ovsdb.pid --unixctl=" + dir +
                   "/ovsdb.ctl --log-file=" + dir + "/ovsdb.log --detach"));
    auto vsctl = [&](const std::string& args) {
        return sh(env + "ovs-vsctl --timeout=10 --no-wait --db=" + remote + " " + args);
    };
    ASSERT_TRUE(vsctl("init"));

    AgentOptions o;
    o.host_id = "e2e-ovs-tcp";
    o.probes = {"ovsdb"};
    o.ovsdb_address = remote;
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    TopologyGraph& g = (*agent)->topology();
    std::string br = "sot" + id;
    ASSERT_TRUE(vsctl("add-br " + br));
    std::optional<model::Node> bridge;
    ASSERT_TRUE(waitFor([&] { return (bridge = nodeNamed(g, br, "ovsbridge")).has_value(); }))
        << "bridge not seen over " << remote;
    EXPECT_TRUE(hasEdge(g, (*agent)->hostNodeId(), bridge->id.str(), "ownership"));
    ASSERT_TRUE(vsctl("del-br " + br));
    EXPECT_TRUE(waitFor([&] { return !nodeNamed(g, br, "ovsbridge"); }));
    (*agent)->stop();

    // ssl: is refused with a clear error rather than silently ignored.
    o.ovsdb_address = "ssl:127.0.0.1:6640";
    auto ssl = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(ssl.ok());
    auto st = (*ssl)->start();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, model::ErrorCode::Unsupported);
}

}  // namespace
}  // namespace skydive::agent::e2e
