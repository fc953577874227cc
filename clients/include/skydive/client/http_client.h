#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skydive/model/result.h>

namespace skydive::client {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Where and how to reach an analyzer (spec §8.3 client flags).
struct ClientOptions {
    std::string address = "127.0.0.1:8082";  ///< host:port
    bool tls = false;
    bool insecure = false;  ///< skip certificate verification
    std::string ca_file;
    std::string username;  ///< Basic credentials when not empty
    std::string password;
    std::string auth_token;  ///< sent as the `authtoken` cookie when not empty
    std::chrono::milliseconds timeout{10'000};
};

struct Response {
    int status = 0;
    Headers headers;  ///< names lower-cased
    std::string body;
    std::optional<std::string_view> header(std::string_view lower_name) const;
};

/// A blocking HTTP/1.1 client over one keep-alive connection (reconnects when the server closed
/// it). Errors: Unavailable (connect/IO), Timeout, InvalidArgument (bad address).
class HttpClient {
public:
    explicit HttpClient(ClientOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    model::Result<Response> request(std::string_view method, std::string_view target,
                                    std::string body = {}, const Headers& headers = {});
    /// Sends raw bytes and reads one response (tests of malformed and pipelined input).
    model::Result<Response> rawExchange(std::string_view bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A blocking WebSocket client (text frames; binary ones for the protobuf protocol).
class WsClient {
public:
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// Opens `target` (e.g. `/ws/subscriber`). A refused upgrade is an error whose message
    /// starts with the HTTP status ("401 ...").
    static model::Result<std::unique_ptr<WsClient>> connect(const ClientOptions& options,
                                                            std::string_view target,
                                                            const Headers& headers = {});
    model::Status send(std::string_view text);
    model::Status sendBinary(std::string_view bytes);
    /// Next data message (text or binary); Timeout when none arrives in time, Unavailable once
    /// closed.
    model::Result<std::string> receive(std::chrono::milliseconds timeout);
    /// Whether the last message receive() returned was a binary frame.
    bool lastWasBinary() const;
    /// The 101 response headers (lower-cased names).
    const Headers& handshakeHeaders() const;
    void close();

private:
    WsClient();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::client
