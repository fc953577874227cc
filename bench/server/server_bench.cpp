// Server benchmarks (issue 5): where a POST /api/topology request's time goes, and the
// WebSocket fan-out of 10k changes/s to 100 subscribers. The wrk figures come from
// bench/server/wrk_topology.sh.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
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

/// The fan-out benchmark's client side: every subscriber socket is read by ONE epoll thread
/// (the client shares the machine's 2 cores with the server, so it must stay cheap: no thread
/// per subscriber, one read() takes many frames, one clock read per read()).
class RawSubscribers {
public:
    /// `sent_ns[i]`: when the publisher sent event i (steady clock), written before the send.
    RawSubscribers(int expected, const std::vector<std::atomic<long long>>& sent_ns)
        : expected_(expected), sent_ns_(sent_ns) {
        epfd_ = epoll_create1(0);
    }
    ~RawSubscribers() {
        for (auto& s : subs_) close(s.fd);
        close(epfd_);
    }

    bool connect(std::uint16_t port, const std::string& host_id) {
        Sub s;
        s.fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
        std::string req =
            "GET /ws/subscriber HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nX-Client-Type: bench\r\nX-Host-ID: " +
            host_id + "\r\n\r\n";
        if (write(s.fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return false;
        std::string head;
        while (head.find("\r\n\r\n") == std::string::npos) {
            pollfd p{s.fd, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return false;
            char c;  // byte by byte: nothing after the handshake is consumed here
            if (read(s.fd, &c, 1) != 1) return false;
            head.push_back(c);
        }
        if (head.rfind("HTTP/1.1 101", 0) != 0) return false;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(subs_.size());
        epoll_ctl(epfd_, EPOLL_CTL_ADD, s.fd, &ev);
        subs_.push_back(std::move(s));
        return true;
    }

    /// Reads until every subscriber got `expected` events or nothing arrives for 5 s.
    void run() {
        std::vector<char> tmp(1 << 18);
        std::vector<epoll_event> events(subs_.size());
        std::size_t done = 0;
        while (done < subs_.size()) {
            int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 5000);
            if (n <= 0) return;
            for (int i = 0; i < n; ++i) {
                Sub& s = subs_[events[i].data.u32];
                ssize_t r = read(s.fd, tmp.data(), tmp.size());
                if (r <= 0) {
                    epoll_ctl(epfd_, EPOLL_CTL_DEL, s.fd, nullptr);
                    ++done;
                    continue;
                }
                bool was_done = s.received >= expected_;
                s.buf.append(tmp.data(), static_cast<std::size_t>(r));
                parse(s, std::chrono::steady_clock::now().time_since_epoch().count());
                if (!was_done && s.received >= expected_) ++done;
            }
        }
    }

    struct Sub {
        int fd = -1;
        std::string buf;
        int received = 0;
        std::vector<double> latencies_ms;
    };
    std::vector<Sub>& subs() { return subs_; }

private:
    /// The event number of a NodeAdded frame: the server's envelope has a fixed layout up to
    /// the node ID `f<i>`, so no scan of the message is needed (fallback: search).
    static long eventNumber(std::string_view m) {
        static const std::string kHead = R"({"Namespace":"Graph","Type":"NodeAdded","UUID":")";
        static const std::string kTail = R"(","Status":200,"Obj":{"ID":"f)";
        std::size_t at = kHead.size() + 36;
        std::size_t pos = std::string_view::npos;
        if (m.size() > at + kTail.size() && m.compare(0, kHead.size(), kHead) == 0 &&
            m.compare(at, kTail.size(), kTail) == 0) {
            pos = at + kTail.size();
        } else if (auto id = m.find(R"("ID":"f)"); id != std::string_view::npos) {
            pos = id + 7;
        } else {
            return -1;
        }
        long n = 0;
        bool digits = false;
        for (; pos < m.size() && m[pos] >= '0' && m[pos] <= '9'; ++pos, digits = true)
            n = n * 10 + (m[pos] - '0');
        return digits ? n : -1;
    }

    void parse(Sub& s, long long now) {
        std::size_t pos = 0;
        const std::string& b = s.buf;
        for (;;) {
            if (b.size() - pos < 2) break;
            auto b1 = static_cast<unsigned char>(b[pos + 1]) & 0x7Fu;
            std::size_t header = 2, len = b1;
            if (b1 == 126) {
                if (b.size() - pos < 4) break;
                len = (static_cast<std::size_t>(static_cast<unsigned char>(b[pos + 2])) << 8) |
                      static_cast<unsigned char>(b[pos + 3]);
                header = 4;
            } else if (b1 == 127) {
                if (b.size() - pos < 10) break;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | static_cast<unsigned char>(b[pos + 2 + i]);
                header = 10;
            }
            if (b.size() - pos < header + len) break;
            if ((static_cast<unsigned char>(b[pos]) & 0x0Fu) == 1) {
                long i = eventNumber(std::string_view(b.data() + pos + header, len));
                if (i >= 0 && static_cast<std::size_t>(i) < sent_ns_.size()) {
                    long long sent = sent_ns_[static_cast<std::size_t>(i)].load();
                    s.latencies_ms.push_back(static_cast<double>(now - sent) / 1e6);
                    ++s.received;
                }
            }
            pos += header + len;
        }
        s.buf.erase(0, pos);
    }

    int epfd_ = -1;
    int expected_;
    const std::vector<std::atomic<long long>>& sent_ns_;
    std::vector<Sub> subs_;
};

/// The fan-out benchmark's publisher: one write() per millisecond tick carrying every change
/// due (client frames, masked with a zero key), so its own syscalls stay few.
class RawPublisher {
public:
    bool connect(std::uint16_t port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
        std::string req =
            "GET /ws/publisher HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nX-Client-Type: bench\r\nX-Host-ID: pub\r\n\r\n";
        if (write(fd_, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return false;
        std::string head;
        while (head.find("\r\n\r\n") == std::string::npos) {
            char c;
            if (read(fd_, &c, 1) != 1) return false;
            head.push_back(c);
        }
        return head.rfind("HTTP/1.1 101", 0) == 0;
    }
    ~RawPublisher() {
        if (fd_ >= 0) close(fd_);
    }
    /// Adds one masked text frame to the pending write.
    void add(std::string_view text) {
        std::size_t n = text.size();
        out_.push_back(static_cast<char>(0x81));
        if (n < 126) {
            out_.push_back(static_cast<char>(0x80 | n));
        } else {
            out_.push_back(static_cast<char>(0x80 | 126));
            out_.push_back(static_cast<char>((n >> 8) & 0xFF));
            out_.push_back(static_cast<char>(n & 0xFF));
        }
        out_.append(4, '\0');  // mask key 0: the payload goes as is
        out_.append(text);
    }
    bool flush() {
        std::size_t done = 0;
        while (done < out_.size()) {
            ssize_t w = write(fd_, out_.data() + done, out_.size() - done);
            if (w <= 0) return false;
            done += static_cast<std::size_t>(w);
        }
        out_.clear();
        return true;
    }

private:
    int fd_ = -1;
    std::string out_;
};

/// 100 subscribers while a publisher applies `rate` changes/s for one second: p99 latency from
/// the publisher's send to each subscriber's receipt, and events missed by subscribers that
/// were not dropped.
void BM_WsFanout(benchmark::State& state) {
    const int subscribers = static_cast<int>(state.range(0));
    const int rate = static_cast<int>(state.range(1));
    RunningAnalyzer a;
    for (auto _ : state) {
        const int total = rate;  // one second of changes
        std::vector<std::atomic<long long>> sent_ns(static_cast<std::size_t>(total));
        RawSubscribers subs(total, sent_ns);
        std::uint16_t port = static_cast<std::uint16_t>(
            std::stoi(a.options.address.substr(a.options.address.rfind(':') + 1)));
        for (int i = 0; i < subscribers; ++i) {
            if (!subs.connect(port, "sub" + std::to_string(i))) {
                state.SkipWithError("subscriber connect failed");
                return;
            }
        }
        for (auto& s : subs.subs()) s.latencies_ms.reserve(total);
        RawPublisher pub;
        if (!pub.connect(port)) {
            state.SkipWithError("publisher connect failed");
            return;
        }
        std::thread reader([&] { subs.run(); });
        // The publisher wakes every millisecond and sends the changes due by then (one
        // sleep per tick instead of per change keeps its own cost small); each change's
        // latency counts from its own send time.
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < total;) {
            auto now = std::chrono::steady_clock::now();
            for (; i < total && start + std::chrono::microseconds(1'000'000LL * i / rate) <= now;
                 ++i) {
                auto t = std::chrono::steady_clock::now().time_since_epoch().count();
                sent_ns[static_cast<std::size_t>(i)].store(t);
                std::string msg = R"({"Namespace":"Graph","Type":"NodeAdded","Obj":{"ID":"f)" +
                                  std::to_string(i) +
                                  R"(","Metadata":{"Name":"x","Type":"device",)" + R"("T":)" +
                                  std::to_string(t) + "}}}";
                pub.add(msg);
            }
            (void)pub.flush();
            std::this_thread::sleep_until(now + 1ms);
        }
        reader.join();
        std::vector<double> all;
        int complete = 0;
        long missed = 0;
        for (auto& s : subs.subs()) {
            all.insert(all.end(), s.latencies_ms.begin(), s.latencies_ms.end());
            if (s.received == total) ++complete;
            missed += total - s.received;
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
