#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <skydive/model/result.h>
#include <skydive/server/http_message.h>

namespace skydive::server {

/// Named limits of the transport (STYLE.md habit 6). Defaults follow spec §5.1 / §8.2 where
/// upstream has a value (`http.ws.queue_size` 10000, ping 2 s, pong 5 s).
struct ServerLimits {
    std::size_t max_body_bytes = 16u << 20;
    std::size_t max_header_bytes = 16u << 10;
    std::chrono::milliseconds idle_timeout{60'000};     ///< waiting for the next request
    std::chrono::milliseconds request_timeout{30'000};  ///< reading a started request, writing
    std::size_t ws_queue_depth = 10000;                 ///< messages queued per WebSocket
    std::size_t ws_max_message_bytes = 64u << 20;
    std::chrono::milliseconds ws_idle_timeout{7'000};  ///< pong_timeout + ping_delay
    std::chrono::milliseconds shutdown_grace{2'000};
};

struct ServerOptions {
    std::string listen = "127.0.0.1:8082";  ///< host:port; port 0 = any free port
    unsigned threads = 2;
    ServerLimits limits;
    std::string tls_cert_file;  ///< TLS is on when both files are set
    std::string tls_key_file;
};

/// The transport's side of one WebSocket connection, safe to use from any thread.
class WsConnection {
public:
    virtual ~WsConnection() = default;
    /// Queues a data frame (text, or binary on a connection accepted with
    /// `WsDecision::binary_frames`) and returns at once. When the queue is full the connection is
    /// closed (the slow client is dropped, the caller never waits) and false is returned.
    virtual bool send(std::shared_ptr<const std::string> text) = 0;
    virtual void close() = 0;
    virtual bool closed() const = 0;
};

/// The application's side of one WebSocket connection. Calls for one connection never overlap.
class WsHandler {
public:
    virtual ~WsHandler() = default;
    /// A complete data message, text or binary.
    virtual void onMessage(std::string_view data) = 0;
    virtual void onClose() = 0;
    /// A pong answered one of the transport's keep-alive pings (spec §5.3 pong records).
    virtual void onPong() {}
};

/// The application's answer to an upgrade request: refuse with `response`, or accept and
/// build the handler once the connection exists.
struct WsDecision {
    bool accept = false;
    HttpResponse response;       ///< refusal, or extra headers of the 101 response
    bool binary_frames = false;  ///< data frames sent as binary (protobuf protocol, spec §5.1)
    std::function<std::shared_ptr<WsHandler>(std::shared_ptr<WsConnection>)> make_handler;
};

/// The pure application entry points the transport calls.
struct Application {
    std::function<HttpResponse(const HttpRequest&)> handle_request;
    std::function<WsDecision(const HttpRequest&)> handle_upgrade;  ///< empty = no WebSocket
};

/// Boost.Beast HTTP/1.1 + WebSocket server on an Asio thread pool (Beast lives only in the
/// transport .cpp files). Nothing throws: start() reports bind errors as Unavailable.
class HttpServer {
public:
    HttpServer(ServerOptions options, Application app);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds, listens and starts the threads. Returns the bound port.
    model::Result<std::uint16_t> start();
    /// Stops accepting, closes the connections (WebSockets with a close frame) and joins the
    /// threads, waiting at most limits.shutdown_grace for sessions to end. Idempotent.
    void stop();

    std::uint16_t port() const;
    bool tls() const;
    std::size_t activeConnections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Splits "host:port" ("[::1]:80" for IPv6). Port must be 0..65535.
model::Result<std::pair<std::string, std::uint16_t>> splitHostPort(std::string_view addr);

}  // namespace skydive::server
