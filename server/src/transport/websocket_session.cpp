// WebSocket sessions: a reader coroutine that hands each text message to the application and a
// writer coroutine draining a bounded queue. send() never blocks: when the queue is full the
// connection is dropped (ARCHITECTURE.md "Server": a slow client is dropped, never the server).
#include "transport/batch_stream.h"
#include "transport/transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <deque>

#include <spdlog/spdlog.h>

namespace skydive::server::transport {

namespace {

constexpr auto kAwait = asio::use_awaitable;

template <class Stream>
class WsSession final : public WsConnection,
                        public Closable,
                        public std::enable_shared_from_this<WsSession<Stream>> {
public:
    using WebSocketStream = websocket::stream<BatchStream<Stream>>;

    WsSession(std::shared_ptr<ServerState> state, Stream stream, bool binary)
        : binary_(binary),
          state_(std::move(state)),
          ws_(std::move(stream)),
          wake_(ws_.get_executor()),
          linger_(ws_.get_executor()) {}

    bool send(std::shared_ptr<const std::string> text) override {
        if (closed_.load(std::memory_order_acquire)) return false;
        bool was_empty = false;
        bool overflow = false;
        {
            std::lock_guard lock(mutex_);
            if (queue_.size() >= state_->limits.ws_queue_depth) {
                overflow = true;
            } else {
                was_empty = queue_.empty();
                queue_.push_back(std::move(text));
            }
        }
        if (overflow) {
            abort();
            return false;
        }
        if (was_empty) {
            auto self = this->shared_from_this();
            asio::post(ws_.get_executor(), [self] { self->wake_.cancel(); });
        }
        return true;
    }

    void close() override { shutdown(); }
    bool closed() const override { return closed_.load(std::memory_order_acquire); }

    /// Graceful close: a close frame once the queue is written (server stop, application).
    void shutdown() override {
        if (closed_.exchange(true)) return;
        auto self = this->shared_from_this();
        asio::post(ws_.get_executor(), [self] { self->wake_.cancel(); });
    }

    void setHandler(std::shared_ptr<WsHandler> h) { handler_ = std::move(h); }
    WebSocketStream& stream() { return ws_; }

    asio::awaitable<void> readLoop() {
        beast::flat_buffer buffer;
        beast::error_code ec;
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::pong && handler_) handler_->onPong();
        });
        for (;;) {
            co_await ws_.async_read(buffer, asio::redirect_error(kAwait, ec));
            if (ec) break;
            if (handler_) {
                auto data = buffer.cdata();
                handler_->onMessage(
                    std::string_view(static_cast<const char*>(data.data()), data.size()));
            }
            buffer.consume(buffer.size());
        }
        closed_.store(true, std::memory_order_release);
        read_done_ = true;
        wake_.cancel();
        closeHandler();
        co_return;
    }

    void closeHandler() {
        if (handler_) {
            handler_->onClose();
            handler_.reset();  // breaks the handler → connection → handler cycle
        }
    }

    asio::awaitable<void> writeLoop() {
        beast::error_code ec;
        ws_.binary(binary_);
        FrameBatch batch;
        for (;;) {
            bool empty = false;
            {
                std::lock_guard lock(mutex_);
                empty = queue_.empty();
            }
            if (empty) {
                if (closed_.load(std::memory_order_acquire)) break;
                wake_.expires_at(asio::steady_timer::time_point::max());
                co_await wake_.async_wait(asio::redirect_error(kAwait, ec));
                continue;
            }
            // Events keep coming (the last write was less than kLinger ago): let the queue
            // fill until kLinger after that write, so that a subscriber gets one write (one
            // syscall, one reader wake-up) per kLinger instead of one per event. A writer that
            // has been idle writes at once; a full batch does not wait.
            auto now = asio::steady_timer::clock_type::now();
            if (now - last_write_ < kLinger && !closed_.load(std::memory_order_acquire) &&
                queued() < kMaxBatchFrames) {
                linger_.expires_at(last_write_ + kLinger);
                co_await linger_.async_wait(asio::redirect_error(kAwait, ec));
            }
            std::shared_ptr<const std::string> single;
            bool more = false;
            {
                // Several frames go out in one write instead of one Beast write (and one
                // syscall) each. A message Beast would fragment is written on its own, through
                // Beast.
                std::lock_guard lock(mutex_);
                const std::size_t max_frame = ws_.write_buffer_bytes();
                std::size_t bytes = 0;
                while (!queue_.empty() && batch.size() < kMaxBatchFrames &&
                       bytes < kMaxBatchBytes && queue_.front()->size() <= max_frame) {
                    bytes += queue_.front()->size();
                    batch.add(std::move(queue_.front()), binary_);
                    queue_.pop_front();
                }
                if (batch.size() == 0 && !queue_.empty()) {
                    single = std::move(queue_.front());
                    queue_.pop_front();
                }
                more = !queue_.empty();
            }
            // While a backlog is written, TCP_CORK lets the kernel pack many small frames into
            // full segments (far fewer packets and receiver wake-ups); uncorking flushes.
            setCork(more);
            if (batch.size() == 1) {
                co_await ws_.async_write(asio::buffer(batch.front()),
                                         asio::redirect_error(kAwait, ec));
            } else if (batch.size() > 1) {
                auto marker = ws_.next_layer().arm(batch.buffers());
                co_await ws_.async_write(marker, asio::redirect_error(kAwait, ec));
                ws_.next_layer().disarm();
            } else if (single) {
                co_await ws_.async_write(asio::buffer(*single), asio::redirect_error(kAwait, ec));
            }
            last_write_ = asio::steady_timer::clock_type::now();
            batch.clear();
            if (ec) {
                closed_.store(true, std::memory_order_release);
                break;
            }
        }
        if (!read_done_ && !aborted_ && ws_.is_open()) {
            co_await ws_.async_close(websocket::close_code::going_away,
                                     asio::redirect_error(kAwait, ec));
        }
        std::lock_guard lock(mutex_);
        queue_.clear();
    }

