// Blocking HTTP and WebSocket clients on Beast. Every operation is asynchronous underneath and
// driven with io_context::run_for, so that each one has a deadline (Beast's synchronous calls
// have none). Beast stays in this one translation unit.
#include <utility>  // before Asio (toolchain.md §3)

#include <skydive/client/http_client.h>

#include <algorithm>
#include <cctype>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace skydive::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using model::ErrorCode;
using model::makeError;

std::optional<std::string_view> Response::header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
        if (k == lower_name) return std::string_view(v);
    }
    return std::nullopt;
}

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string base64(std::string_view in) {
    std::string out(beast::detail::base64::encoded_size(in.size()), '\0');
    out.resize(beast::detail::base64::encode(out.data(), in.data(), in.size()));
    return out;
}

/// Runs one asynchronous operation with a deadline; on timeout `abort` is called and the
/// operation drained. Returns the operation's error (timed_out on timeout).
template <class Start, class Abort>
beast::error_code runTimed(asio::io_context& ioc, std::chrono::milliseconds timeout, Start start,
                           Abort abort) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
        result = ec;
        done = true;
    });
    auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc.restart();
    while (!done) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped()) ioc.restart();
    }
    if (!done) {
        abort();
        while (!done) {
            ioc.restart();
            ioc.run_one();
        }
        return asio::error::timed_out;
    }
    return result;
}

model::Error ioError(std::string_view what, const beast::error_code& ec) {
    if (ec == asio::error::timed_out)
        return makeError(ErrorCode::Timeout, std::string(what) + ": timed out");
    return makeError(ErrorCode::Unavailable, std::string(what) + ": " + ec.message());
}

/// One connection, plain or TLS.
struct Connection {
    asio::io_context& ioc;
    ssl::context& ctx;
    const ClientOptions& options;
    std::variant<std::monostate, PlainStream, TlsStream> stream;

    beast::tcp_stream& lowest() {
        if (auto* p = std::get_if<PlainStream>(&stream)) return *p;
        return beast::get_lowest_layer(std::get<TlsStream>(stream));
    }
    void abort() {
        beast::error_code ec;
        lowest().socket().close(ec);
    }

    model::Status open(std::string_view host, std::string_view port) {
        tcp::resolver resolver(ioc);
        beast::error_code ec;
        auto results = resolver.resolve(std::string(host), std::string(port), ec);
        if (ec) return ioError("cannot resolve " + options.address, ec);
        if (options.tls) {
            stream.emplace<TlsStream>(ioc, ctx);
            auto& s = std::get<TlsStream>(stream);
            SSL_set_tlsext_host_name(s.native_handle(), std::string(host).c_str());
        } else {
            stream.emplace<PlainStream>(ioc);
        }
        ec = runTimed(
            ioc, options.timeout,
            [&](auto h) { lowest().socket().async_connect(*results.begin(), h); },
            [&] { abort(); });
        if (ec) return ioError("cannot connect to " + options.address, ec);
        // Small requests and WebSocket frames go out at once: with Nagle, a frame written while
        // the previous one is unacknowledged waits for the peer's delayed ACK (~40 ms).
        lowest().socket().set_option(tcp::no_delay(true), ec);
        if (auto* s = std::get_if<TlsStream>(&stream)) {
            ec = runTimed(
                ioc, options.timeout,
                [&](auto h) { s->async_handshake(ssl::stream_base::client, h); }, [&] { abort(); });
            if (ec) return ioError("TLS handshake with " + options.address, ec);
        }
        return {};
    }

    template <class Fn>
    auto visit(Fn&& fn) {
        if (auto* p = std::get_if<PlainStream>(&stream)) return fn(*p);
        return fn(std::get<TlsStream>(stream));
    }
};

Headers collectHeaders(const http::fields& fields) {
    Headers out;
    for (const auto& f : fields) {
        out.emplace_back(lower(std::string_view(f.name_string().data(), f.name_string().size())),
                         std::string(f.value()));
    }
    return out;
}

model::Result<std::pair<std::string, std::string>> splitAddress(std::string_view addr) {
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == addr.size())
        return makeError(ErrorCode::InvalidArgument,
                         "invalid analyzer address '" + std::string(addr) + "' (want host:port)");
    std::string host(addr.substr(0, colon));
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";
    return std::pair<std::string, std::string>(host, std::string(addr.substr(colon + 1)));
}

void configureTls(ssl::context& ctx, const ClientOptions& options) {
    beast::error_code ec;
    if (options.insecure) {
        ctx.set_verify_mode(ssl::verify_none, ec);
    } else {
        ctx.set_verify_mode(ssl::verify_peer, ec);
        if (!options.ca_file.empty()) {
            ctx.load_verify_file(options.ca_file, ec);
        } else {
            ctx.set_default_verify_paths(ec);
        }
    }
}

