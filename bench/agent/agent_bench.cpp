// Time from the creation of a veth pair to its node in the agent's graph (issue 6 benchmark 1).
// Baseline measured in the same run: the kernel's own acknowledgement of the creation request.
// N pairs: SKYDIVE_BENCH_VETH_PAIRS (default 50; 1000 for the figure). Needs root.
#include <skydive/agent/agent.h>

#include <benchmark/benchmark.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
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

using Clock = std::chrono::steady_clock;

// One rtnetlink request with ACK; returns false on a kernel error.
bool rtnl(mnl_socket* sock, nlmsghdr* nlh) {
    static unsigned seq = 0;
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++seq;
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return false;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    ssize_t n = mnl_socket_recvfrom(sock, buf, sizeof buf);
    return n > 0 && mnl_cb_run(buf, n, seq, mnl_socket_get_portid(sock), nullptr, nullptr) >= 0;
}

bool addVeth(mnl_socket* sock, const std::string& name, const std::string& peer) {
    char buf[MNL_SOCKET_BUFFER_SIZE] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    nlattr* peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));  // the peer's ifinfomsg
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
    mnl_attr_nest_end(nlh, peer_attr);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    return rtnl(sock, nlh);
}

bool delLink(mnl_socket* sock, const std::string& name) {
    char buf[MNL_SOCKET_BUFFER_SIZE] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_DELLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    return rtnl(sock, nlh);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void BM_VethVisibleInAgentGraph(benchmark::State& state) {
    int pairs = 50;
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
