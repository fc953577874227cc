#pragma once

#include <string>

#include <skydive/server/config.h>

namespace skydive::server {

/// What every subcommand receives once the command line and configuration are loaded.
struct CommandContext {
    Config config;
    std::string data_dir;  ///< embedded store directory (--data-dir)
    std::string version = "unknown";
};

/// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int runAnalyzer(CommandContext& ctx);
int runAllInOne(CommandContext& ctx);
int runAgent(CommandContext& ctx);

/// Blocks SIGINT/SIGTERM in the calling thread (call before starting threads).
void blockTerminationSignals();
/// Blocks until SIGINT or SIGTERM arrives.
void waitForTerminationSignal();

}  // namespace skydive::server