private:
    static constexpr std::size_t kMaxBatchFrames = 512;
    static constexpr std::size_t kMaxBatchBytes = 256 * 1024;
    static constexpr std::chrono::microseconds kLinger{10000};

    std::size_t queued() {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }

    void setCork(bool on) {
        if (on == corked_) return;
        corked_ = on;
        int v = on ? 1 : 0;
        ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK,
                     &v, sizeof v);
    }

    /// Drops the connection at once, whatever is being written.
    void abort() {
        closed_.store(true, std::memory_order_release);
        auto self = this->shared_from_this();
        asio::post(ws_.get_executor(), [self] {
            self->aborted_ = true;
            self->wake_.cancel();
            beast::get_lowest_layer(self->ws_).close();
        });
    }

    const bool binary_;
    std::shared_ptr<ServerState> state_;
    WebSocketStream ws_;
    asio::steady_timer wake_;
    asio::steady_timer linger_;
    asio::steady_timer::time_point last_write_{};  // strand only
    std::shared_ptr<WsHandler> handler_;
    std::mutex mutex_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    std::atomic<bool> closed_{false};
    bool read_done_ = false;  // strand only
    bool aborted_ = false;    // strand only
    bool corked_ = false;     // strand only
};

template <class Stream>
asio::awaitable<void> writeLoopOf(std::shared_ptr<WsSession<Stream>> session) {
    co_await session->writeLoop();  // the parameter keeps the session alive until the end
}

}  // namespace

template <class Stream>
asio::awaitable<void> runWebSocket(std::shared_ptr<ServerState> state, Stream stream,
                                   BeastRequest request, WsDecision decision) {
    auto session =
        std::make_shared<WsSession<Stream>>(state, std::move(stream), decision.binary_frames);
    auto& ws = session->stream();
    const ServerLimits& limits = state->limits;
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits.request_timeout;
    timeouts.idle_timeout = limits.ws_idle_timeout;
    timeouts.keep_alive_pings = true;  // pings at half the idle timeout
    ws.set_option(timeouts);
    ws.read_message_max(limits.ws_max_message_bytes);
    auto extra = std::move(decision.response.headers);
    ws.set_option(websocket::stream_base::decorator([extra](websocket::response_type& res) {
        for (const auto& [name, value] : extra) res.insert(name, value);
        res.set(http::field::server, "skydive");
    }));
    // The handler subscribes before the handshake completes, so a client holding its 101
    // response gets every event published after it; what it queues is written after the
    // handshake by the write loop.
    std::shared_ptr<WsHandler> handler;
    try {
        handler = decision.make_handler(session);
    } catch (const std::exception& e) {
        spdlog::error("websocket handler creation failed: {}", e.what());
    }
    session->setHandler(handler);
    beast::error_code ec;
    co_await ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        session->closeHandler();
        co_return;
    }
    auto id = state->add(session);
    if (state->stopping.load() || !handler) session->shutdown();
    auto executor = ws.get_executor();
    asio::co_spawn(executor, writeLoopOf<Stream>(session), asio::detached);
    co_await session->readLoop();
    state->remove(id);
}

template asio::awaitable<void> runWebSocket<PlainStream>(std::shared_ptr<ServerState>, PlainStream,
                                                         BeastRequest, WsDecision);
template asio::awaitable<void> runWebSocket<TlsStream>(std::shared_ptr<ServerState>, TlsStream,
                                                       BeastRequest, WsDecision);

}  // namespace skydive::server::transport
