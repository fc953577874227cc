// Time from the creation of a veth pair to its node in the agent's graph (issue 6 benchmark 1).
// Baseline measured in the same run: the kernel's own acknowledgement of the creation request.
// N pairs: SKYDIVE_BENCH_VETH_PAIRS (default 50; SKYDIVE_BENCH_FULL=1: 1000). Needs root.
#include <skydive/agent/agent.h>

#include "bench_netlink.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

using namespace skydive::bench;
using Clock = std::chrono::steady_clock;

void BM_VethVisibleInAgentGraph(benchmark::State& state) {
    int pairs = 50;
    if (const char* full = std::getenv("SKYDIVE_BENCH_FULL"); full && std::string(full) == "1")
        pairs = 1000;
    if (const char* env = std::getenv("SKYDIVE_BENCH_VETH_PAIRS")) pairs = std::atoi(env);
    skydive::agent::AgentOptions options;
    options.host_id = "bench";
    auto agent = skydive::agent::Agent::create(options, skydive::model::SystemClock::instance());
    if (!agent.ok() || !(*agent)->start().ok()) {
        state.SkipWithError("agent did not start (root needed)");
        return;
    }
    std::mutex mu;
    std::condition_variable cv;
    std::string wanted;
    Clock::time_point seen{};
    auto token = (*agent)->topology().subscribe([&](const skydive::model::Change& c) {
        if (c.kind != skydive::model::ChangeKind::NodeAdded) return;
        const auto* name = c.base().metadata.asObject().find("Name");
        std::lock_guard l(mu);
        if (name != nullptr && name->isString() && name->asString() == wanted) {
            seen = Clock::now();
            cv.notify_all();
        }
    });
    mnl_socket* sock = mnl_socket_open(NETLINK_ROUTE);
    mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID);
    std::vector<double> ack_us;
    std::vector<double> visible_us;
    std::string prefix = "bv" + std::to_string(::getpid() % 10000) + "-";
    for (auto _ : state) {
        for (int i = 0; i < pairs; ++i) {
            std::string a = prefix + std::to_string(i) + "a";
            std::string b = prefix + std::to_string(i) + "b";
            {
                std::lock_guard l(mu);
                wanted = a;
                seen = {};
            }
            auto t0 = Clock::now();
            if (!addVeth(sock, a, b)) {
                state.SkipWithError("veth creation failed");
                break;
            }
            auto t1 = Clock::now();
            std::unique_lock l(mu);
            bool ok = cv.wait_for(l, std::chrono::seconds(5),
                                  [&] { return seen != Clock::time_point{}; });
            l.unlock();
            if (!ok) {
                state.SkipWithError("node not visible within 5 s");
                break;
            }
            ack_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            visible_us.push_back(std::chrono::duration<double, std::micro>(seen - t0).count());
        }
        state.PauseTiming();
        for (int i = 0; i < pairs; ++i) delLink(sock, prefix + std::to_string(i) + "a");
        state.ResumeTiming();
    }
    (*agent)->topology().unsubscribe(token);
    mnl_socket_close(sock);
    (*agent)->stop();
    double ack50 = percentile(ack_us, 0.5), vis50 = percentile(visible_us, 0.5);
    state.counters["pairs"] = static_cast<double>(visible_us.size());
    state.counters["kernel_ack_p50_us"] = ack50;
    state.counters["kernel_ack_p99_us"] = percentile(ack_us, 0.99);
    state.counters["visible_p50_us"] = vis50;
    state.counters["visible_p99_us"] = percentile(visible_us, 0.99);
    state.counters["visible_over_ack_p50_ratio"] = ack50 > 0 ? vis50 / ack50 : 0;
}
BENCHMARK(BM_VethVisibleInAgentGraph)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
