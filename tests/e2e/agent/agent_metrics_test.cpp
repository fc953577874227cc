// Interface metrics end to end (spec §3.6): the agent polls the counters of a veth in a netns,
// the analyzer stores each LastUpdateMetric period in its RocksDB metric table, and the stored
// periods add up to what the kernel counted.
#include <skydive/client/http_client.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>
#include <skydive/store/store.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <filesystem>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

/// A kernel counter of an interface inside a namespace (-1 when unreadable).
long long kernelCounter(const std::string& ns, const std::string& intf, const std::string& name) {
    auto r = test_support::runCommand("ip netns exec " + ns + " cat /sys/class/net/" + intf +
                                      "/statistics/" + name);
    return r.code == 0 && !r.output.empty() ? std::stoll(r.output) : -1;
}

long long counterOf(const model::Node& n, const std::string& key) {
    auto v = n.metadata.path(key);
    return v && v->isInt() ? v->asInt() : 0;  // counters at 0 are omitted (spec §3.6)
}

/// The body of POST /api/topology for a query, parsed; nullopt unless 200 with JSON.
std::optional<Value> analyzerQuery(std::uint16_t port, const std::string& query) {
    client::ClientOptions o;
    o.address = "127.0.0.1:" + std::to_string(port);
    o.timeout = std::chrono::milliseconds(2000);
    client::HttpClient http(o);
    model::JsonWriter w;
    w.beginObject().key("GremlinQuery").string(query).endObject();
    auto r = http.request("POST", "/api/topology", w.str());
    if (!r.ok() || r->status != 200) return std::nullopt;
    auto v = model::parseJson(r->body);
    if (!v.ok()) return std::nullopt;
    return std::move(*v);
}

std::optional<model::Node> analyzerNode(std::uint16_t port, const std::string& name) {
    auto v = analyzerQuery(port, "G.V().Has('Name','" + name + "')");
    if (!v || !v->isList() || v->asList().size() != 1) return std::nullopt;
    auto n = model::nodeFromValue(v->asList()[0], 0);
    if (!n.ok()) return std::nullopt;
    return std::move(*n);
}

