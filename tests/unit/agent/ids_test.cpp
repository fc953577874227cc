#include <skydive/agent/ids.h>
#include <skydive/agent/tid.h>

#include <gtest/gtest.h>

#include <set>

namespace skydive::agent {
namespace {

using model::Object;
using model::Value;

// The worked examples of spec §1.2.
TEST(Tid, SpecWorkedExamples) {
    std::string host = hostTid("node1");
    EXPECT_EQ(host, "2f6f9b99-82ef-5507-b6b6-cbab28bda9cb");
    EXPECT_EQ(childTid(host, Value(Object{{"Name", "eth0"}, {"Type", "device"}})),
              "3d0c36e3-d9e2-5f31-b1f9-22528dc1d13c");
    EXPECT_EQ(netnsTid(host, "/var/run/netns/ns1"), "4baa4b54-22e8-5a3d-9b37-c3b0e1f47f6c");
    // A netns owned by something else keys on its Path, not its Name.
    EXPECT_EQ(
        childTid(host,
                 Value(Object{{"Name", "ns1"}, {"Path", "/var/run/netns/ns1"}, {"Type", "netns"}})),
        "4baa4b54-22e8-5a3d-9b37-c3b0e1f47f6c");
}

TEST(Tid, OwnTidsAndMissingKeys) {
    std::string host = hostTid("node1");
    EXPECT_EQ(ownTid("x", Value(Object{{"Name", "node1"}, {"Type", "host"}}), ""), host);
    EXPECT_EQ(ownTid("x", Value(Object{{"Path", "/var/run/netns/ns1"}, {"Type", "netns"}}), host),
              "4baa4b54-22e8-5a3d-9b37-c3b0e1f47f6c");
    EXPECT_EQ(ownTid("x", Value(Object{{"UUID", "u1"}, {"Type", "ovsbridge"}}), host),
              ovsTid(host, "u1", "ovsbridge"));
    EXPECT_NE(ovsTid(host, "u1", "ovsbridge"), ovsTid(host, "u1", "ovsport"));
    EXPECT_EQ(ownTid("fab1", Value(Object{{"Probe", "fabric"}, {"Type", "device"}}), host), "fab1");
    EXPECT_FALSE(ownTid("x", Value(Object{{"Name", "eth0"}, {"Type", "device"}}), host));
    EXPECT_FALSE(ownTid("x", Value(Object{{"Type", "netns"}}), host));  // no Path
    EXPECT_FALSE(childTid(host, Value(Object{{"Type", "device"}})));    // no Name
    EXPECT_FALSE(childTid(host, Value(Object{{"Name", "eth0"}})));      // no Type
}

TEST(Ids, Uuid5AndGenId) {
    // Values cross-checked with Python's uuid.uuid5(uuid.NAMESPACE_OID, ...).
    EXPECT_EQ(genId({"a", "b"}), "e557c849-a9bd-5c1d-ad6c-db261d9c9e22");
    EXPECT_EQ(genId({"a", "b"}), uuid5("a/b"));
    EXPECT_EQ(linkId("p", "c", "layer2"), uuid5("pclayer2"));
}

TEST(Ids, RandomIdsAreV4AndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        std::string id = randomId();
        ASSERT_EQ(id.size(), 36u);
        EXPECT_EQ(id[14], '4');
        EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace skydive::agent
