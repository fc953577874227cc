// Listener and HTTP sessions (Beast chat-multi / advanced-server-flex layout): the transport
// reads requests, hands them to the pure Application::handle_request and writes the answers.
// No exception leaves this file: every asynchronous call uses redirect_error.
#include "transport/transport.h"

#include <algorithm>
#include <cctype>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace skydive::server {

using namespace transport;

namespace {

constexpr auto kAwait = asio::use_awaitable;

HttpRequest convertRequest(const BeastRequest& req, const tcp::socket& socket, bool tls) {
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    std::string_view target(req.target().data(), req.target().size());
    auto q = target.find('?');
    out.path = percentDecode(target.substr(0, q), false);
    if (q != std::string_view::npos) out.query = parseQueryString(target.substr(q + 1));
    for (const auto& field : req) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = req.body();
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) {
        out.remote_addr = ep.address().to_string();
        out.remote_port = ep.port();
    }
    out.tls = tls;
    return out;
}

http::response<http::string_body> convertResponse(HttpResponse&& r, unsigned version,
                                                  bool keep_alive, bool head) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    std::string_view reason = statusReason(r.status);
    res.reason(beast::string_view(reason.data(), reason.size()));
    for (auto& [name, value] : r.headers) res.insert(name, value);
    std::size_t size = r.body.size();
    if (!head) res.body() = std::move(r.body);
    res.keep_alive(keep_alive && !r.close);
    res.prepare_payload();
    if (head) res.content_length(size);
    return res;
}

HttpResponse safeHandle(const Application& app, const HttpRequest& req) {
    try {
        return app.handle_request(req);
    } catch (const std::exception& e) {
        spdlog::error("handler failed on {} {}: {}", req.method, req.target, e.what());
    } catch (...) {
        spdlog::error("handler failed on {} {}", req.method, req.target);
    }
    return HttpResponse::json(500, R"({"Error":"internal error"})");
}

/// One HTTP connection: the stream plus its registration for shutdown.
template <class Stream>
class HttpConnection final : public Closable,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
public:
    explicit HttpConnection(Stream s) : stream(std::move(s)) {}
    void shutdown() override {
        auto self = this->shared_from_this();
        asio::post(stream.get_executor(), [self] {
            beast::error_code ec;
            beast::get_lowest_layer(self->stream).socket().shutdown(tcp::socket::shutdown_both, ec);
            beast::get_lowest_layer(self->stream).close();
        });
    }
    Stream stream;
};

template <class Stream>
asio::awaitable<void> writeAndClose(Stream& stream, HttpResponse resp, unsigned version) {
    auto res = convertResponse(std::move(resp), version, false, false);
    beast::error_code ec;
    co_await http::async_write(stream, res, asio::redirect_error(kAwait, ec));
}

template <class Stream>
asio::awaitable<void> closeStream(Stream& stream) {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(asio::redirect_error(kAwait, ec));
    }
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
}

template <class Stream>
asio::awaitable<void> serveHttp(std::shared_ptr<ServerState> state,
                                std::shared_ptr<HttpConnection<Stream>> conn) {
    const ServerLimits& limits = state->limits;
    Stream& stream = conn->stream;
    auto id = state->add(conn);
    beast::flat_buffer buffer(limits.max_header_bytes + 1024);
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
        beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
        co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(kAwait, ec));
        if (ec) {
            state->remove(id);
            co_return;
        }
    }
    // Requests are handled one at a time in arrival order; pipelined requests wait in the read
    // buffer, whose size bounds how much a client can queue.
    while (!state->stopping.load()) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(limits.max_body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
        beast::get_lowest_layer(stream).expires_after(limits.idle_timeout);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(kAwait, ec));
        if (ec == http::error::body_limit) {
            co_await writeAndClose(stream,
                                   HttpResponse::json(413, R"({"Error":"request body too large"})"),
                                   parser.get().version());
            break;
        }
        if (ec == http::error::header_limit) {
            co_await writeAndClose(
                stream, HttpResponse::json(431, R"({"Error":"request headers too large"})"), 11);
            break;
        }
        if (ec) break;  // end of stream, timeout, reset or malformed request
        BeastRequest req = parser.release();
        HttpRequest request =
            convertRequest(req, beast::get_lowest_layer(stream).socket(), state->tls);
        if (websocket::is_upgrade(req) && state->app.handle_upgrade) {
            WsDecision decision = state->app.handle_upgrade(request);
            if (!decision.accept) {
                decision.response.close = true;
                co_await writeAndClose(stream, std::move(decision.response), req.version());
                break;
            }
            state->remove(id);
            beast::get_lowest_layer(stream).expires_never();
            co_await runWebSocket<Stream>(state, std::move(stream), std::move(req),
                                          std::move(decision));
            co_return;
        }
        bool keep_alive = req.keep_alive() && !state->stopping.load();
        auto res = convertResponse(safeHandle(state->app, request), req.version(), keep_alive,
                                   req.method() == http::verb::head);
        keep_alive = res.keep_alive();
        beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
        co_await http::async_write(stream, res, asio::redirect_error(kAwait, ec));
        if (ec || !keep_alive) break;
    }
    co_await closeStream(stream);
    state->remove(id);
}

}  // namespace

