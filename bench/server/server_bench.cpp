// Server benchmarks (issue 5): where a POST /api/topology request's time goes, and the
// WebSocket fan-out of 10k changes/s to 100 subscribers. The wrk figures come from
// bench/server/wrk_topology.sh.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <skydive/client/http_client.h>
#include <skydive/graph/live_graph.h>
#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/query_result.h>
#include <skydive/model/json.h>
#include <skydive/server/analyzer.h>

namespace {

using namespace skydive;
using namespace std::chrono_literals;

constexpr int kNodes = 10000;
constexpr const char* kQuery = "G.V().Has('Name','eth0')";
const std::string kBody = R"j({"GremlinQuery":"G.V().Has('Name','eth0')"})j";

model::Node makeNode(int i) {
    model::Node n;
    n.id = "node-" + std::to_string(i);
    n.metadata = model::Value(
        model::Object{{"Name", "eth" + std::to_string(i)}, {"Type", "device"}, {"MTU", 1500}});
    return n;
}

/// The 10k-node graph, shared by the breakdown benchmarks.
graph::LiveGraph& liveGraph() {
    static auto* g = [] {
        auto* live = new graph::LiveGraph(model::SystemClock::instance());
        for (int i = 0; i < kNodes; ++i) (void)live->addNode(makeNode(i));
        return live;
    }();
    return *g;
}

gremlin::Engine& engine() {
    static gremlin::Engine e(model::SystemClock::instance(), {});
    return e;
}

void BM_Breakdown1_JsonBody(benchmark::State& state) {
    for (auto _ : state) {
        auto v = model::parseJson(kBody);
        benchmark::DoNotOptimize(v);
    }
}
BENCHMARK(BM_Breakdown1_JsonBody);

void BM_Breakdown2_ParseCompile(benchmark::State& state) {
    for (auto _ : state) {
        auto plan = engine().prepare(kQuery);
        benchmark::DoNotOptimize(plan);
    }
}
BENCHMARK(BM_Breakdown2_ParseCompile);

void BM_Breakdown3_Execute(benchmark::State& state) {
    auto plan = engine().prepare(kQuery);
    auto& g = liveGraph();
    for (auto _ : state) {
        auto r = engine().execute(**plan, g);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_Breakdown3_Execute);

void BM_Breakdown4_Serialize(benchmark::State& state) {
    auto r = engine().run(kQuery, liveGraph());
    for (auto _ : state) {
        auto json = gremlin::toJson(*r);
        benchmark::DoNotOptimize(json);
    }
}
BENCHMARK(BM_Breakdown4_Serialize);

/// An analyzer on 127.0.0.1:0 (memory backend) loaded with the 10k nodes by one Sync message.
struct RunningAnalyzer {
    server::Config config;
    std::unique_ptr<server::Analyzer> analyzer;
    client::ClientOptions options;

    explicit RunningAnalyzer(const std::string& yaml = "") {
        config.setEnvironment({});
        if (!yaml.empty()) (void)config.loadString(yaml);
        config.setFlag("analyzer.listen", "127.0.0.1:0");
        server::AnalyzerOptions opts;
        analyzer = std::move(server::Analyzer::create(config, opts, model::SystemClock::instance()))
                       .value();
        options.address = "127.0.0.1:" + std::to_string(*analyzer->start());
    }
    void load() {
        model::JsonWriter w;
        w.beginObject().key("Namespace").string("Graph").key("Type").string("Sync");
        w.key("Obj").beginObject().key("Nodes").beginArray();
        for (int i = 0; i < kNodes; ++i) model::writeNode(w, makeNode(i));
        w.endArray().key("Edges").null().endObject().endObject();
        auto pub = client::WsClient::connect(options, "/ws/publisher",
                                             {{"X-Client-Type", "bench"}, {"X-Host-ID", "load"}});
        (void)(*pub)->send(w.str());
        client::HttpClient c(options);
        for (int i = 0; i < 500; ++i) {
            auto r = c.request("POST", "/api/topology", R"j({"GremlinQuery":"G.V().Count()"})j");
            if (r.ok() && r->body == std::to_string(kNodes)) return;
            std::this_thread::sleep_for(10ms);
        }
    }
};

void roundTrip(benchmark::State& state, const char* method, const char* path,
               const std::string& body) {
    RunningAnalyzer a;
    a.load();
    client::HttpClient c(a.options);
    for (auto _ : state) {
        auto r = c.request(method, path, body);
        if (!r.ok() || r->status != 200) state.SkipWithError("request failed");
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_HttpRoundTrip_Baseline_GetApi(benchmark::State& state) {
    roundTrip(state, "GET", "/api", "");
}
BENCHMARK(BM_HttpRoundTrip_Baseline_GetApi)->UseRealTime();

void BM_HttpRoundTrip_TopologyHasName(benchmark::State& state) {
    roundTrip(state, "POST", "/api/topology", kBody);
}
BENCHMARK(BM_HttpRoundTrip_TopologyHasName)->UseRealTime();

/// A minimal WebSocket reader for the fan-out benchmark: one read() takes many frames, so the
/// measurement is not dominated by the client (server frames are unmasked text frames).
class RawSubscriber {
public:
    bool connect(std::uint16_t port, const std::string& host_id) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
        std::string req =
            "GET /ws/subscriber HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nX-Client-Type: bench\r\nX-Host-ID: " +
            host_id + "\r\n\r\n";
        if (write(fd_, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return false;
        while (buf_.find("\r\n\r\n") == std::string::npos) {
            if (!fill(2000)) return false;
        }
        bool ok = buf_.rfind("HTTP/1.1 101", 0) == 0;
        buf_.erase(0, buf_.find("\r\n\r\n") + 4);
        return ok;
    }
    ~RawSubscriber() {
        if (fd_ >= 0) close(fd_);
    }
    /// Calls fn(payload) for every complete text frame; false on timeout or close.
    template <class Fn>
    bool poll(int timeout_ms, Fn&& fn) {
        if (!fill(timeout_ms)) return false;
        std::size_t pos = 0;
        for (;;) {
            if (buf_.size() - pos < 2) break;
            auto b1 = static_cast<unsigned char>(buf_[pos + 1]) & 0x7Fu;
            std::size_t header = 2, len = b1;
            if (b1 == 126) {
                if (buf_.size() - pos < 4) break;
                len = (static_cast<std::size_t>(static_cast<unsigned char>(buf_[pos + 2])) << 8) |
                      static_cast<unsigned char>(buf_[pos + 3]);
                header = 4;
            } else if (b1 == 127) {
                if (buf_.size() - pos < 10) break;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | static_cast<unsigned char>(buf_[pos + 2 + i]);
                header = 10;
            }
            if (buf_.size() - pos < header + len) break;
            if ((static_cast<unsigned char>(buf_[pos]) & 0x0Fu) == 1)
                fn(std::string_view(buf_).substr(pos + header, len));
            pos += header + len;
        }
        buf_.erase(0, pos);
        return true;
    }

private:
    bool fill(int timeout_ms) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        char tmp[1 << 16];
        ssize_t n = read(fd_, tmp, sizeof tmp);
        if (n <= 0) return false;
        buf_.append(tmp, static_cast<std::size_t>(n));
        return true;
    }
    int fd_ = -1;
    std::string buf_;
};

/// 100 subscribers while a publisher applies `rate` changes/s for one second: p99 latency from
/// the publisher's send to each subscriber's receipt, and events missed by subscribers that
/// were not dropped.
void BM_WsFanout(benchmark::State& state) {
    const int subscribers = static_cast<int>(state.range(0));
    const int rate = static_cast<int>(state.range(1));
    RunningAnalyzer a;
    for (auto _ : state) {
        std::vector<std::unique_ptr<RawSubscriber>> subs;
        std::uint16_t port = static_cast<std::uint16_t>(
            std::stoi(a.options.address.substr(a.options.address.rfind(':') + 1)));
        for (int i = 0; i < subscribers; ++i) {
            auto sub = std::make_unique<RawSubscriber>();
            if (!sub->connect(port, "sub" + std::to_string(i))) {
                state.SkipWithError("subscriber connect failed");
                return;
            }
            subs.push_back(std::move(sub));
        }
        auto pub =
            std::move(client::WsClient::connect(a.options, "/ws/publisher",
                                                {{"X-Client-Type", "bench"}, {"X-Host-ID", "pub"}}))
                .value();
        const int total = rate;  // one second of changes
        std::vector<std::vector<double>> latencies(subscribers);
        std::vector<int> received(subscribers, 0);
        std::vector<std::thread> readers;
        for (int s = 0; s < subscribers; ++s) {
            readers.emplace_back([&, s] {
                latencies[s].reserve(total);
                while (received[s] < total) {
                    bool ok = subs[s]->poll(5000, [&](std::string_view m) {
                        auto now = std::chrono::steady_clock::now().time_since_epoch().count();
                        auto pos = m.find("\"T\":");
                        if (pos == std::string_view::npos) return;
                        long long sent = std::atoll(m.data() + pos + 4);
                        latencies[s].push_back(static_cast<double>(now - sent) / 1e6);
                        ++received[s];
                    });
                    if (!ok) break;
                }
            });
        }
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < total; ++i) {
            auto due = start + std::chrono::microseconds(1'000'000LL * i / rate);
            std::this_thread::sleep_until(due);
            auto t = std::chrono::steady_clock::now().time_since_epoch().count();
            std::string msg = R"({"Namespace":"Graph","Type":"NodeAdded","Obj":{"ID":"f)" +
                              std::to_string(i) + R"(","Metadata":{"Name":"x","Type":"device",)" +
                              R"("T":)" + std::to_string(t) + "}}}";
            (void)pub->send(msg);
        }
        for (auto& r : readers) r.join();
        std::vector<double> all;
        int complete = 0;
        long missed = 0;
        for (int s = 0; s < subscribers; ++s) {
            all.insert(all.end(), latencies[s].begin(), latencies[s].end());
            if (received[s] == total) ++complete;
            missed += total - received[s];
        }
        std::sort(all.begin(), all.end());
        double p99 = all.empty() ? 0 : all[static_cast<std::size_t>(all.size() * 0.99)];
        double p50 = all.empty() ? 0 : all[all.size() / 2];
        state.counters["p50_ms"] = p50;
        state.counters["p99_ms"] = p99;
        state.counters["complete_subscribers"] = complete;
        state.counters["missed_events"] = static_cast<double>(missed);
    }
}
BENCHMARK(BM_WsFanout)
    ->Args({100, 10000})
    ->Args({100, 1000})
    ->Args({10, 10000})
    ->Args({1, 10000})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
