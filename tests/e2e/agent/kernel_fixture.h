#pragma once

// Real kernel objects for agent tests: unique names, commands checked, cleanup even on failure.
#include <skydive/agent/agent.h>

#include "../../support/process.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace skydive::agent::e2e {

using skydive::test_support::commandOutput;
using skydive::test_support::freeLoopbackPort;

inline constexpr auto kDeadline = std::chrono::seconds(2);  // spec'd visibility bound

/// A short unique suffix (interface names are limited to 15 bytes).
inline std::string uniqueSuffix() {
    static int counter = 0;
    return std::to_string(::getpid() % 100000) + "x" + std::to_string(counter++);
}

inline bool sh(const std::string& cmd) {
    int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    return rc == 0;
}

/// Runs cleanup commands in reverse order on destruction.
class Cleanup {
public:
    ~Cleanup() {
        for (auto it = cmds_.rbegin(); it != cmds_.rend(); ++it) sh(*it);
    }
    void add(std::string cmd) { cmds_.push_back(std::move(cmd)); }

private:
    std::vector<std::string> cmds_;
};

inline bool waitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds limit = kDeadline) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
}

inline std::optional<model::Node> nodeNamed(TopologyGraph& g, const std::string& name,
                                            const std::string& type = "") {
    for (auto& n : g.nodesWhere("Name", model::Value(name))) {
        if (type.empty() || *n.metadata.asObject().find("Type") == model::Value(type)) return n;
    }
    return std::nullopt;
}

inline const model::Value* field(const model::Node& n, std::string_view key) {
    return n.metadata.asObject().find(key);
}

inline bool hasEdge(TopologyGraph& g, const std::string& parent, const std::string& child,
                    const std::string& relation) {
    for (const auto& e : g.outEdges(parent)) {
        if (e.child.view() == child &&
            *e.metadata.asObject().find("RelationType") == model::Value(relation)) {
            return true;
        }
    }
    return false;
}

struct AgentFixture : ::testing::Test {
    Cleanup cleanup;
    std::unique_ptr<Agent> agent;
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "agent e2e tests need root (CI runs them as root)";
        AgentOptions o;
        o.host_id = "e2e-host";
        auto a = Agent::create(std::move(o), model::SystemClock::instance());
        ASSERT_TRUE(a.ok()) << a.error().toString();
        agent = std::move(*a);
        auto s = agent->start();
        ASSERT_TRUE(s.ok()) << s.error().toString();
    }
    void TearDown() override {
        if (agent) agent->stop();
    }
    TopologyGraph& g() { return agent->topology(); }
    std::optional<model::Node> waitNode(const std::string& name, const std::string& type = "") {
        std::optional<model::Node> n;
        waitFor([&] { return (n = nodeNamed(g(), name, type)).has_value(); });
        return n;
    }
};

}  // namespace skydive::agent::e2e
