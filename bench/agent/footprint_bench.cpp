// Agent CPU and RSS with many veth pairs in many namespaces, idle and under churn (issue 6
// benchmark 2). SKYDIVE_BENCH_NETNS namespaces (default 10; 100 for the figure), each
// with 10 veth pairs. Baseline in the same run: the process before the agent starts. Root only.
#include <skydive/agent/agent.h>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "../common/process_cpu.h"

namespace {

constexpr int kPairsPerNamespace = 10;
constexpr int kChurnPerSecond = 100;

double rssMiB() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            double kb = 0;
            in >> kb;
            return kb / 1024.0;
        }
        in.ignore(4096, '\n');
    }
    return 0;
}

bool run(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

void BM_AgentFootprint(benchmark::State& state) {
    int namespaces = 10;
    if (const char* env = std::getenv("SKYDIVE_BENCH_NETNS")) namespaces = std::atoi(env);
    std::string prefix = "bf" + std::to_string(::getpid() % 10000) + "-";
    {
        std::ofstream batch("/tmp/" + prefix + "batch");
        for (int n = 0; n < namespaces; ++n) {
            std::string ns = prefix + std::to_string(n);
            batch << "netns add " << ns << "\n";
            for (int p = 0; p < kPairsPerNamespace; ++p) {
                batch << "link add v" << p << "a netns " << ns << " type veth peer name v" << p
                      << "b netns " << ns << "\n";
            }
        }
    }
    if (!run("ip -batch /tmp/" + prefix + "batch")) {
        state.SkipWithError("namespace setup failed (root needed)");
        return;
    }
    double rss_before = rssMiB();
    skydive::agent::AgentOptions options;
    options.host_id = "bench";
    auto agent = skydive::agent::Agent::create(options, skydive::model::SystemClock::instance());
    double idle_cpu = 0, churn_cpu = 0, rss_after = 0;
    if (agent.ok() && (*agent)->start().ok()) {
        for (auto _ : state) {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));  // settle
            double c0 = skydive::bench::processCpuSeconds();
            std::this_thread::sleep_for(std::chrono::seconds(2));
            idle_cpu = (skydive::bench::processCpuSeconds() - c0) / 2.0;
            // Churn: MTU changes at kChurnPerSecond for 2 s, made by `ip` child processes (their
            // CPU is not counted: CLOCK_PROCESS_CPUTIME_ID covers this process only).
            c0 = skydive::bench::processCpuSeconds();
            auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < 2 * kChurnPerSecond; ++i) {
                run("ip -n " + prefix + std::to_string(i % namespaces) + " link set v" +
                    std::to_string(i % kPairsPerNamespace) + "a mtu " +
                    std::to_string(1400 + (i / namespaces) % 2));
                std::this_thread::sleep_until(
                    t0 + std::chrono::milliseconds((i + 1) * 1000 / kChurnPerSecond));
            }
            churn_cpu =
                (skydive::bench::processCpuSeconds() - c0) /
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            rss_after = rssMiB();
        }
        state.counters["nodes"] = static_cast<double>((*agent)->topology().nodeCount());
        (*agent)->stop();
    } else {
        state.SkipWithError("agent did not start");
    }
    for (int n = 0; n < namespaces; ++n) run("ip netns del " + prefix + std::to_string(n));
    std::remove(("/tmp/" + prefix + "batch").c_str());
    state.counters["namespaces"] = namespaces;
    state.counters["idle_cpu_percent_of_core"] = idle_cpu * 100;
    state.counters["churn_cpu_percent_of_core"] = churn_cpu * 100;
    state.counters["rss_baseline_mib"] = rss_before;
    state.counters["rss_agent_mib"] = rss_after - rss_before;
}
BENCHMARK(BM_AgentFootprint)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
