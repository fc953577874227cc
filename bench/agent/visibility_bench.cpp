// Time from the creation of a veth pair until the analyzer's API shows it (issue 6 benchmark 1):
// a real analyzer (RocksDB store in a temporary directory) and a real agent forwarding to it
// over /ws/agent/topology, as `skydive allinone` runs them; a client on the analyzer's
// /ws/subscriber timestamps each NodeAdded. At the end a Gremlin count on the analyzer checks
// that every pair is there. Baselines in the same run: the kernel's acknowledgement of the
// creation, and the node reaching the agent's own graph.
// N pairs: 50, SKYDIVE_BENCH_FULL=1 for 1,000 (or SKYDIVE_BENCH_VETH_PAIRS). Needs root.
#include <skydive/agent/agent.h>
#include <skydive/client/http_client.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>

#include "bench_netlink.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace skydive::bench;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using skydive::model::Value;

int pairCount() {
    int pairs = 50;
    if (const char* full = std::getenv("SKYDIVE_BENCH_FULL"); full && std::string(full) == "1")
        pairs = 1000;
    if (const char* env = std::getenv("SKYDIVE_BENCH_VETH_PAIRS")) pairs = std::atoi(env);
    return pairs;
}

// Arrival times of nodes by Name, fed by one thread reading a WebSocket or a graph listener.
class Arrivals {
public:
    void record(const std::string& name) {
        std::lock_guard l(mu_);
        seen_.emplace(name, Clock::now());
        cv_.notify_all();
    }
    bool wait(const std::string& name, Clock::time_point& at, std::chrono::milliseconds limit) {
        std::unique_lock l(mu_);
        bool ok = cv_.wait_for(l, limit, [&] { return seen_.count(name) != 0; });
        if (ok) at = seen_[name];
        return ok;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, Clock::time_point> seen_;
};

std::string nodeAddedName(std::string_view text) {
    auto v = skydive::model::parseJson(text);
    if (!v.ok() || !v->isObject()) return {};
    const Value* type = v->asObject().find("Type");
    const Value* obj = v->asObject().find("Obj");
    if (!type || *type != Value("NodeAdded") || !obj || !obj->isObject()) return {};
    const Value* md = obj->asObject().find("Metadata");
    const Value* name = md && md->isObject() ? md->asObject().find("Name") : nullptr;
    return name && name->isString() ? std::string(name->asString()) : std::string();
}

std::int64_t countOnAnalyzer(const skydive::client::ClientOptions& o, const std::string& prefix) {
    skydive::client::HttpClient http(o);
    skydive::model::JsonWriter w;
    w.beginObject()
        .key("GremlinQuery")
        .string("G.V().Has('Name',Regex('" + prefix + ".*a')).Count()")
        .endObject();
    auto r = http.request("POST", "/api/topology", w.str());
    if (!r.ok() || r->status != 200) return -1;
    auto v = skydive::model::parseJson(r->body);
    return v.ok() && v->isInt() ? v->asInt() : -1;
}

void BM_VethVisibleThroughAnalyzerApi(benchmark::State& state) {
    const int pairs = pairCount();
    auto dir = std::filesystem::temp_directory_path() /
               ("skydive-bench-visibility-" + std::to_string(::getpid()));
    skydive::server::Config config;
    config.setEnvironment({});
    config.setFlag("analyzer.listen", "127.0.0.1:0");
    skydive::server::AnalyzerOptions ao;
    ao.data_dir = dir.string();
    auto analyzer =
        skydive::server::Analyzer::create(config, ao, skydive::model::SystemClock::instance());
    if (!analyzer.ok()) {
        state.SkipWithError(analyzer.error().message.c_str());
        return;
    }
    auto port = (*analyzer)->start();
    if (!port.ok()) {
        state.SkipWithError(port.error().message.c_str());
        return;
    }
    skydive::client::ClientOptions co;
    co.address = "127.0.0.1:" + std::to_string(*port);
    auto ws = skydive::client::WsClient::connect(co, "/ws/subscriber", {{"X-Client-Type", "cli"}});
    if (!ws.ok()) {
        state.SkipWithError(ws.error().message.c_str());
        return;
    }
    Arrivals at_analyzer, at_agent;
    std::atomic<bool> stop_reader{false};
    std::thread reader([&] {
        while (!stop_reader) {
            auto msg = (*ws)->receive(200ms);
            if (msg.ok()) {
                if (auto name = nodeAddedName(*msg); !name.empty()) at_analyzer.record(name);
            } else if (msg.error().code != skydive::model::ErrorCode::Timeout) {
                break;
            }
        }
    });
    skydive::agent::AgentOptions options;
    options.host_id = "bench-visibility";
    options.analyzers = {co.address};
    auto agent = skydive::agent::Agent::create(options, skydive::model::SystemClock::instance());
    if (!agent.ok() || !(*agent)->start().ok()) {
        stop_reader = true;
        reader.join();
        state.SkipWithError("agent did not start (root needed)");
        return;
    }
    auto token = (*agent)->topology().subscribe([&](const skydive::model::Change& c) {
        if (c.kind != skydive::model::ChangeKind::NodeAdded) return;
        const auto* name = c.base().metadata.asObject().find("Name");
        if (name != nullptr && name->isString()) at_agent.record(std::string(name->asString()));
    });
    for (int i = 0; i < 500 && !(*agent)->connected(); ++i) std::this_thread::sleep_for(10ms);

    mnl_socket* sock = mnl_socket_open(NETLINK_ROUTE);
    mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID);
    std::vector<double> ack_us, agent_us, analyzer_us;
    const std::string prefix = "bw" + std::to_string(::getpid() % 10000) + "-";
    std::int64_t counted = -1;
    for (auto _ : state) {
        for (int i = 0; i < pairs; ++i) {
            std::string a = prefix + std::to_string(i) + "a";
            std::string b = prefix + std::to_string(i) + "b";
            auto t0 = Clock::now();
            if (!addVeth(sock, a, b)) {
                state.SkipWithError("veth creation failed");
                break;
            }
            auto t1 = Clock::now();
            Clock::time_point in_agent, in_analyzer;
            if (!at_agent.wait(a, in_agent, 5s) || !at_analyzer.wait(a, in_analyzer, 5s)) {
                state.SkipWithError("node not visible through the analyzer within 5 s");
                break;
            }
            ack_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            agent_us.push_back(std::chrono::duration<double, std::micro>(in_agent - t0).count());
            analyzer_us.push_back(
                std::chrono::duration<double, std::micro>(in_analyzer - t0).count());
        }
        state.PauseTiming();
        counted = countOnAnalyzer(co, prefix);
        for (int i = 0; i < pairs; ++i) delLink(sock, prefix + std::to_string(i) + "a");
        state.ResumeTiming();
    }
    (*agent)->topology().unsubscribe(token);
    mnl_socket_close(sock);
    (*agent)->stop();
    stop_reader = true;
    reader.join();
    (*ws)->close();
    (*analyzer)->stop();
    std::filesystem::remove_all(dir);
    if (counted != static_cast<std::int64_t>(analyzer_us.size())) {
        state.SkipWithError("the analyzer's Gremlin count disagrees with the events seen");
        return;
    }
    double ack50 = percentile(ack_us, 0.5), agent50 = percentile(agent_us, 0.5);
    double an50 = percentile(analyzer_us, 0.5);
    state.counters["pairs"] = static_cast<double>(analyzer_us.size());
    state.counters["kernel_ack_p50_us"] = ack50;
    state.counters["agent_graph_p50_us"] = agent50;
    state.counters["agent_graph_p99_us"] = percentile(agent_us, 0.99);
    state.counters["analyzer_api_p50_us"] = an50;
    state.counters["analyzer_api_p99_us"] = percentile(analyzer_us, 0.99);
    state.counters["analyzer_over_agent_p50_ratio"] = agent50 > 0 ? an50 / agent50 : 0;
    state.counters["analyzer_over_ack_p50_ratio"] = ack50 > 0 ? an50 / ack50 : 0;
}
BENCHMARK(BM_VethVisibleThroughAnalyzerApi)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
