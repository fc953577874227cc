#include "commands.h"

#include "agent_api.h"

#include <csignal>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include <optional>

#include <skydive/agent/agent.h>
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

namespace {

model::Result<agent::AgentOptions> agentOptions(const Config& cfg) {
    agent::AgentOptions o;
    auto host_id = cfg.getString("host_id");
    if (host_id.ok()) o.host_id = *host_id;
    auto analyzers = cfg.getStringList("analyzers");
    if (!analyzers.ok()) return analyzers.error();
    o.analyzers = *analyzers;
    auto probes = cfg.getStringList("agent.topology.probes");
    if (!probes.ok()) return probes.error();
    o.probes = *probes;
    auto run_path = cfg.getString("agent.topology.netns.run_path");
    if (!run_path.ok()) return run_path.error();
    o.netns_run_path = *run_path;
    auto metrics = cfg.getInt("agent.topology.netlink.metrics_update");
    if (!metrics.ok()) return metrics.error();
    o.metrics_update = std::chrono::seconds(*metrics);
    auto sockets = cfg.getInt("agent.topology.socketinfo.host_update");
    if (!sockets.ok()) return sockets.error();
    o.socketinfo_update = std::chrono::seconds(*sockets);
    if (auto ovsdb = cfg.getString("ovs.ovsdb"); ovsdb.ok()) o.ovsdb_address = *ovsdb;
    if (auto lldp = cfg.getStringList("agent.topology.lldp.interfaces"); lldp.ok())
        o.lldp_interfaces = *lldp;
    if (auto docker = cfg.getString("agent.topology.docker.url"); docker.ok() && !docker->empty())
        o.docker_url = *docker;
    if (auto lv = cfg.getString("agent.topology.libvirt.url"); lv.ok() && !lv->empty())
        o.libvirt_url = *lv;
    return o;
}

// Starts an agent; nullptr (after logging why) when it cannot start.
std::unique_ptr<agent::Agent> startAgent(agent::AgentOptions options) {
    auto created = agent::Agent::create(std::move(options), model::SystemClock::instance());
    if (!created.ok()) {
        spdlog::error("agent: {}", created.error().message);
        return nullptr;
    }
    if (auto st = (*created)->start(); !st.ok()) {
        spdlog::error("agent: {}", st.error().message);
        return nullptr;
    }
    return std::move(created).value();
}

// Serves the agent's own API on agent.listen; nullptr (after logging why) when it cannot.
std::unique_ptr<AgentApi> startAgentApi(CommandContext& ctx, agent::Agent& agent) {
    auto api = AgentApi::create(ctx.config, agent, model::SystemClock::instance(), ctx.version);
    if (!api.ok()) {
        spdlog::error("agent API: {}", api.error().message);
        return nullptr;
    }
    if (auto port = (*api)->start(); !port.ok()) {
        spdlog::error("agent API: {}", port.error().message);
        return nullptr;
    }
    return std::move(api).value();
}

// Runs the analyzer, and with `with_agent` an agent in the same process feeding it (allinone).
int serve(CommandContext& ctx, bool with_agent) {
    auto listen = ctx.config.getString("analyzer.listen");
    if (!listen.ok()) {
        spdlog::error("{}", listen.error().message);
        return kExitUsage;
    }
    std::optional<agent::AgentOptions> agent_options;
    if (with_agent) {
        auto o = agentOptions(ctx.config);
        if (!o.ok()) {
            spdlog::error("{}", o.error().message);
            return kExitUsage;
        }
        agent_options = std::move(o).value();
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
    std::unique_ptr<agent::Agent> local_agent;
    std::unique_ptr<AgentApi> agent_api;
    if (agent_options) {
        // The in-process agent always talks to this analyzer over loopback, as upstream's
        // allinone child process does.
        agent_options->analyzers = {"127.0.0.1:" + std::to_string(*port)};
        local_agent = startAgent(std::move(*agent_options));
        if (local_agent) agent_api = startAgentApi(ctx, *local_agent);
        if (!local_agent || !agent_api) {
            if (local_agent) local_agent->stop();
            (*analyzer)->stop();
            return kExitFailure;
        }
        spdlog::info("allinone: agent started, forwarding to 127.0.0.1:{}", *port);
    }
    waitForTerminationSignal();
    if (agent_api) agent_api->stop();
    if (local_agent) local_agent->stop();
    (*analyzer)->stop();
    spdlog::info("analyzer stopped");
    return kExitOk;
}

}  // namespace

int runAnalyzer(CommandContext& ctx) {
    return serve(ctx, false);
}

int runAllInOne(CommandContext& ctx) {
    return serve(ctx, true);
}

int runAgent(CommandContext& ctx) {
    auto options = agentOptions(ctx.config);
    if (!options.ok()) {
        spdlog::error("{}", options.error().message);
        return kExitUsage;
    }
    if (options->analyzers.empty()) {
        spdlog::warn("agent: no analyzers configured (analyzers, SKYDIVE_ANALYZERS): standalone");
    }
    blockTerminationSignals();
    auto running = startAgent(std::move(options).value());
    if (!running) return kExitFailure;
    auto api = startAgentApi(ctx, *running);
    if (!api) {
        running->stop();
        return kExitFailure;
    }
    waitForTerminationSignal();
    api->stop();
    running->stop();
    spdlog::info("agent stopped");
    return kExitOk;
}

}  // namespace skydive::server
