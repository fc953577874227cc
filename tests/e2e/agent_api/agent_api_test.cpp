// The agent's own API (spec §0, §4.1, §5.2) against the real `skydive agent` binary: /api,
// /api/status with its analyzer connection, Gremlin over the agent's graph, /ws/subscriber
// events for a veth created in a fresh namespace, and what the agent refuses.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include <skydive/client/http_client.h>
#include <skydive/model/clock.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>

#include "../../support/process.h"

namespace {

using namespace std::chrono_literals;
using skydive::model::parseJson;
using skydive::model::Value;

int sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str());
}

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

const Value* at(const Value& v, std::string_view key) {
    return v.isObject() ? v.asObject().find(key) : nullptr;
}

class AgentApiE2E : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "needs root (CI runs as root)";
        tag_ = std::to_string(getpid() % 100000);
        ns_ = "sdapi" + tag_;
        veth_ = "sdapiv" + tag_;
        peer_ = "sdapip" + tag_;
        host_id_ = "api-agent-" + tag_;
        analyzer_port_ = skydive::test_support::freeLoopbackPort();
        config_.setEnvironment({});
        config_.setFlag("analyzer.listen", "127.0.0.1:" + std::to_string(analyzer_port_));
        auto a =
            skydive::server::Analyzer::create(config_, {}, skydive::model::SystemClock::instance());
        ASSERT_TRUE(a.ok()) << a.error().toString();
        analyzer_ = std::move(a).value();
        ASSERT_TRUE(analyzer_->start().ok());
        agent_port_ = skydive::test_support::freeLoopbackPort();
        pid_ = fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            std::string listen = "127.0.0.1:" + std::to_string(agent_port_);
            std::string analyzers = "127.0.0.1:" + std::to_string(analyzer_port_);
            setenv("SKYDIVE_ANALYZERS", analyzers.c_str(), 1);
            setenv("SKYDIVE_AGENT_TOPOLOGY_PROBES", "netlink netns", 1);
            setenv("SKYDIVE_LOGLEVEL", "warn", 1);
            execl(SKYDIVE_BINARY, SKYDIVE_BINARY, "agent", "--listen", listen.c_str(), "--host-id",
                  host_id_.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        options_.address = "127.0.0.1:" + std::to_string(agent_port_);
        options_.timeout = 2s;
        ASSERT_TRUE(waitFor([&] { return get("/api").status == 200; }, 10s))
            << "the agent's API never answered on " << options_.address;
    }

    void TearDown() override {
        sh("ip netns del " + ns_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
                << "the agent did not stop cleanly";
        }
        if (analyzer_) analyzer_->stop();
    }

    skydive::client::Response get(const std::string& target) {
        skydive::client::HttpClient http(options_);
        auto r = http.request("GET", target);
        return r.ok() ? *r : skydive::client::Response{};
    }

    Value query(const std::string& gremlin) {
        skydive::client::HttpClient http(options_);
        skydive::model::JsonWriter w;
        w.beginObject().key("GremlinQuery").string(gremlin).endObject();
        auto r = http.request("POST", "/api/topology", w.str());
        if (!r.ok() || r->status != 200) return Value();
        auto v = parseJson(r->body);
        return v.ok() ? *v : Value();
    }

    std::string tag_, ns_, veth_, peer_, host_id_;
    skydive::server::Config config_;
    std::unique_ptr<skydive::server::Analyzer> analyzer_;
    std::uint16_t analyzer_port_ = 0, agent_port_ = 0;
    skydive::client::ClientOptions options_;
    pid_t pid_ = -1;
};

