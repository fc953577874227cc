#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace skydive::server {

/// Counters and gauges exposed on /metrics in the Prometheus text format (version 0.0.4).
class Metrics {
public:
    /// Upper bounds (seconds) of the request latency histogram.
    static constexpr std::array<double, 10> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                               0.025,  0.05,  0.1,    0.5,   1.0};

    void observeRequest(std::string_view method, int status, std::chrono::nanoseconds latency);
    void wsConnected(std::string_view endpoint);
    void wsDisconnected(std::string_view endpoint);
    void wsDropped();
    /// A gauge read at scrape time (graph size, store size).
    void addGauge(std::string name, std::string help, std::function<double()> read);

    std::string render() const;

private:
    struct Histogram {
        std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    Histogram latency_;
    std::map<std::string, std::int64_t> ws_clients_;
    std::uint64_t ws_dropped_ = 0;
    struct Gauge {
        std::string name, help;
        std::function<double()> read;
    };
    std::vector<Gauge> gauges_;
};

}  // namespace skydive::server