struct HttpServer::Impl {
    ServerOptions options;
    std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
    asio::io_context ioc;
    ssl::context ssl_ctx{ssl::context::tls_server};
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool started = false;
    bool stopped = false;

    explicit Impl(ServerOptions opts)
        : options(std::move(opts)), ioc(static_cast<int>(std::max(1u, options.threads))) {}

    asio::awaitable<void> acceptLoop() {
        for (;;) {
            beast::error_code ec;
            tcp::socket socket(asio::make_strand(ioc));
            co_await acceptor->async_accept(socket, asio::redirect_error(kAwait, ec));
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
                continue;  // e.g. EMFILE: keep serving the connections we have
            }
            socket.set_option(tcp::no_delay(true), ec);
            auto executor = socket.get_executor();
            if (state->tls) {
                auto conn = std::make_shared<HttpConnection<TlsStream>>(
                    TlsStream(beast::tcp_stream(std::move(socket)), ssl_ctx));
                asio::co_spawn(executor, serveHttp<TlsStream>(state, conn), asio::detached);
            } else {
                auto conn =
                    std::make_shared<HttpConnection<PlainStream>>(PlainStream(std::move(socket)));
                asio::co_spawn(executor, serveHttp<PlainStream>(state, conn), asio::detached);
            }
        }
    }
};

HttpServer::HttpServer(ServerOptions options, Application app)
    : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->state->app = std::move(app);
    impl_->state->limits = impl_->options.limits;
}

HttpServer::~HttpServer() {
    stop();
}

model::Result<std::uint16_t> HttpServer::start() {
    using model::ErrorCode;
    if (impl_->started) return model::makeError(ErrorCode::Conflict, "server already started");
    auto hp = splitHostPort(impl_->options.listen);
    if (!hp.ok()) return hp.error();
    beast::error_code ec;
    auto address = asio::ip::make_address(hp->first == "localhost" ? "127.0.0.1" : hp->first, ec);
    if (ec) {
        return model::makeError(ErrorCode::InvalidArgument,
                                "invalid listen address '" + hp->first + "'");
    }
    if (!impl_->options.tls_cert_file.empty() || !impl_->options.tls_key_file.empty()) {
        auto& ctx = impl_->ssl_ctx;
        ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1,
                        ec);
        ctx.use_certificate_chain_file(impl_->options.tls_cert_file, ec);
        if (!ec) ctx.use_private_key_file(impl_->options.tls_key_file, ssl::context::pem, ec);
        if (ec) {
            return model::makeError(ErrorCode::InvalidArgument,
                                    "cannot load TLS certificate/key: " + ec.message());
        }
        impl_->state->tls = true;
    }
    tcp::endpoint endpoint(address, hp->second);
    impl_->acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(impl_->ioc));
    auto& acc = *impl_->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return model::makeError(ErrorCode::Unavailable,
                                "cannot listen on " + impl_->options.listen + ": " + ec.message());
    }
    impl_->port = acc.local_endpoint(ec).port();
    asio::co_spawn(acc.get_executor(), impl_->acceptLoop(), asio::detached);
    impl_->started = true;
    for (unsigned i = 0; i < std::max(1u, impl_->options.threads); ++i) {
        impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    }
    return impl_->port;
}

void HttpServer::stop() {
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    auto& state = *impl_->state;
    state.stopping.store(true);
    asio::post(impl_->acceptor->get_executor(), [this] {
        beast::error_code ec;
        impl_->acceptor->close(ec);
    });
    std::vector<std::shared_ptr<Closable>> live;
    {
        std::lock_guard lock(state.mutex);
        for (auto& [id, weak] : state.sessions) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
    }
    for (auto& s : live) s->shutdown();
    live.clear();
    auto deadline = std::chrono::steady_clock::now() + state.limits.shutdown_grace;
    while (state.count() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    impl_->ioc.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
}

std::uint16_t HttpServer::port() const {
    return impl_->port;
}
bool HttpServer::tls() const {
    return impl_->state->tls;
}
std::size_t HttpServer::activeConnections() const {
    return impl_->state->count();
}

}  // namespace skydive::server