TEST_F(AgentApiE2E, ApiAndStatusDescribeTheAgentAndItsAnalyzer) {
    auto api = parseJson(get("/api").body);
    ASSERT_TRUE(api.ok());
    EXPECT_EQ(*at(*api, "Service"), Value("agent"));
    EXPECT_EQ(*at(*api, "Host"), Value(host_id_));

    const std::string analyzer = "127.0.0.1:" + std::to_string(analyzer_port_);
    Value status;
    ASSERT_TRUE(waitFor(
        [&] {
            auto s = parseJson(get("/api/status").body);
            if (!s.ok()) return false;
            status = *s;
            const Value* analyzers = at(status, "Analyzers");
            const Value* link = analyzers ? at(*analyzers, analyzer) : nullptr;
            return link && *at(*link, "IsConnected") == Value(true);
        },
        5s))
        << "status never showed the analyzer connected: " << skydive::model::toJson(status);
    const Value& link = *at(*at(status, "Analyzers"), analyzer);
    EXPECT_EQ(*at(link, "IsMaster"), Value(true));
    EXPECT_EQ(*at(link, "Port"), Value(static_cast<std::int64_t>(analyzer_port_)));
    EXPECT_FALSE(at(link, "ConnectTime")->asString().empty());
    ASSERT_NE(at(status, "TopologyProbes"), nullptr);
    EXPECT_NE(at(*at(status, "TopologyProbes"), "netlink"), nullptr);
    EXPECT_NE(at(*at(status, "TopologyProbes"), "netns"), nullptr);
    EXPECT_TRUE(at(status, "FlowProbes")->isList());
    EXPECT_TRUE(at(status, "Clients")->isObject());
}

TEST_F(AgentApiE2E, GremlinAndSubscriberFollowTheAgentsGraph) {
    auto hosts = query("G.V().Has('Type','host').Values('Name')");
    ASSERT_TRUE(hosts.isList());
    ASSERT_EQ(hosts.asList().size(), 1u);
    EXPECT_EQ(hosts.asList()[0], Value(host_id_));

    auto ws =
        skydive::client::WsClient::connect(options_, "/ws/subscriber", {{"X-Client-Type", "cli"}});
    ASSERT_TRUE(ws.ok()) << ws.error().toString();
    ASSERT_TRUE(
        waitFor([&] { return get("/api/status").body.find("\"cli\"") != std::string::npos; }, 2s))
        << "the subscriber is not among the agent's Clients";

    ASSERT_EQ(sh("ip netns add " + ns_), 0);
    ASSERT_EQ(sh("ip link add " + veth_ + " type veth peer name " + peer_ + " netns " + ns_), 0);

    bool seen = false;
    auto end = std::chrono::steady_clock::now() + 2s;
    while (!seen && std::chrono::steady_clock::now() < end) {
        auto msg = (*ws)->receive(500ms);
        if (!msg.ok()) continue;
        auto v = parseJson(*msg);
        if (!v.ok()) continue;
        const Value* type = at(*v, "Type");
        const Value* obj = at(*v, "Obj");
        const Value* md = obj ? at(*obj, "Metadata") : nullptr;
        seen = type && *type == Value("NodeAdded") && md && at(*md, "Name") &&
               *at(*md, "Name") == Value(veth_);
    }
    EXPECT_TRUE(seen) << "no NodeAdded for " << veth_ << " on the agent's /ws/subscriber";

    EXPECT_TRUE(waitFor(
        [&] {
            auto v = query("G.V().Has('Name','" + veth_ + "').Both().Has('Name','" + peer_ +
                           "').In().Has('Type','netns').Values('Name')");
            return v.isList() && v.asList().size() == 1 && v.asList()[0] == Value(ns_);
        },
        2s))
        << "the veth's peer and its namespace are not in the agent's graph";

    skydive::client::HttpClient http(options_);
    auto whole = http.request("GET", "/api/topology");
    ASSERT_TRUE(whole.ok());
    EXPECT_NE(whole->body.find(peer_), std::string::npos);
}

TEST_F(AgentApiE2E, RefusesWritesAndUnknownEndpoints) {
    skydive::client::HttpClient http(options_);
    auto bad = http.request("POST", "/api/topology", "{\"GremlinQuery\":\"G.V().Nope(\"}");
    ASSERT_TRUE(bad.ok());
    EXPECT_EQ(bad->status, 400);
    auto write =
        http.request("POST", "/api/node", R"({"ID":"x1","Metadata":{"Name":"x","Type":"device"}})");
    ASSERT_TRUE(write.ok());
    EXPECT_GE(write->status, 400);
    EXPECT_EQ(query("G.V().Has('Name','x').Count()"), Value(0));
    auto agent_ep = skydive::client::WsClient::connect(options_, "/ws/agent/topology",
                                                       {{"X-Client-Type", "agent"}});
    ASSERT_FALSE(agent_ep.ok());
    EXPECT_EQ(agent_ep.error().message.rfind("404", 0), 0u) << agent_ep.error().message;
}

}  // namespace
