#include "commands.h"

#include <csignal>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

namespace skydive::server {

void waitForTerminationSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
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
    spdlog::info("analyzer starting: data directory {}, listen address {}", ctx.data_dir, *listen);
    spdlog::warn(
        "the REST/WebSocket API is not implemented in this build yet; nothing listens on {}",
        *listen);
    waitForTerminationSignal();
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