void addAuth(http::fields& fields, const ClientOptions& options) {
    if (!options.username.empty()) {
        fields.set(http::field::authorization,
                   "Basic " + base64(options.username + ":" + options.password));
    } else if (!options.auth_token.empty()) {
        fields.set(http::field::cookie, "authtoken=" + options.auth_token);
    }
}

}  // namespace

struct HttpClient::Impl {
    ClientOptions options;
    asio::io_context ioc;
    ssl::context ctx{ssl::context::tls_client};
    Connection conn{ioc, ctx, options, {}};
    beast::flat_buffer buffer;
    std::string host, port;

    model::Status ensureOpen() {
        if (!std::holds_alternative<std::monostate>(conn.stream) &&
            conn.lowest().socket().is_open())
            return {};
        buffer.clear();
        return conn.open(host, port);
    }

    model::Result<Response> readResponse() {
        http::response_parser<http::string_body> parser;
        parser.body_limit(1ull << 32);
        auto ec = conn.visit([&](auto& s) {
            return runTimed(
                ioc, options.timeout, [&](auto h) { http::async_read(s, buffer, parser, h); },
                [&] { conn.abort(); });
        });
        if (ec) {
            conn.abort();
            return ioError("reading the response from " + options.address, ec);
        }
        auto res = parser.release();
        Response out;
        out.status = static_cast<int>(res.result_int());
        out.headers = collectHeaders(res.base());
        out.body = std::move(res.body());
        if (!res.keep_alive()) conn.abort();
        return out;
    }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    configureTls(impl_->ctx, impl_->options);
    if (auto hp = splitAddress(impl_->options.address); hp.ok()) {
        impl_->host = hp->first;
        impl_->port = hp->second;
    }
}

HttpClient::~HttpClient() = default;

model::Result<Response> HttpClient::request(std::string_view method, std::string_view target,
                                            std::string body, const Headers& headers) {
    if (auto hp = splitAddress(impl_->options.address); !hp.ok()) return hp.error();
    for (int attempt = 0; attempt < 2; ++attempt) {
        bool reused = !std::holds_alternative<std::monostate>(impl_->conn.stream) &&
                      impl_->conn.lowest().socket().is_open();
        if (auto st = impl_->ensureOpen(); !st.ok()) return st.error();
        http::request<http::string_body> req;
        req.method_string(beast::string_view(method.data(), method.size()));
        req.target(beast::string_view(target.data(), target.size()));
        req.version(11);
        req.set(http::field::host, impl_->options.address);
        req.set(http::field::user_agent, "skydive-client");
        addAuth(req.base(), impl_->options);
        for (const auto& [k, v] : headers) req.insert(k, v);
        req.body() = body;
        req.prepare_payload();
        auto ec = impl_->conn.visit([&](auto& s) {
            return runTimed(
                impl_->ioc, impl_->options.timeout, [&](auto h) { http::async_write(s, req, h); },
                [&] { impl_->conn.abort(); });
        });
        if (ec) {
            impl_->conn.abort();
            if (reused) continue;  // the server closed an idle keep-alive connection
            return ioError("sending to " + impl_->options.address, ec);
        }
        auto res = impl_->readResponse();
        if (!res.ok() && reused && res.error().code == ErrorCode::Unavailable) continue;
        return res;
    }
    return makeError(ErrorCode::Unavailable, "cannot reach " + impl_->options.address);
}

model::Result<Response> HttpClient::rawExchange(std::string_view bytes) {
    if (auto st = impl_->ensureOpen(); !st.ok()) return st.error();
    auto ec = impl_->conn.visit([&](auto& s) {
        return runTimed(
            impl_->ioc, impl_->options.timeout,
            [&](auto h) { asio::async_write(s, asio::buffer(bytes.data(), bytes.size()), h); },
            [&] { impl_->conn.abort(); });
    });
    if (ec) return ioError("sending", ec);
    return impl_->readResponse();
}

struct WsClient::Impl {
    ClientOptions options;
    asio::io_context ioc;
    ssl::context ctx{ssl::context::tls_client};
    std::variant<std::monostate, websocket::stream<PlainStream>, websocket::stream<TlsStream>> ws;
    beast::flat_buffer buffer;
    Headers handshake;
    bool reading = false;
    bool read_done = false;
    bool last_binary = false;
    beast::error_code read_ec;

    model::Status write(std::string_view data, bool binary);

