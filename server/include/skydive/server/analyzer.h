#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <skydive/model/clock.h>
#include <skydive/model/result.h>
#include <skydive/server/config.h>
#include <skydive/server/http_server.h>

namespace skydive::server {

struct AnalyzerOptions {
    std::string data_dir;  ///< embedded store directory; empty = memory only
    std::string version = "unknown";
    unsigned threads = 2;
    ServerLimits limits;  ///< http.ws.* keys override the WebSocket ones
    /// How often agents without a recent pong are expired (spec §5.3: every 5 s).
    std::chrono::milliseconds agent_expiry_interval{5000};
};

/// The analyzer composition (spec §0): live graph + store, Gremlin engine, REST and WebSocket
/// API, auth and TLS, served by the Beast transport on `analyzer.listen`.
class Analyzer {
public:
    /// Reads analyzer.listen, host_id, auth.*, tls.*, http.ws.* from the configuration and opens
    /// the store. Errors: InvalidArgument (configuration), Unavailable/Corruption (store).
    static model::Result<std::unique_ptr<Analyzer>> create(const Config& config,
                                                           AnalyzerOptions options,
                                                           const model::Clock& clock);
    ~Analyzer();

    /// Starts listening; returns the bound port.
    model::Result<std::uint16_t> start();
    /// Stops the transport, then flushes and closes the store. Idempotent.
    void stop();
    std::uint16_t port() const;

private:
    Analyzer();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::server
