// socketinfo: a TCP listener of this process appears in the host node's Sockets.
#include <netinet/in.h>
#include <sys/socket.h>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

TEST(SocketInfoE2E, ListenerOfThisProcessIsListed) {
    ASSERT_EQ(::geteuid(), 0u);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);

    AgentOptions o;
    o.host_id = "e2e-sockets";
    o.probes = {"socketinfo"};
    o.socketinfo_update = std::chrono::milliseconds(200);
    auto agent = Agent::create(o, model::SystemClock::instance());
    ASSERT_TRUE(agent.ok());
    ASSERT_TRUE((*agent)->start().ok());
    auto find = [&]() -> std::optional<model::Object> {
        auto host = (*agent)->topology().node((*agent)->hostNodeId());
        const Value* sockets = host ? field(*host, "Sockets") : nullptr;
        if (sockets == nullptr || !sockets->isList()) return std::nullopt;
        for (const auto& s : sockets->asList()) {
            const auto& o2 = s.asObject();
            if (*o2.find("LocalPort") == Value(port) && *o2.find("Protocol") == Value("TCP")) {
                return o2;
            }
        }
        return std::nullopt;
    };
    std::optional<model::Object> entry;
    ASSERT_TRUE(waitFor([&] { return (entry = find()).has_value(); }));
    EXPECT_EQ(*entry->find("State"), Value("LISTEN"));
    EXPECT_EQ(*entry->find("Pid"), Value(static_cast<int>(::getpid())));
    EXPECT_EQ(*entry->find("LocalAddress"), Value("127.0.0.1"));
    EXPECT_EQ(*entry->find("Name"), Value("agent_e2e_test"));
    ::close(fd);
    EXPECT_TRUE(waitFor([&] { return !find().has_value(); }));
    (*agent)->stop();
}

}  // namespace
}  // namespace skydive::agent::e2e
