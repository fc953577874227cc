#include <skydive/model/element.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

namespace skydive::model {
namespace {

Node captureNode() {
    auto v = parseJson(R"({"Name":"eth0","Captures":[{"ID":"c1","State":"active"},{"ID":"c2"}],)"
                       R"("Map":{"a":{"b":5}},"IPV4":["10.0.0.1/24","10.0.0.2/24"]})");
    EXPECT_TRUE(v.ok());
    Node n;
    n.id = "n1";
    n.metadata = *v;
    n.host = "h";
    n.origin = "agent.h";
    n.created_at = 1600000001000;
    n.updated_at = 1600000002000;
    n.revision = 3;
    return n;
}

// Spec §1.3 examples: dotted keys through objects and through lists.
TEST(FieldOf, DottedKeysAndListFanOut) {
    Node n = captureNode();
    EXPECT_EQ(fieldOf(n, "Name"), Value("eth0"));
    EXPECT_EQ(fieldOf(n, "Map.a.b"), Value(5));
    EXPECT_EQ(fieldOf(n, "Captures.ID"), Value(List{"c1", "c2"}));
    EXPECT_EQ(fieldOf(n, "Captures.State"), Value(List{"active"}));
    EXPECT_FALSE(fieldOf(n, "Captures.Nope").has_value());
    EXPECT_FALSE(fieldOf(n, "Map.a.b.c").has_value());
    EXPECT_FALSE(fieldOf(n, "Nope").has_value());
    EXPECT_EQ(fieldOf(n, "IPV4"), Value(List{"10.0.0.1/24", "10.0.0.2/24"}));
}

TEST(FieldOf, PseudoKeysAndMetadataPrefix) {
    Node n = captureNode();
    EXPECT_EQ(fieldOf(n, "@ID"), Value("n1"));
    EXPECT_EQ(fieldOf(n, "@Host"), Value("h"));
    EXPECT_EQ(fieldOf(n, "@Origin"), Value("agent.h"));
    EXPECT_EQ(fieldOf(n, "@CreatedAt"), Value(1600000001000));
    EXPECT_EQ(fieldOf(n, "@UpdatedAt"), Value(1600000002000));
    EXPECT_EQ(fieldOf(n, "@Revision"), Value(3));
    EXPECT_FALSE(fieldOf(n, "@DeletedAt").has_value());
    EXPECT_FALSE(fieldOf(n, "@Nope").has_value());
    EXPECT_EQ(fieldOf(n, "Metadata.Name"), Value("eth0"));
    n.deleted_at = 1600000003000;
    EXPECT_EQ(fieldOf(n, "@DeletedAt"), Value(1600000003000));
}

TEST(FieldOf, EdgeParentChild) {
    Edge e;
    e.id = "e1";
    e.parent = "n1";
    e.child = "n2";
    e.metadata = Value(Object{{"RelationType", "ownership"}});
    EXPECT_EQ(fieldOf(e, "Parent"), Value("n1"));
    EXPECT_EQ(fieldOf(e, "Child"), Value("n2"));
    EXPECT_EQ(fieldOf(e, "RelationType"), Value("ownership"));
}

TEST(ChangeKind, NamesRoundTrip) {
    for (auto k : {ChangeKind::NodeAdded, ChangeKind::NodeUpdated, ChangeKind::NodeDeleted,
                   ChangeKind::EdgeAdded, ChangeKind::EdgeUpdated, ChangeKind::EdgeDeleted}) {
        EXPECT_EQ(changeKindFromName(changeKindName(k)), k);
    }
    EXPECT_EQ(changeKindName(ChangeKind::EdgeDeleted), "EdgeDeleted");
    EXPECT_FALSE(changeKindFromName("NodeRemoved").has_value());
}

}  // namespace
}  // namespace skydive::model
