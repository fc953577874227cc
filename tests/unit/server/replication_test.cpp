// /ws/replication with two real analyzers on 127.0.0.1 (spec §5.2): each dials the other, a
// full sync on connection, then live events both ways, and nothing bounces back.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include <skydive/client/http_client.h>
#include <skydive/model/clock.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>

#include "../../support/process.h"

namespace skydive::server {
namespace {

using namespace std::chrono_literals;

struct Peer {
    Config config;
    std::unique_ptr<Analyzer> analyzer;
    client::ClientOptions options;

    Peer(const std::string& host, std::uint16_t port, const std::string& peers_yaml) {
        config.setEnvironment({});
        EXPECT_TRUE(config.loadString("analyzers: " + peers_yaml + "\n").ok());
        config.setFlag("analyzer.listen", "127.0.0.1:" + std::to_string(port));
        config.setFlag("host_id", host);
        auto a = Analyzer::create(config, {}, model::SystemClock::instance());
        EXPECT_TRUE(a.ok());
        analyzer = std::move(a).value();
        auto p = analyzer->start();
        EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
        options.address = "127.0.0.1:" + std::to_string(port);
    }
    ~Peer() { analyzer->stop(); }

    int status(const char* method, const std::string& path, std::string body = {}) {
        client::HttpClient c(options);
        auto r = c.request(method, path, std::move(body));
        return r.ok() ? r->status : -1;
    }
    bool hasNode(const std::string& id) { return status("GET", "/api/node/" + id) == 200; }
    model::Value statusJson() {
        client::HttpClient c(options);
        auto r = c.request("GET", "/api/status");
        auto v = r.ok() ? model::parseJson(r->body) : model::Result<model::Value>(model::Value());
        return v.ok() ? *v : model::Value();
    }
};

std::string node(const std::string& id) {
    return R"({"ID":")" + id + R"(","Metadata":{"Name":")" + id + R"(","Type":"device"}})";
}

template <class Pred>
bool eventually(Pred pred, int tries = 500) {
    for (int i = 0; i < tries; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

TEST(Replication, TwoAnalyzersSyncThenStreamBothWaysWithoutLoops) {
    std::uint16_t pa = test_support::freeLoopbackPort(), pb = test_support::freeLoopbackPort();
    std::string peers =
        "[127.0.0.1:" + std::to_string(pa) + ", 127.0.0.1:" + std::to_string(pb) + "]";
    Peer a("ana", pa, peers);
    ASSERT_EQ(a.status("POST", "/api/node", node("a1")), 201);  // before b exists
    Peer b("anb", pb, peers);
    // a dials b (retrying every second) and sends its graph.
    ASSERT_TRUE(eventually([&] { return b.hasNode("a1"); }));
    // Live events both ways.
    auto sub = client::WsClient::connect(a.options, "/ws/subscriber",
                                         {{"X-Client-Type", "test"}, {"X-Host-ID", "watch"}});
    ASSERT_TRUE(sub.ok());
    ASSERT_TRUE(eventually([&] {
        auto s = b.statusJson();
        auto out = s.path("Peers.Outgoers.ana");
        return out.has_value();
    }));
    ASSERT_EQ(b.status("POST", "/api/node", node("b1")), 201);
    ASSERT_TRUE(eventually([&] { return a.hasNode("b1"); }));
    ASSERT_EQ(a.status("POST", "/api/node", node("a2")), 201);
    ASSERT_TRUE(eventually([&] { return b.hasNode("a2"); }));
    ASSERT_EQ(a.status("DELETE", "/api/node/a1"), 200);
    ASSERT_TRUE(eventually([&] { return !b.hasNode("a1"); }));
    // a's subscriber saw b1 added, a2 added, a1 deleted, each once: nothing came back from b.
    std::vector<std::string> seen;
    for (;;) {
        auto m = (*sub)->receive(700ms);
        if (!m.ok()) break;
        auto v = model::parseJson(*m);
        ASSERT_TRUE(v.ok());
        seen.push_back(std::string(v->path("Type")->asString()) + " " +
                       std::string(v->path("Obj.ID")->asString()));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"NodeAdded b1", "NodeAdded a2", "NodeDeleted a1"}));
    auto st = a.statusJson();
    EXPECT_TRUE(st.path("Peers.Incomers.anb").has_value());
    EXPECT_TRUE(st.path("Peers.Outgoers.anb").has_value());
}

}  // namespace
}  // namespace skydive::server
