// The only translation unit of the agent that includes Boost.Beast (toolchain.md §3).
#include <utility>  // before asio: awaitable.hpp uses std::exchange (toolchain.md §3)

#include <skydive/agent/forwarder.h>
#include <skydive/ingest/graph_message.h>
#include <skydive/model/json.h>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <thread>

namespace skydive::agent {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using net::awaitable;
using net::use_awaitable;
using tcp = net::ip::tcp;
using Socket = ws::stream<beast::tcp_stream>;

struct Forwarder::Impl {
    TopologyGraph& graph;
    ForwarderOptions options;
    net::io_context ioc;
    std::thread thread;
    std::atomic<bool> connected{false};
    std::atomic<model::Time> connect_time{0};
    std::atomic<std::uint64_t> syncs{0};
    std::atomic<std::uint64_t> events{0};
    std::atomic<bool> stopping{false};

    // Connection state, touched only on the io thread.
    std::deque<std::string> queue;
    bool overflow = false;
    bool closed = false;
    net::steady_timer wake{ioc};
    std::uint64_t token = 0;

    Impl(TopologyGraph& g, ForwarderOptions o) : graph(g), options(std::move(o)) {}

    void push(std::string msg) {
        if (queue.size() >= options.max_queue) {
            overflow = true;  // the writer drops the connection; reconnect resyncs
        } else {
            queue.push_back(std::move(msg));
        }
        wake.cancel();
    }

    std::string syncMessage(model::Graph g) {
        ingest::GraphMessage m;
        m.type = ingest::GraphMessageType::Sync;
        m.uuid = "";
        m.payload = std::move(g);
        return ingest::encodeGraphMessage(m);
    }

    void subscribe() {
        model::Graph snap;
        token = graph.subscribe(
            [this](const model::Change& c) {
                // Runs on a probe thread under the graph lock: encode there, queue on io thread.
                std::string msg = ingest::encodeGraphMessage(ingest::messageForChange(c));
                net::post(ioc, [this, m = std::move(msg)]() mutable {
                    if (token != 0) push(std::move(m));
                });
            },
            &snap);
        queue.clear();
        overflow = false;
        queue.push_back(syncMessage(std::move(snap)));
    }

    void unsubscribe() {
        if (token != 0) graph.unsubscribe(token);
        token = 0;
        queue.clear();
    }

    awaitable<void> reader(Socket& socket) {
        beast::flat_buffer buf;
        beast::error_code ec;
        while (!ec) {
            co_await socket.async_read(buf, net::redirect_error(use_awaitable, ec));
            buf.consume(buf.size());  // analyzers send us nothing we act on yet
        }
        closed = true;
        wake.cancel();
    }

    awaitable<bool> connect(Socket& socket) {
        auto sep = options.address.rfind(':');
        std::string host = options.address.substr(0, sep);
        std::string port = sep == std::string::npos ? "8082" : options.address.substr(sep + 1);
        beast::error_code ec;
        tcp::resolver resolver(ioc);
        auto results =
            co_await resolver.async_resolve(host, port, net::redirect_error(use_awaitable, ec));
        if (ec) co_return false;
        beast::get_lowest_layer(socket).expires_after(options.connect_timeout);
        co_await beast::get_lowest_layer(socket).async_connect(
            results, net::redirect_error(use_awaitable, ec));
        if (ec) co_return false;
        socket.set_option(ws::stream_base::decorator([this](ws::request_type& req) {
            req.set("X-Host-ID", options.host_id);
            req.set("X-Client-Type", "agent");
            req.set("X-Client-Protocol", "json");
            req.set("X-Persistence-Policy", "DeleteOnDisconnect");
            req.set("X-Websocket-Namespace", "*");
        }));
        co_await socket.async_handshake(host + ":" + port, options.path,
                                        net::redirect_error(use_awaitable, ec));
        if (ec) {
            spdlog::warn("forwarder {}: handshake: {}", options.address, ec.message());
            co_return false;
        }
        beast::get_lowest_layer(socket).expires_never();
        socket.set_option(ws::stream_base::timeout::suggested(beast::role_type::client));
        co_return true;
    }

    // One connection: Sync, then events until an error, an overflow or stop.
    awaitable<void> session(Socket& socket) {
        closed = false;
        subscribe();
        net::co_spawn(ioc, reader(socket), net::detached);
        socket.text(true);
        beast::error_code ec;
        bool first = true;
        while (!closed && !stopping && !overflow) {
            if (queue.empty()) {
                wake.expires_at(net::steady_timer::time_point::max());
                co_await wake.async_wait(net::redirect_error(use_awaitable, ec));
                continue;
            }
            std::string msg = std::move(queue.front());
            queue.pop_front();
            co_await socket.async_write(net::buffer(msg), net::redirect_error(use_awaitable, ec));
            if (ec) break;
            if (first) {
                ++syncs;
                connect_time = graph.clock().now();
                connected = true;
                first = false;
            } else {
                ++events;
            }
        }
        if (overflow) spdlog::warn("forwarder {}: queue full, resyncing", options.address);
        connected = false;
        unsubscribe();
        beast::get_lowest_layer(socket).close();
        // Let the reader observe the close before the socket goes away.
        while (!closed) {
            wake.expires_after(std::chrono::milliseconds(10));
            co_await wake.async_wait(net::redirect_error(use_awaitable, ec));
        }
    }

    awaitable<void> run() {
        auto backoff = options.min_backoff;
        net::steady_timer timer(ioc);
        beast::error_code ec;
        while (!stopping) {
            {
                Socket socket(ioc);
                if (co_await connect(socket)) {
                    spdlog::info("forwarder: connected to {}", options.address);
                    backoff = options.min_backoff;
                    co_await session(socket);
                }
            }
            if (stopping) break;
            timer.expires_after(backoff);
            co_await timer.async_wait(net::redirect_error(use_awaitable, ec));
            backoff = std::min(backoff * 2, options.max_backoff);
        }
    }
};

Forwarder::Forwarder(TopologyGraph& graph, ForwarderOptions options)
    : impl_(std::make_unique<Impl>(graph, std::move(options))) {}

Forwarder::~Forwarder() {
    stop();
}

void Forwarder::start() {
    if (impl_->thread.joinable()) return;
    impl_->stopping = false;
    net::co_spawn(impl_->ioc, impl_->run(), net::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void Forwarder::stop() {
    if (!impl_->thread.joinable()) return;
    impl_->stopping = true;
    // Unsubscribe first so no probe thread posts into a stopping context.
    net::post(impl_->ioc, [this] { impl_->unsubscribe(); });
    impl_->ioc.stop();
    impl_->thread.join();
    impl_->unsubscribe();
    impl_->connected = false;
}

bool Forwarder::connected() const {
    return impl_->connected;
}
model::Time Forwarder::connectTime() const {
    return impl_->connect_time;
}
const std::string& Forwarder::address() const {
    return impl_->options.address;
}
std::uint64_t Forwarder::syncCount() const {
    return impl_->syncs;
}
std::uint64_t Forwarder::eventCount() const {
    return impl_->events;
}

}  // namespace skydive::agent
