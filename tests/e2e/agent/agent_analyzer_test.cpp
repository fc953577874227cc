// Agent → real analyzer over /ws/agent/topology; the analyzer's Gremlin API sees the host's
// interfaces within 2 s, follows changes and deletions, and converges after an analyzer restart.
#include <skydive/client/http_client.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

class RealAnalyzer {
public:
    explicit RealAnalyzer(std::uint16_t port) {
        config_.setEnvironment({});
        config_.setFlag("analyzer.listen", "127.0.0.1:" + std::to_string(port));
        config_.setFlag("host_id", "e2e-analyzer");
        auto a = server::Analyzer::create(config_, {}, model::SystemClock::instance());
        EXPECT_TRUE(a.ok()) << a.error().toString();
        if (!a.ok()) return;
        analyzer_ = std::move(a).value();
        auto p = analyzer_->start();
        EXPECT_TRUE(p.ok()) << p.error().toString();
        port_ = port;
    }
    ~RealAnalyzer() {
        if (analyzer_) analyzer_->stop();
    }
    /// Nodes returned by a Gremlin query (empty list on any error).
    std::vector<model::Node> query(const std::string& gremlin) {
        client::ClientOptions o;
        o.address = "127.0.0.1:" + std::to_string(port_);
        o.timeout = std::chrono::milliseconds(2000);
        client::HttpClient http(o);
        model::JsonWriter w;
        w.beginObject().key("GremlinQuery").string(gremlin).endObject();
        auto r = http.request("POST", "/api/topology", w.str());
        std::vector<model::Node> out;
        if (!r.ok() || r->status != 200) return out;
        auto v = model::parseJson(r->body);
        if (!v.ok() || !v->isList()) return out;
        for (const auto& e : v->asList()) {
            auto n = model::nodeFromValue(e, 0);
            if (n.ok()) out.push_back(std::move(*n));
        }
        return out;
    }

private:
    server::Config config_;
    std::unique_ptr<server::Analyzer> analyzer_;
    std::uint16_t port_ = 0;
};

TEST(AgentAnalyzerE2E, InterfacesReachTheAnalyzerAndFollowChanges) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs as root)";
    std::uint16_t port = freeLoopbackPort();
    auto analyzer = std::make_unique<RealAnalyzer>(port);
    AgentOptions o;
    o.host_id = "e2e-agent-" + uniqueSuffix();
    o.analyzers = {"127.0.0.1:" + std::to_string(port)};
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());

    Cleanup cleanup;
    std::string s = uniqueSuffix();
    std::string va = "sva" + s, vb = "svb" + s;
    cleanup.add("ip link del " + va);
    ASSERT_TRUE(sh("ip link add " + va + " type veth peer name " + vb));
    std::string q = "G.V().Has('Name','" + va + "')";
    std::vector<model::Node> found;
    ASSERT_TRUE(waitFor([&] { return (found = analyzer->query(q)).size() == 1; }));
    EXPECT_EQ(found[0].host.str(), o.host_id);
    EXPECT_EQ(found[0].origin.str(), "agent." + o.host_id);
    EXPECT_EQ(*found[0].metadata.asObject().find("Type"), Value("veth"));
    std::string id = found[0].id.str();
    // The veth edge and the ownership edge are there too.
    EXPECT_TRUE(waitFor(
        [&] { return analyzer->query(q + ".Both().Has('Name','" + vb + "')").size() == 1; }));
    EXPECT_TRUE(
        waitFor([&] { return analyzer->query(q + ".In().Has('Type','host')").size() == 1; }));

    ASSERT_TRUE(sh("ip link set " + va + " mtu 1400"));
    EXPECT_TRUE(waitFor([&] { return analyzer->query(q + ".Has('MTU',1400)").size() == 1; }));
    auto updated = analyzer->query(q);
    ASSERT_EQ(updated.size(), 1u);
    EXPECT_GT(updated[0].revision, found[0].revision);

    // Analyzer restart: the agent reconnects, resyncs, and the graph converges (no duplicate).
    analyzer.reset();
    analyzer = std::make_unique<RealAnalyzer>(port);
    EXPECT_TRUE(waitFor([&] { return analyzer->query(q).size() == 1; }, std::chrono::seconds(8)));
    auto again = analyzer->query(q);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id.str(), id);
    EXPECT_TRUE((*agent)->connected());

    ASSERT_TRUE(sh("ip link del " + va));
    EXPECT_TRUE(waitFor([&] { return analyzer->query(q).empty(); }));
    (*agent)->stop();
}

// Agent restart: new random node IDs, but the Sync of the new connection replaces everything of
// origin agent.<host_id>, so the analyzer ends with one node per interface and no ghost.
TEST(AgentAnalyzerE2E, AgentRestartLeavesNoGhost) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs as root)";
    std::uint16_t port = freeLoopbackPort();
    RealAnalyzer analyzer(port);
    Cleanup cleanup;
    std::string s = uniqueSuffix();
    std::string va = "sva" + s, vb = "svb" + s;
    cleanup.add("ip link del " + va);
    ASSERT_TRUE(sh("ip link add " + va + " type veth peer name " + vb));
    AgentOptions o;
    o.host_id = "e2e-restart-" + s;
    o.analyzers = {"127.0.0.1:" + std::to_string(port)};
    std::string q = "G.V().Has('Name','" + va + "')";
    std::string first_id;
    {
        auto agent = Agent::create(o, model::SystemClock::instance());
        ASSERT_TRUE(agent.ok() && (*agent)->start().ok());
        std::vector<model::Node> found;
        ASSERT_TRUE(waitFor([&] { return (found = analyzer.query(q)).size() == 1; }));
        first_id = found[0].id.str();
        (*agent)->stop();
    }
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok() && (*agent)->start().ok());
    std::vector<model::Node> found;
    EXPECT_TRUE(waitFor([&] {
        found = analyzer.query(q);
        return found.size() == 1 && found[0].id.str() != first_id;
    }));
    std::string hosts = "G.V().Has('Type','host').Has('Name','" + o.host_id + "')";
    EXPECT_EQ(analyzer.query(hosts).size(), 1u);
    (*agent)->stop();
}

}  // namespace
}  // namespace skydive::agent::e2e
