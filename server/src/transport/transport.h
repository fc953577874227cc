// Private to the two Beast translation units of the transport (http_session.cpp,
// websocket_session.cpp). Beast and Asio never appear in a public header (toolchain.md §3).
#pragma once

#include <utility>  // before Asio (toolchain.md §3)

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <skydive/server/http_server.h>

namespace skydive::server::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = http::request<http::string_body>;

/// Something the server can ask to end when it stops.
class Closable {
public:
    virtual ~Closable() = default;
    /// Called from any thread; must post to the session's own executor.
    virtual void shutdown() = 0;
};

/// What every session shares with the server: the application, limits and the registry of live
/// sessions (weak references, so that stop() can close them).
struct ServerState {
    Application app;
    ServerLimits limits;
    bool tls = false;

    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> sessions;
    std::uint64_t next_id = 0;
    std::atomic<bool> stopping{false};

    std::uint64_t add(std::weak_ptr<Closable> s) {
        std::lock_guard lock(mutex);
        sessions.emplace(++next_id, std::move(s));
        return next_id;
    }
    void remove(std::uint64_t id) {
        std::lock_guard lock(mutex);
        sessions.erase(id);
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return sessions.size();
    }
};

/// Takes over an HTTP stream whose request was accepted as a WebSocket upgrade and runs the
/// session until it closes. Instantiated for PlainStream and TlsStream.
template <class Stream>
asio::awaitable<void> runWebSocket(std::shared_ptr<ServerState> state, Stream stream,
                                   BeastRequest request, WsDecision decision);

extern template asio::awaitable<void> runWebSocket<PlainStream>(std::shared_ptr<ServerState>,
                                                                PlainStream, BeastRequest,
                                                                WsDecision);
extern template asio::awaitable<void> runWebSocket<TlsStream>(std::shared_ptr<ServerState>,
                                                              TlsStream, BeastRequest, WsDecision);

}  // namespace skydive::server::transport