TEST(AgentMetricsE2E, AnalyzerStoresInterfaceMetricsMatchingTheKernel) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs as root)";
    Cleanup cleanup;
    std::string s = uniqueSuffix();
    auto dir = std::filesystem::temp_directory_path() / ("skydive-metrics-" + s);
    cleanup.add("rm -rf " + dir.string());
    std::uint16_t port = freeLoopbackPort();
    server::Config config;
    config.setEnvironment({});
    config.setFlag("analyzer.listen", "127.0.0.1:" + std::to_string(port));
    config.setFlag("host_id", "e2e-metrics-analyzer");
    server::AnalyzerOptions ao;
    ao.data_dir = dir.string();
    auto analyzer = server::Analyzer::create(config, ao, model::SystemClock::instance());
    ASSERT_TRUE(analyzer.ok()) << analyzer.error().toString();
    ASSERT_TRUE((*analyzer)->start().ok());

    AgentOptions o;
    o.host_id = "e2e-metrics-" + s;
    o.analyzers = {"127.0.0.1:" + std::to_string(port)};
    o.metrics_update = std::chrono::milliseconds(200);
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());

    // Two namespaces without IPv6 (no autoconfiguration chatter): only our pings move counters.
    std::string n1 = "smt1-" + s, n2 = "smt2-" + s, va = "sma" + s, vb = "smb" + s;
    cleanup.add("ip netns del " + n1);
    cleanup.add("ip netns del " + n2);
    ASSERT_TRUE(sh("ip netns add " + n1) && sh("ip netns add " + n2));
    for (const auto& ns : {n1, n2}) {
        ASSERT_TRUE(sh("ip netns exec " + ns +
                       " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                       "net.ipv6.conf.default.disable_ipv6=1"));
    }
    ASSERT_TRUE(
        sh("ip link add " + va + " netns " + n1 + " type veth peer name " + vb + " netns " + n2));
    ASSERT_TRUE(sh("ip -n " + n1 + " addr add 198.51.100.1/24 dev " + va) &&
                sh("ip -n " + n2 + " addr add 198.51.100.2/24 dev " + vb) &&
                sh("ip -n " + n1 + " link set " + va + " up") &&
                sh("ip -n " + n2 + " link set " + vb + " up"));

    // The analyzer's copy of the interface agrees with the kernel: the agent's last poll saw
    // the current counters.
    std::optional<model::Node> node;
    auto inSync = [&] {
        node = analyzerNode(port, va);
        if (!node || !node->metadata.path("Metric.Last")) return false;
        return counterOf(*node, "Metric.TxPackets") == kernelCounter(n1, va, "tx_packets") &&
               counterOf(*node, "Metric.RxPackets") == kernelCounter(n1, va, "rx_packets") &&
               counterOf(*node, "Metric.TxBytes") == kernelCounter(n1, va, "tx_bytes");
    };
    ASSERT_TRUE(waitFor(inSync, std::chrono::seconds(5)));
    std::string id = node->id.str();
    long long tx0 = counterOf(*node, "Metric.TxPackets");
    long long rx0 = counterOf(*node, "Metric.RxPackets");
    long long txb0 = counterOf(*node, "Metric.TxBytes");
    model::Time last0 = node->metadata.path("Metric.Last")->asInt();

    ASSERT_TRUE(sh("ip netns exec " + n1 + " ping -c 5 -i 0.2 -W 1 198.51.100.2"));
    ASSERT_TRUE(waitFor([&] { return inSync() && counterOf(*node, "Metric.TxPackets") >= tx0 + 5; },
                        std::chrono::seconds(5)));
    long long tx1 = counterOf(*node, "Metric.TxPackets");
    long long rx1 = counterOf(*node, "Metric.RxPackets");
    long long txb1 = counterOf(*node, "Metric.TxBytes");
    EXPECT_EQ(tx1, kernelCounter(n1, va, "tx_packets"));

    // What a Grafana interface panel asks (spec §9): the metrics of the last hour in one slice
    // hold the pings (and no more packets than the kernel counted since the veth appeared).
    const long long now_s = model::SystemClock::instance().now() / 1000 + 1;
    auto panel = analyzerQuery(port, "G.At(" + std::to_string(now_s) + ", 3600).V().Has('Name','" +
                                         va + "').HasKey('Metric').Metrics().Aggregates(7200)");
    ASSERT_TRUE(panel && panel->isList() && panel->asList().size() == 1);
    auto slices = panel->asList()[0].path("Aggregated");
    ASSERT_TRUE(slices && slices->isList() && slices->asList().size() == 1)
        << model::toJson(*panel);
    auto tx_v = slices->asList()[0].path("TxPackets");
    const long long panel_tx = tx_v && tx_v->isInt() ? tx_v->asInt() : 0;
    EXPECT_GE(panel_tx, tx1 - tx0);
    EXPECT_LE(panel_tx, tx1);

    (*agent)->stop();
    (*analyzer)->stop();  // drains the recorder and closes the store
    analyzer->reset();

    store::StoreOptions so;
    so.data_dir = dir.string();
    auto st = store::Store::open(so, model::SystemClock::instance());
    ASSERT_TRUE(st.ok()) << st.error().toString();
    auto rows = (*st)->metricsBetween(id, last0, model::SystemClock::instance().now());
    ASSERT_TRUE(rows.ok()) << rows.error().toString();
    long long tx = 0, rx = 0, txb = 0;
    std::size_t periods = 0;
    for (const auto& row : *rows) {
        auto start = row.path("Start"), last = row.path("Last");
        ASSERT_TRUE(start && last);
        EXPECT_LT(start->asInt(), last->asInt());
        if (last->asInt() <= last0) continue;  // a period before the pings
        ++periods;
        tx += row.path("TxPackets") ? row.path("TxPackets")->asInt() : 0;
        rx += row.path("RxPackets") ? row.path("RxPackets")->asInt() : 0;
        txb += row.path("TxBytes") ? row.path("TxBytes")->asInt() : 0;
    }
    EXPECT_GE(periods, 1u);
    EXPECT_EQ(tx, tx1 - tx0);
    EXPECT_EQ(rx, rx1 - rx0);
    EXPECT_EQ(txb, txb1 - txb0);
    EXPECT_GE(tx, 5);
}

}  // namespace
}  // namespace skydive::agent::e2e
