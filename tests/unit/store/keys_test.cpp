#include <skydive/store/keys.h>

#include <gtest/gtest.h>

#include <random>

namespace skydive::store {
namespace {

std::string hex(std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (char c : s) {
        out.push_back(d[static_cast<unsigned char>(c) >> 4]);
        out.push_back(d[static_cast<unsigned char>(c) & 15]);
    }
    return out;
}

// Golden bytes: FORMAT.md is the contract, these pin it.
TEST(Keys, RevKeyGoldenBytes) {
    RevKey k{model::ElementKind::Node, "n1", 1600000000000, 3};
    EXPECT_EQ(hex(encodeRevKey(k)),
              "4e"
              "0002"
              "6e31"
              "80000174876e8000"
              "8000000000000003");
    RevKey e{model::ElementKind::Edge, "", -1, 0};
    EXPECT_EQ(hex(encodeRevKey(e)),
              "45"
              "0000"
              "7fffffffffffffff"
              "8000000000000000");
}

TEST(Keys, LinkKeyGoldenBytesAndRoundTrip) {
    LinkKey k{"n1", 1600000000000, "e2"};
    EXPECT_EQ(hex(encodeLinkKey(k)),
              "4c"
              "0002"
              "6e31"
              "80000174876e8000"
              "0002"
              "6532");
    EXPECT_EQ(decodeLinkKey(encodeLinkKey(k)), k);
    EXPECT_EQ(encodeLinkKey(k).substr(0, linkPrefix("n1").size()), linkPrefix("n1"));
    EXPECT_FALSE(decodeLinkKey(encodeRevKey({model::ElementKind::Node, "n1", 1, 1})));
    EXPECT_FALSE(decodeLinkKey(encodeLinkKey(k) + "x"));
}

TEST(Keys, TimelineGoldenBytes) {
    EXPECT_EQ(hex(encodeTimelineKey({1600000000000, 7})),
              "80000174876e8000"
              "0000000000000007");
    TimelineEntry e{TimelineOp::Delete, {model::ElementKind::Edge, "ab", 5, 2}};
    EXPECT_EQ(hex(encodeTimelineValue(e)),
              "01"
              "02"
              "45"
              "8000000000000005"
              "8000000000000002"
              "6162");
}

TEST(Keys, CheckpointApiFlowMetricGoldenBytes) {
    std::vector<RevKey> refs{{model::ElementKind::Node, "a", 1, 1}};
    EXPECT_EQ(hex(encodeCheckpointValue(refs)),
              "01"
              "00000001"
              "4e"
              "8000000000000001"
              "8000000000000001"
              "0001"
              "61");
    EXPECT_EQ(hex(encodeApiKey("alert", "x1")),
              "05"
              "616c657274"
              "0002"
              "7831");
    EXPECT_EQ(hex(encodeFlowTimeKey(2, "u")),
              "8000000000000002"
              "75");
    EXPECT_EQ(hex(encodeMetricKey("n", 1, 2)),
              "0001"
              "6e"
              "8000000000000001"
              "8000000000000002");
}

TEST(Keys, RoundTripsAndRejectsGarbage) {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 2000; ++i) {
        std::string id(rng() % 40, '\0');
        for (char& c : id) c = static_cast<char>(rng());
        RevKey k{rng() % 2 ? model::ElementKind::Node : model::ElementKind::Edge, id,
                 static_cast<Time>(rng()), static_cast<std::int64_t>(rng())};
        EXPECT_EQ(decodeRevKey(encodeRevKey(k)), k);
        TimelineKey tk{static_cast<Time>(rng()), rng()};
        EXPECT_EQ(decodeTimelineKey(encodeTimelineKey(tk)), tk);
        TimelineEntry te{rng() % 2 ? TimelineOp::Put : TimelineOp::Delete, k};
        EXPECT_EQ(decodeTimelineValue(encodeTimelineValue(te)), te);
        std::vector<RevKey> refs{k, k};
        EXPECT_EQ(decodeCheckpointValue(encodeCheckpointValue(refs)), refs);
        auto api = decodeApiKey(encodeApiKey("capture", id));
        ASSERT_TRUE(api);
        EXPECT_EQ(api->second, id);
    }
    EXPECT_FALSE(decodeRevKey("N\x00"));
    EXPECT_FALSE(decodeRevKey(encodeRevKey({model::ElementKind::Node, "x", 1, 1}) + "z"));
    EXPECT_FALSE(decodeTimelineValue(std::string("\x02\x01N", 3)));
    EXPECT_FALSE(decodeCheckpointValue(std::string("\x01\xff\xff\xff\xff", 5)));
}

// Byte order = numeric order for times, including negative ones.
TEST(Keys, ByteOrderIsTimeOrder) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 5000; ++i) {
        TimelineKey a{static_cast<Time>(rng()), rng() % 4};
        TimelineKey b{static_cast<Time>(rng()), rng() % 4};
        if (i % 3 == 0) b.time = a.time;
        EXPECT_EQ(a < b, encodeTimelineKey(a) < encodeTimelineKey(b));
        RevKey ra{model::ElementKind::Node, "same", a.time, static_cast<std::int64_t>(a.seq)};
        RevKey rb{model::ElementKind::Node, "same", b.time, static_cast<std::int64_t>(b.seq)};
        EXPECT_EQ(ra < rb, encodeRevKey(ra) < encodeRevKey(rb));
    }
}

}  // namespace
}  // namespace skydive::store
