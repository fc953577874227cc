#include <skydive/agent/socketinfo_probe.h>

#include <gtest/gtest.h>

namespace skydive::agent {
namespace {

// Lines as /proc/net/tcp and /proc/net/tcp6 print them.
constexpr std::string_view kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 0100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
    "0 12345 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:D431 0100007F:1F92 01 00000000:00000000 00:00000000 00000000     0        "
    "0 12346 1 0000000000000000 20 4 30 10 -1\n"
    "   2: garbage line\n"
    "   3: 0100007F:XYZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n";

constexpr std::string_view kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 07 "
    "00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n";

TEST(ProcNet, ParsesIpv4Ipv6AndSkipsMalformedLines) {
    auto v4 = parseProcNet(kTcp);
    ASSERT_EQ(v4.size(), 2u);
    EXPECT_EQ(v4[0].local_address, "127.0.0.1");
    EXPECT_EQ(v4[0].local_port, 8082);
    EXPECT_EQ(v4[0].state, "LISTEN");
    EXPECT_EQ(v4[0].inode, 12345u);
    EXPECT_EQ(v4[1].remote_port, 8082);
    EXPECT_EQ(v4[1].state, "ESTABLISHED");
    auto v6 = parseProcNet(kTcp6);
    ASSERT_EQ(v6.size(), 1u);
    EXPECT_EQ(v6[0].local_address, "::1");
    EXPECT_EQ(v6[0].local_port, 22);
    EXPECT_EQ(v6[0].state, "TIME_WAIT");  // kernel CLOSE (7) reads TIME_WAIT, as upstream
    EXPECT_TRUE(parseProcNet("").empty());
    EXPECT_TRUE(parseProcNet("header only").empty());
}

}  // namespace
}  // namespace skydive::agent