    template <class Fn>
    auto visit(Fn&& fn) {
        if (auto* p = std::get_if<websocket::stream<PlainStream>>(&ws)) return fn(*p);
        return fn(std::get<websocket::stream<TlsStream>>(ws));
    }
    void abort() {
        visit([](auto& s) {
            beast::error_code ec;
            beast::get_lowest_layer(s).socket().close(ec);
            return 0;
        });
    }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() {
    close();
}

model::Result<std::unique_ptr<WsClient>> WsClient::connect(const ClientOptions& options,
                                                           std::string_view target,
                                                           const Headers& headers) {
    auto hp = splitAddress(options.address);
    if (!hp.ok()) return hp.error();
    std::unique_ptr<WsClient> client(new WsClient());
    auto& impl = *client->impl_;
    impl.options = options;
    configureTls(impl.ctx, impl.options);
    Connection conn{impl.ioc, impl.ctx, impl.options, {}};
    if (auto st = conn.open(hp->first, hp->second); !st.ok()) return st.error();
    if (auto* p = std::get_if<PlainStream>(&conn.stream)) {
        impl.ws.emplace<websocket::stream<PlainStream>>(std::move(*p));
    } else {
        impl.ws.emplace<websocket::stream<TlsStream>>(std::move(std::get<TlsStream>(conn.stream)));
    }
    websocket::response_type res;
    auto ec = impl.visit([&](auto& s) {
        s.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
            addAuth(req, impl.options);
            for (const auto& [k, v] : headers) req.insert(k, v);
        }));
        s.read_message_max(0);
        return runTimed(
            impl.ioc, impl.options.timeout,
            [&](auto h) {
                s.async_handshake(res, options.address,
                                  beast::string_view(target.data(), target.size()), h);
            },
            [&] { impl.abort(); });
    });
    if (ec) {
        if (res.result_int() != 0 && res.result_int() != 101) {
            return makeError(ErrorCode::Unavailable,
                             std::to_string(res.result_int()) + " websocket upgrade refused");
        }
        return ioError("websocket handshake with " + options.address, ec);
    }
    impl.handshake = collectHeaders(res.base());
    return client;
}

model::Status WsClient::send(std::string_view text) {
    return impl_->write(text, false);
}

model::Status WsClient::sendBinary(std::string_view bytes) {
    return impl_->write(bytes, true);
}

bool WsClient::lastWasBinary() const {
    return impl_->last_binary;
}

model::Status WsClient::Impl::write(std::string_view text, bool binary) {
    auto* impl_ = this;
    auto ec = impl_->visit([&](auto& s) {
        s.binary(binary);
        return runTimed(
            impl_->ioc, impl_->options.timeout,
            [&](auto h) { s.async_write(asio::buffer(text.data(), text.size()), h); },
            [&] { impl_->abort(); });
    });
    if (ec) return ioError("websocket send", ec);
    return {};
}

model::Result<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    if (std::holds_alternative<std::monostate>(impl.ws))
        return makeError(ErrorCode::Unavailable, "websocket closed");
    // A read that times out stays pending: the next receive() continues it, so a timeout does
    // not break the connection.
    if (!impl.reading) {
        impl.buffer.clear();
        impl.read_done = false;
        impl.reading = true;
        impl.visit([&](auto& s) {
            s.async_read(impl.buffer, [&impl](beast::error_code ec, std::size_t) {
                impl.read_ec = ec;
                impl.read_done = true;
            });
            return 0;
        });
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    impl.ioc.restart();
    while (!impl.read_done) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        if (impl.ioc.run_one_for(deadline - now) == 0 && impl.ioc.stopped()) impl.ioc.restart();
    }
    if (!impl.read_done) return makeError(ErrorCode::Timeout, "websocket receive: timed out");
    impl.reading = false;
    if (impl.read_ec) return ioError("websocket receive", impl.read_ec);
    impl.last_binary = impl.visit([](auto& s) { return s.got_binary(); });
    return beast::buffers_to_string(impl.buffer.data());
}

const Headers& WsClient::handshakeHeaders() const {
    return impl_->handshake;
}

void WsClient::close() {
    if (!impl_ || std::holds_alternative<std::monostate>(impl_->ws)) return;
    impl_->visit([&](auto& s) {
        if (s.is_open() && !impl_->reading) {
            (void)runTimed(
                impl_->ioc, std::chrono::milliseconds(500),
                [&](auto h) { s.async_close(websocket::close_code::normal, h); },
                [&] { impl_->abort(); });
        }
        return 0;
    });
    impl_->ws.emplace<std::monostate>();
}

}  // namespace skydive::client
