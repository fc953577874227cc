// An in-process analyzer on 127.0.0.1, port 0, for the API tests.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <skydive/client/http_client.h>
#include <skydive/model/clock.h>
#include <skydive/server/analyzer.h>
#include <skydive/server/config.h>

namespace skydive::server::testing {

constexpr model::Time kStart = 1700000000000;

class TestAnalyzer {
public:
    /// `yaml` is merged over the defaults; analyzer.listen is forced to 127.0.0.1:0.
    explicit TestAnalyzer(const std::string& yaml = "", AnalyzerOptions options = {})
        : clock_(kStart) {
        config_.setEnvironment({});
        if (!yaml.empty()) {
            auto st = config_.loadString(yaml);
            EXPECT_TRUE(st.ok()) << st.error().message;
        }
        config_.setFlag("analyzer.listen", "127.0.0.1:0");
        config_.setFlag("host_id", "test-host");
        options.version = "test";
        auto a = Analyzer::create(config_, options, clock_);
        if (!a.ok()) {
            error_ = a.error().message;
            return;
        }
        analyzer_ = std::move(a).value();
        auto port = analyzer_->start();
        if (!port.ok()) {
            error_ = port.error().message;
            return;
        }
        port_ = *port;
    }
    ~TestAnalyzer() {
        if (analyzer_) analyzer_->stop();
    }

    bool ok() const { return port_ != 0; }
    const std::string& error() const { return error_; }
    std::uint16_t port() const { return port_; }
    model::ManualClock& clock() { return clock_; }
    Analyzer& analyzer() { return *analyzer_; }

    client::ClientOptions options() const {
        client::ClientOptions o;
        o.address = "127.0.0.1:" + std::to_string(port_);
        o.timeout = std::chrono::milliseconds(5000);
        return o;
    }
    client::HttpClient client() const { return client::HttpClient(options()); }

private:
    model::ManualClock clock_;
    Config config_;
    std::unique_ptr<Analyzer> analyzer_;
    std::uint16_t port_ = 0;
    std::string error_;
};

}  // namespace skydive::server::testing
