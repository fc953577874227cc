// The forwarder against a WebSocket endpoint on loopback: headers, Sync first, events after,
// full resync after the analyzer drops the connection.
#include <utility>  // before asio (toolchain.md §3)

#include <skydive/agent/forwarder.h>
#include <skydive/ingest/graph_message.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <mutex>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;
using tcp = net::ip::tcp;

/// A minimal analyzer-side endpoint: accepts connections one at a time, records the upgrade
/// headers and every text message; drop() closes the current connection.
class FakeAnalyzerEndpoint {
public:
    FakeAnalyzerEndpoint() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeAnalyzerEndpoint() {
        stopping_ = true;
        drop();
        // close() does not wake a blocking accept(): connect once so serve() sees stopping_.
        beast::error_code ec;
        net::io_context wake_ctx;
        tcp::socket wake(wake_ctx);
        wake.connect(acceptor_.local_endpoint(), ec);
        thread_.join();
    }
    std::string address() const {
        return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    void drop() {
        std::lock_guard l(mu_);
        if (current_ != nullptr) {
            beast::error_code ec;
            beast::get_lowest_layer(*current_).shutdown(tcp::socket::shutdown_both, ec);
        }
    }
    std::vector<std::string> messages() {
        std::lock_guard l(mu_);
        return messages_;
    }
    http::request<http::string_body> lastRequest() {
        std::lock_guard l(mu_);
        return request_;
    }
    int connections() {
        std::lock_guard l(mu_);
        return connections_;
    }

private:
    void serve() {
        while (!stopping_) {
            beast::error_code ec;
            tcp::socket sock(ioc_);
            acceptor_.accept(sock, ec);
            if (ec || stopping_) return;
            ws::stream<tcp::socket> stream(std::move(sock));
            beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(stream.next_layer(), buf, req, ec);
            if (ec) continue;
            stream.accept(req, ec);
            if (ec) continue;
            {
                std::lock_guard l(mu_);
                request_ = req;
                ++connections_;
                current_ = &stream;
            }
            while (true) {
                beast::flat_buffer msg;
                stream.read(msg, ec);
                if (ec) break;
                std::lock_guard l(mu_);
                messages_.push_back(beast::buffers_to_string(msg.data()));
            }
            std::lock_guard l(mu_);
            current_ = nullptr;
        }
    }

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::mutex mu_;
    ws::stream<tcp::socket>* current_ = nullptr;
    std::vector<std::string> messages_;
    http::request<http::string_body> request_;
    int connections_ = 0;
};

std::vector<ingest::GraphMessage> decodeAll(const std::vector<std::string>& raw) {
    std::vector<ingest::GraphMessage> out;
    for (const auto& m : raw) {
        auto d = ingest::decodeGraphMessage(m, 0);
        EXPECT_TRUE(d.ok()) << m;
        if (d.ok()) out.push_back(std::move(*d));
    }
    return out;
}

TEST(ForwarderE2E, SyncThenEventsThenResync) {
    FakeAnalyzerEndpoint analyzer;
    model::ManualClock clock(1000);
    TopologyGraph graph("fwd-host", clock);
    ASSERT_TRUE(
        graph.addNode("h", model::Value(model::Object{{"Name", "fwd-host"}, {"Type", "host"}})));
    ForwarderOptions o;
    o.address = analyzer.address();
    o.host_id = "fwd-host";
    o.min_backoff = std::chrono::milliseconds(50);
    Forwarder fwd(graph, o);
    fwd.start();
    ASSERT_TRUE(waitFor([&] { return fwd.connected() && analyzer.messages().size() >= 1; }));
    auto req = analyzer.lastRequest();
    EXPECT_EQ(req.target(), "/ws/agent/topology");
    EXPECT_EQ(req["X-Host-ID"], "fwd-host");
    EXPECT_EQ(req["X-Client-Type"], "agent");
    EXPECT_EQ(req["X-Persistence-Policy"], "DeleteOnDisconnect");

    ASSERT_TRUE(
        graph.addNode("n1", model::Value(model::Object{{"Name", "eth0"}, {"Type", "device"}})));
    graph.link("h", "n1", "ownership");
    ASSERT_TRUE(graph.deleteNode("n1"));
    ASSERT_TRUE(waitFor([&] { return analyzer.messages().size() >= 6; }));
    auto msgs = decodeAll(analyzer.messages());
    ASSERT_GE(msgs.size(), 6u);
    EXPECT_EQ(msgs[0].type, ingest::GraphMessageType::Sync);
    const auto& synced = std::get<model::Graph>(msgs[0].payload);
    ASSERT_EQ(synced.nodes.size(), 1u);
    EXPECT_EQ(synced.nodes[0].origin, "agent.fwd-host");
    using T = ingest::GraphMessageType;
    std::vector<T> kinds;
    for (std::size_t i = 1; i < msgs.size(); ++i) kinds.push_back(msgs[i].type);
    // NodeAdded, EdgeAdded, NodeUpdated (TID from the new owner), EdgeDeleted, NodeDeleted.
    EXPECT_EQ(kinds, (std::vector<T>{T::NodeAdded, T::EdgeAdded, T::NodeUpdated, T::EdgeDeleted,
                                     T::NodeDeleted}));

    // The analyzer drops us: reconnect with backoff and a full Sync again.
    std::size_t before = analyzer.messages().size();
    analyzer.drop();
    ASSERT_TRUE(waitFor([&] { return analyzer.connections() == 2 && fwd.syncCount() == 2; },
                        std::chrono::seconds(5)));
    ASSERT_TRUE(waitFor([&] { return analyzer.messages().size() > before; }));
    auto again = decodeAll(analyzer.messages());
    EXPECT_EQ(again[before].type, ingest::GraphMessageType::Sync);
    fwd.stop();
    EXPECT_FALSE(fwd.connected());
}

TEST(ForwarderE2E, NoAnalyzerKeepsRetryingWithoutBlocking) {
    TopologyGraph graph("fwd-host", model::SystemClock::instance());
    ForwarderOptions o;
    o.address = "127.0.0.1:1";  // nothing listens on port 1
    o.host_id = "fwd-host";
    o.min_backoff = std::chrono::milliseconds(10);
    Forwarder fwd(graph, o);
    fwd.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(fwd.connected());
    EXPECT_TRUE(graph.addNode("n", model::Value(model::Object{{"Name", "x"}})));
    fwd.stop();
    EXPECT_EQ(fwd.syncCount(), 0u);
}

}  // namespace
}  // namespace skydive::agent::e2e
