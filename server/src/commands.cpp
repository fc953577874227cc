#include "commands.h"

#include <csignal>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include <skydive/model/clock.h>
#include <skydive/server/analyzer.h>

namespace skydive::server {

namespace {

sigset_t terminationSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

void blockTerminationSignals() {
    sigset_t set = terminationSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void waitForTerminationSignal() {
    sigset_t set = terminationSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

namespace {

bool prepareDataDir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        spdlog::error("cannot create data directory '{}': {}", dir, ec.message());
        return false;
    }
    return true;
}

}  // namespace

int runAnalyzer(CommandContext& ctx) {
    auto listen = ctx.config.getString("analyzer.listen");
    if (!listen.ok()) {
        spdlog::error("{}", listen.error().message);
        return kExitUsage;
    }
    if (!prepareDataDir(ctx.data_dir)) return kExitFailure;
    // Blocked before any thread starts, so that every thread inherits the mask and the signal
    // is only ever taken by sigwait below.
    blockTerminationSignals();
    AnalyzerOptions options;
    options.data_dir = ctx.data_dir;
    options.version = ctx.version;
    auto analyzer = Analyzer::create(ctx.config, options, model::SystemClock::instance());
    if (!analyzer.ok()) {
        spdlog::error("{}", analyzer.error().message);
        return analyzer.error().code == model::ErrorCode::InvalidArgument ? kExitUsage
                                                                          : kExitFailure;
    }
    auto port = (*analyzer)->start();
    if (!port.ok()) {
        spdlog::error("{}", port.error().message);
        return kExitFailure;
    }
    spdlog::info("analyzer starting: data directory {}, listen address {}", ctx.data_dir, *listen);
    waitForTerminationSignal();
    (*analyzer)->stop();
    spdlog::info("analyzer stopped");
    return kExitOk;
}

int runAllInOne(CommandContext& ctx) {
    spdlog::info("allinone: running the analyzer (the agent is not implemented in this build yet)");
    return runAnalyzer(ctx);
}

int runAgent(CommandContext& ctx) {
    spdlog::error("skydive agent is not implemented in this build yet");
    return kExitFailure;
}

}  // namespace skydive::server
