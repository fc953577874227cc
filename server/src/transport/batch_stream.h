// Private to websocket_session.cpp: the layer between a Beast WebSocket stream and its TCP/TLS
// stream that lets a session write many ready-made frames in one gather write.
#pragma once

#include "transport/transport.h"

#include <array>
#include <string>
#include <vector>

namespace skydive::server::transport {

/// Server→client unmasked frames, framed and copied into one contiguous buffer: one buffer
/// means one sendmsg per batch (a gather list of two buffers per frame was split by Asio into
/// 64-buffer writes, several syscalls per batch). Copying a few hundred KiB costs far less than
/// the syscalls it saves.
class FrameBatch {
public:
    /// Appends one single-frame text (or binary) message (FIN set, no mask), byte for byte what
    /// Beast writes for a message no longer than its write buffer.
    void add(std::shared_ptr<const std::string> payload, bool binary) {
        std::size_t n = payload->size();
        char h[10];
        std::size_t len = 0;
        h[len++] = static_cast<char>(binary ? 0x82 : 0x81);
        if (n < 126) {
            h[len++] = static_cast<char>(n);
        } else if (n <= 0xFFFF) {
            h[len++] = static_cast<char>(126);
            h[len++] = static_cast<char>((n >> 8) & 0xFF);
            h[len++] = static_cast<char>(n & 0xFF);
        } else {
            h[len++] = static_cast<char>(127);
            for (int i = 7; i >= 0; --i) h[len++] = static_cast<char>((n >> (8 * i)) & 0xFF);
        }
        if (count_ == 0) first_ = payload;
        bytes_.append(h, len);
        bytes_.append(*payload);
        ++count_;
    }
    std::size_t size() const { return count_; }
    const std::string& front() const { return *first_; }
    void clear() {
        bytes_.clear();  // keeps its capacity for the next batch
        first_.reset();
        count_ = 0;
    }
    /// The framed bytes; valid until the batch changes.
    std::vector<asio::const_buffer> buffers() const { return {asio::buffer(bytes_)}; }

private:
    std::string bytes_;
    std::shared_ptr<const std::string> first_;
    std::size_t count_ = 0;
};

/// Forwards everything to `Next`, except that one write can be replaced by a prepared batch:
/// the session asks Beast to write a one-byte message whose payload is this layer's marker, and
/// this layer writes the batch instead of that frame (recognised by the marker's address, so no
/// other frame can be taken for it). Beast holds its write lock for the whole batch, so its own
/// control frames (pong, close, keep-alive ping) never interleave with batched frames.
template <class Next>
class BatchStream {
public:
    using next_layer_type = Next;
    using executor_type = typename Next::executor_type;

    explicit BatchStream(Next&& next) : next_(std::move(next)) {}

    Next& next_layer() { return next_; }
    const Next& next_layer() const { return next_; }
    executor_type get_executor() { return next_.get_executor(); }

    /// Arms `buffers` (kept alive by the caller until the write completes) and returns the
    /// message to give Beast's async_write.
    asio::const_buffer arm(std::vector<asio::const_buffer> buffers) {
        armed_ = std::move(buffers);
        return asio::const_buffer(&marker_, 1);
    }
    void disarm() { armed_.clear(); }

    template <class Buffers, class Handler>
    auto async_read_some(const Buffers& b, Handler&& h) {
        return next_.async_read_some(b, std::forward<Handler>(h));
    }

    template <class Buffers, class Handler>
    auto async_write_some(const Buffers& b, Handler&& h) {
        if (armed_.empty() || !carriesMarker(b))
            return next_.async_write_some(b, std::forward<Handler>(h));
        std::size_t replaced = asio::buffer_size(b);
        auto list = std::make_shared<std::vector<asio::const_buffer>>(std::move(armed_));
        armed_.clear();
        return asio::async_write(next_, *list,
                                 [list, replaced, h = std::forward<Handler>(h)](
                                     beast::error_code ec, std::size_t) mutable {
                                     h(ec, ec ? std::size_t{0} : replaced);
                                 });
    }

private:
    template <class Buffers>
    bool carriesMarker(const Buffers& b) const {
        for (auto it = asio::buffer_sequence_begin(b); it != asio::buffer_sequence_end(b); ++it) {
            asio::const_buffer c = *it;
            if (c.data() == &marker_ && c.size() == 1) return true;
        }
        return false;
    }

    Next next_;
    std::vector<asio::const_buffer> armed_;
    char marker_ = 0;
};

template <class Next>
void teardown(beast::role_type role, BatchStream<Next>& s, beast::error_code& ec) {
    using beast::websocket::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(beast::role_type role, BatchStream<Next>& s, Handler&& h) {
    using beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<Handler>(h));
}

}  // namespace skydive::server::transport
