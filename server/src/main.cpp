// The `skydive` executable: command line, configuration and logging, then one subcommand.
// CLI11 is confined to this translation unit (it is slow to compile, toolchain.md §12).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "commands.h"

#ifndef SKYDIVE_VERSION
#define SKYDIVE_VERSION "0.0.0"
#endif

namespace {

using namespace skydive::server;

bool setupLogging(const Config& config, bool verbose) {
    auto logger = spdlog::stderr_color_mt("skydive");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
    std::string level = "info";
    if (const char* env = std::getenv("SKYDIVE_LOGLEVEL")) {
        level = env;
    } else if (auto configured = config.getString("logging.level"); configured.ok()) {
        level = *configured;
    }
    if (verbose) level = "debug";
    for (char& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (level == "warning") level = "warn";
    auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") {
        std::cerr << "skydive: error: unknown log level '" << level << "'\n";
        return false;
    }
    spdlog::set_level(parsed);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Skydive in C++: real-time network topology and flow analyzer", "skydive"};
    app.require_subcommand(1);
    app.fallthrough();  // global options (-c, --data-dir) may follow the subcommand
    app.set_help_all_flag("--help-all", "Expand all help");

    std::vector<std::string> conf_files;
    std::string config_backend = "file";
    bool verbose = false;
    std::string data_dir = "./var/skydive";
    app.add_option("-c,--conf", conf_files, "Configuration file (repeatable, merged in order)");
    app.add_option("-b,--config-backend", config_backend, "Configuration backend")
        ->check(CLI::IsMember({"file"}));
    app.add_flag("--verbose", verbose, "Debug logging");
    app.add_option("--data-dir", data_dir, "Directory of the embedded store")
        ->capture_default_str();

    std::string listen;
    auto* analyzer =
        app.add_subcommand("analyzer", "Run the analyzer: API, WebSocket hub and temporal store");
    analyzer->add_option("--listen", listen, "Address to listen on (analyzer.listen)");
    auto* allinone = app.add_subcommand("allinone", "Run an analyzer and an agent together");
    allinone->add_option("--listen", listen, "Analyzer address (analyzer.listen)");
    std::string host_id;
    auto* agent = app.add_subcommand("agent", "Run an agent: topology probes and flow capture");
    agent->add_option("--listen", listen, "Address to listen on (agent.listen)");
    agent->add_option("--host-id", host_id, "Host identifier (host_id)");
    auto* client = app.add_subcommand("client", "Query an analyzer (query, status, topology)");
    client->allow_extras();
    auto* version = app.add_subcommand("version", "Print the version");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "skydive: error: " << e.what() << " (see skydive --help)\n";
        return kExitUsage;
    }

    if (version->parsed()) {
        std::cout << "skydive " << SKYDIVE_VERSION << "\n";
        return kExitOk;
    }

    CommandContext ctx;
    // Without -c, /etc/skydive/skydive.yml is tried and its absence ignored (spec §8.2).
    if (conf_files.empty()) {
        if (auto st = ctx.config.loadFile("/etc/skydive/skydive.yml");
            !st.ok() && st.error().code != skydive::model::ErrorCode::NotFound) {
            std::cerr << "skydive: error: " << st.error().message << "\n";
            return kExitUsage;
        }
    }
    for (const auto& file : conf_files) {
        auto st = file == "-"
                      ? ctx.config.loadString(
                            std::string(std::istreambuf_iterator<char>(std::cin), {}), "<stdin>")
                      : ctx.config.loadFile(file);
        if (!st.ok()) {
            std::cerr << "skydive: error: " << st.error().message << "\n";
            return kExitUsage;
        }
    }
    if (!listen.empty())
        ctx.config.setFlag(agent->parsed() ? "agent.listen" : "analyzer.listen", listen);
    if (!host_id.empty()) ctx.config.setFlag("host_id", host_id);
    if (auto st = ctx.config.validate(); !st.ok()) {
        std::cerr << "skydive: error: " << st.error().message << "\n";
        return kExitUsage;
    }
    ctx.data_dir = data_dir;
    ctx.version = SKYDIVE_VERSION;
    if (!setupLogging(ctx.config, verbose)) return kExitUsage;

    if (client->parsed()) {
        std::cerr << "skydive: error: 'skydive client' is not implemented in this build yet\n";
        return kExitFailure;
    }
    if (analyzer->parsed()) return runAnalyzer(ctx);
    if (allinone->parsed()) return runAllInOne(ctx);
    if (agent->parsed()) return runAgent(ctx);
    return kExitUsage;
}
