#include "api/metrics.h"

#include <fmt/format.h>

namespace skydive::server {

void Metrics::observeRequest(std::string_view method, int status,
                             std::chrono::nanoseconds latency) {
    double seconds = std::chrono::duration<double>(latency).count();
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(method), status}];
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets[i]) ++latency_.buckets[i];
    }
    ++latency_.count;
    latency_.sum += seconds;
}

void Metrics::wsConnected(std::string_view endpoint) {
    std::lock_guard lock(mutex_);
    ++ws_clients_[std::string(endpoint)];
}

void Metrics::wsDisconnected(std::string_view endpoint) {
    std::lock_guard lock(mutex_);
    --ws_clients_[std::string(endpoint)];
}

void Metrics::wsDropped() {
    std::lock_guard lock(mutex_);
    ++ws_dropped_;
}

void Metrics::addGauge(std::string name, std::string help, std::function<double()> read) {
    std::lock_guard lock(mutex_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
    std::vector<Gauge> gauges;
    std::string out;
    {
        std::lock_guard lock(mutex_);
        gauges = gauges_;
        out += "# HELP skydive_http_requests_total HTTP requests by method and status.\n";
        out += "# TYPE skydive_http_requests_total counter\n";
        for (const auto& [key, n] : requests_) {
            out += fmt::format("skydive_http_requests_total{{method=\"{}\",code=\"{}\"}} {}\n",
                               key.first, key.second, n);
        }
        out += "# HELP skydive_http_request_duration_seconds HTTP request latency.\n";
        out += "# TYPE skydive_http_request_duration_seconds histogram\n";
        for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            out += fmt::format("skydive_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                               kLatencyBuckets[i], latency_.buckets[i]);
        }
        out += fmt::format("skydive_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                           latency_.count);
        out += fmt::format("skydive_http_request_duration_seconds_sum {}\n", latency_.sum);
        out += fmt::format("skydive_http_request_duration_seconds_count {}\n", latency_.count);
        out += "# HELP skydive_websocket_clients Connected WebSocket clients by endpoint.\n";
        out += "# TYPE skydive_websocket_clients gauge\n";
        for (const auto& [endpoint, n] : ws_clients_) {
            out += fmt::format("skydive_websocket_clients{{endpoint=\"{}\"}} {}\n", endpoint, n);
        }
        out += "# HELP skydive_websocket_dropped_total Slow WebSocket clients disconnected.\n";
        out += "# TYPE skydive_websocket_dropped_total counter\n";
        out += fmt::format("skydive_websocket_dropped_total {}\n", ws_dropped_);
    }
    for (const auto& g : gauges) {
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                           g.read());
    }
    return out;
}

}  // namespace skydive::server
