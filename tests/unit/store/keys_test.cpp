#include <skydive/store/keys.h>

#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include "golden.h"

namespace skydive::store {
namespace {

using testing::hex;

// Golden bytes: FORMAT.md is the contract, these pin it.
TEST(Keys, RevKeyGoldenBytes) {
    // Format 3: kind | idlen | id | CreatedAt | UpdatedAt | Revision.
    RevKey k{model::ElementKind::Node, "n1", 1600000000000, 1600000000005, 3};
    EXPECT_EQ(hex(encodeRevKey(k)),
              "4e"
              "0002"
              "6e31"
              "80000174876e8000"
              "80000174876e8005"
              "8000000000000003");
    RevKey e{model::ElementKind::Edge, "", -1, -1, 0};
    EXPECT_EQ(hex(encodeRevKey(e)),
              "45"
              "0000"
              "7fffffffffffffff"
              "7fffffffffffffff"
              "8000000000000000");
    RevKey late{model::ElementKind::Node, "n1", 1, kLateMarkerTime, 4};
    EXPECT_TRUE(isLateMarker(late));
    EXPECT_EQ(hex(encodeRevKey(late)),
              "4e"
              "0002"
              "6e31"
              "8000000000000001"
              "ffffffffffffffff"
              "8000000000000004");
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
    EXPECT_FALSE(decodeLinkKey(encodeRevKey({model::ElementKind::Node, "n1", 1, 1, 1})));
    EXPECT_FALSE(decodeLinkKey(encodeLinkKey(k) + "x"));
}

TEST(Keys, TimelineGoldenBytes) {
    EXPECT_EQ(hex(encodeTimelineKey({1600000000000, 7})),
              "80000174876e8000"
              "0000000000000007");
    // Format 4: a count, then the commit's changes at that time.
    std::vector<TimelineEntry> es{{TimelineOp::Delete, {model::ElementKind::Edge, "ab", 5, 9, 2}},
                                  {TimelineOp::Put, {model::ElementKind::Node, "c", 1, 9, 3}}};
    EXPECT_EQ(hex(encodeTimelineValue(es)),
              "03"
              "00000002"
              "02"
              "45"
              "8000000000000005"
              "8000000000000009"
              "8000000000000002"
              "0002"
              "6162"
              "01"
              "4e"
              "8000000000000001"
              "8000000000000009"
              "8000000000000003"
              "0001"
              "63");
    EXPECT_EQ(timelineValueCount(encodeTimelineValue(es)), 2u);
    std::string built;
    startTimelineValue(built);
    for (const TimelineEntry& e : es) appendTimelineEntry(built, e.op, e.ref);
    EXPECT_EQ(built, encodeTimelineValue(es));
    std::string one;
    encodeTimelineValueTo(one, es[1]);
    EXPECT_EQ(decodeTimelineValue(one), std::vector<TimelineEntry>{es[1]});
}

TEST(Keys, CheckpointApiFlowMetricGoldenBytes) {
    std::vector<RevKey> refs{{model::ElementKind::Node, "a", 1, 6, 1}};
    EXPECT_EQ(hex(encodeCheckpointValue(refs)),
              "02"
              "00000001"
              "4e"
              "8000000000000001"
              "8000000000000006"
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
                 static_cast<Time>(rng()), static_cast<Time>(rng()),
                 static_cast<std::int64_t>(rng())};
        EXPECT_EQ(decodeRevKey(encodeRevKey(k)), k);
        TimelineKey tk{static_cast<Time>(rng()), rng()};
        EXPECT_EQ(decodeTimelineKey(encodeTimelineKey(tk)), tk);
        std::vector<TimelineEntry> te{{rng() % 2 ? TimelineOp::Put : TimelineOp::Delete, k},
                                      {TimelineOp::Put, k}};
        te.resize(1 + rng() % 2);
        EXPECT_EQ(decodeTimelineValue(encodeTimelineValue(te)), te);
        std::vector<RevKey> refs{k, k};
        EXPECT_EQ(decodeCheckpointValue(encodeCheckpointValue(refs)), refs);
        auto api = decodeApiKey(encodeApiKey("capture", id));
        ASSERT_TRUE(api);
        EXPECT_EQ(api->second, id);
    }
    EXPECT_FALSE(decodeRevKey("N\x00"));
    EXPECT_FALSE(decodeRevKey(encodeRevKey({model::ElementKind::Node, "x", 1, 1, 1}) + "z"));
    EXPECT_FALSE(decodeTimelineValue(std::string("\x03\x00\x00\x00\x01\x01N", 7)));
    EXPECT_FALSE(decodeTimelineValue(std::string("\x03\x00\x00\x00\x00", 5)));  // empty list
    EXPECT_FALSE(decodeCheckpointValue(std::string("\x02\xff\xff\xff\xff", 5)));
    // A format 3 value (one reference, value byte 0x02) is refused, not misread; so is a
    // count larger than the entries.
    std::string v3 = encodeTimelineValue(
        {TimelineEntry{TimelineOp::Put, {model::ElementKind::Node, "x", 1, 1, 1}}});
    std::string v2 = v3;
    v3[0] = '\x02';
    EXPECT_FALSE(decodeTimelineValue(v3));
    v2[4] = '\x02';
    EXPECT_FALSE(decodeTimelineValue(v2));
    EXPECT_FALSE(decodeTimelineValue(encodeTimelineValue({TimelineEntry{}}) + "x"));
}

// Byte order = numeric order for times, including negative ones.
TEST(Keys, ByteOrderIsTimeOrder) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 5000; ++i) {
        TimelineKey a{static_cast<Time>(rng()), rng() % 4};
        TimelineKey b{static_cast<Time>(rng()), rng() % 4};
        if (i % 3 == 0) b.time = a.time;
        EXPECT_EQ(a < b, encodeTimelineKey(a) < encodeTimelineKey(b));
        Time ua = static_cast<Time>(rng() % 8) - 4, ub = i % 5 == 0 ? ua : static_cast<Time>(rng());
        RevKey ra{model::ElementKind::Node, "same", a.time, ua, static_cast<std::int64_t>(a.seq)};
        RevKey rb{model::ElementKind::Node, "same", b.time, ub, static_cast<std::int64_t>(b.seq)};
        // Key order is time order inside an incarnation: CreatedAt, UpdatedAt, Revision.
        EXPECT_EQ(std::tie(ra.created_at, ra.updated_at, ra.revision) <
                      std::tie(rb.created_at, rb.updated_at, rb.revision),
                  encodeRevKey(ra) < encodeRevKey(rb));
    }
}

}  // namespace
}  // namespace skydive::store
