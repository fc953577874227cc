// The user story of the agent issue, end to end through the real binary: `skydive allinone`
// runs, a veth pair is created in a fresh namespace, it shows up in the analyzer; it is deleted,
// disappears from the live graph, and `G.At(t)` still returns it with its namespace.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include <skydive/model/json.h>

#include "../../support/process.h"

namespace {

using namespace std::chrono_literals;
using skydive::model::parseJson;
using skydive::model::Value;

std::string capture(const std::string& cmd) {
    return skydive::test_support::runCommand(cmd + " 2>&1").output;
}

int sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str());
}

class AllInOne : public ::testing::Test {
protected:
    void SetUp() override {
        tag_ = std::to_string(getpid() % 100000);
        ns_ = "sdai" + tag_;
        veth_ = "sdaiv" + tag_;
        peer_ = "sdaip" + tag_;
        dir_ = std::filesystem::temp_directory_path() / ("skydive-allinone-" + tag_);
        std::filesystem::remove_all(dir_);
        port_ = skydive::test_support::freeLoopbackPort();
        pid_ = fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            std::string listen = "127.0.0.1:" + std::to_string(port_);
            setenv("SKYDIVE_ANALYZER_LISTEN", listen.c_str(), 1);
            setenv("SKYDIVE_AGENT_TOPOLOGY_PROBES", "netlink netns", 1);
            setenv("SKYDIVE_AGENT_LISTEN", "127.0.0.1:0", 1);
            setenv("SKYDIVE_LOGLEVEL", "warn", 1);
            execl(SKYDIVE_BINARY, SKYDIVE_BINARY, "--data-dir", dir_.c_str(), "allinone",
                  static_cast<char*>(nullptr));
            _exit(127);
        }
    }

    void TearDown() override {
        sh("ip netns del " + ns_);
        sh("ip link del " + veth_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
                << "allinone did not stop cleanly";
        }
        std::filesystem::remove_all(dir_);
    }

    std::optional<Value> query(const std::string& gremlin) {
        std::string out = capture(std::string(SKYDIVE_BINARY) +
                                  " client query --analyzer 127.0.0.1:" + std::to_string(port_) +
                                  " \"" + gremlin + "\"");
        auto v = parseJson(out);
        if (!v.ok()) return std::nullopt;
        return *v;
    }

    // Polls until `pred` holds on the query result, for at most `limit`.
    bool waitFor(const std::string& gremlin, const std::function<bool(const Value&)>& pred,
                 std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (auto v = query(gremlin); v && pred(*v)) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    std::string tag_, ns_, veth_, peer_;
    std::filesystem::path dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

bool nonEmptyList(const Value& v) {
    return v.isList() && !v.asList().empty();
}

TEST_F(AllInOne, DeletedInterfaceIsStillThereInThePast) {
    ASSERT_TRUE(waitFor(
        "G.V().Has('Type','host').Count()",
        [](const Value& v) { return v.isInt() && v.asInt() == 1; }, 10s))
        << "the in-process agent's host node never reached the analyzer";

    ASSERT_EQ(sh("ip netns add " + ns_), 0);
    ASSERT_EQ(sh("ip link add " + veth_ + " type veth peer name " + peer_ + " netns " + ns_), 0);
    ASSERT_EQ(sh("ip link set " + veth_ + " mtu 1400"), 0);

    const std::string by_name = "G.V().Has('Name','" + veth_ + "')";
    ASSERT_TRUE(waitFor(by_name, nonEmptyList, 2s)) << "veth not visible within 2 s";
    // The peer inside the namespace is joined to it by a layer2 edge, and owned by the netns.
    EXPECT_TRUE(waitFor(by_name + ".Both().Has('Name','" + peer_ + "')", nonEmptyList, 2s));
    EXPECT_TRUE(
        waitFor("G.V().Has('Name','" + peer_ + "').In().Has('Type','netns')", nonEmptyList, 2s));
    EXPECT_TRUE(waitFor(
        by_name + ".Values('MTU')",
        [](const Value& v) {
            return v.isList() && v.asList().size() == 1 && v.asList()[0] == Value(1400);
        },
        2s));

    std::this_thread::sleep_for(1100ms);  // a whole second of history with the pair alive
    // In ms (At() reads integers above 2^31 as ms): half a second ago, the pair was alive.
    auto seen_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   500;
    ASSERT_EQ(sh("ip netns del " + ns_), 0);  // takes the peer, and so the veth, with it
    ASSERT_TRUE(waitFor(
        by_name, [](const Value& v) { return v.isList() && v.asList().empty(); }, 5s))
        << "veth still in the live graph after deletion";

    const std::string past =
        "G.At(" + std::to_string(seen_at) + ").V().Has('Name','" + veth_ + "')";
    auto then = query(past);
    ASSERT_TRUE(then.has_value());
    ASSERT_TRUE(nonEmptyList(*then)) << past;
    EXPECT_EQ(then->asList()[0].asObject().find("Metadata")->asObject().find("MTU")->asInt(), 1400);
    auto peer_then = query("G.At(" + std::to_string(seen_at) + ").V().Has('Name','" + veth_ +
                           "').Both().Has('Name','" + peer_ + "')");
    ASSERT_TRUE(peer_then.has_value());
    EXPECT_TRUE(nonEmptyList(*peer_then)) << "the peer was not visible in the past view";
}

}  // namespace
