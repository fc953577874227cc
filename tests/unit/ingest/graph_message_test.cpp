#include <skydive/ingest/graph_message.h>
#include <skydive/ingest/uuid.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

namespace skydive::ingest {
namespace {

using model::Edge;
using model::Node;
using model::Object;
using model::Value;

constexpr Time kNow = 1700000000000;

Node sampleNode() {
    Node n;
    n.id = "n1";
    n.metadata = Value(Object{{"Name", "eth0"}, {"Type", "device"}});
    n.host = "h";
    n.origin = "agent.h";
    n.created_at = n.updated_at = 1600000001000;
    n.revision = 1;
    return n;
}

Edge sampleEdge() {
    Edge e;
    e.id = "e1";
    e.metadata = Value(Object{{"RelationType", "ownership"}});
    e.host = "h";
    e.origin = "agent.h";
    e.created_at = e.updated_at = 5;
    e.revision = 1;
    e.parent = "n1";
    e.child = "n2";
    return e;
}

TEST(GraphMessageGolden, NodeAddedEnvelopeKeyOrder) {
    GraphMessage msg{GraphMessageType::NodeAdded, "u-1", 200, sampleNode()};
    EXPECT_EQ(encodeGraphMessage(msg),
              R"({"Namespace":"Graph","Type":"NodeAdded","UUID":"u-1","Status":200,"Obj":)"
              R"({"ID":"n1","Metadata":{"Name":"eth0","Type":"device"},"Host":"h",)"
              R"("Origin":"agent.h","CreatedAt":1600000001000,"UpdatedAt":1600000001000,)"
              R"("DeletedAt":null,"Revision":1}})");
}

TEST(GraphMessageGolden, EmptyUuidAndZeroStatusAreOmitted) {
    GraphMessage msg{GraphMessageType::SyncRequest, "", 0, SyncRequest{}};
    EXPECT_EQ(encodeGraphMessage(msg),
              R"({"Namespace":"Graph","Type":"SyncRequest","Obj":{"GremlinFilter":null}})");
    EXPECT_EQ(encodeEnvelope("", "", "", 0, ""), R"({"Obj":null})");
}

TEST(GraphMessageGolden, SyncRequestWithTimeAndFilter) {
    GraphMessage msg{GraphMessageType::SyncRequest, "x", 0,
                     SyncRequest{1600000000000, std::string("G.V().SubGraph()")}};
    EXPECT_EQ(encodeGraphMessage(msg),
              R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"x","Obj":)"
              R"j({"Time":1600000000000,"GremlinFilter":"G.V().SubGraph()"}})j");
}

TEST(GraphMessageGolden, SyncReplyEmptyGraphHasNullLists) {
    GraphMessage msg{GraphMessageType::SyncReply, "r", 200, model::Graph{}};
    EXPECT_EQ(encodeGraphMessage(msg),
              R"({"Namespace":"Graph","Type":"SyncReply","UUID":"r","Status":200,)"
              R"("Obj":{"Nodes":null,"Edges":null}})");
    GraphMessage err{GraphMessageType::SyncReply, "r", 400, std::string("did not return a graph")};
    EXPECT_EQ(encodeGraphMessage(err),
              R"({"Namespace":"Graph","Type":"SyncReply","UUID":"r","Status":400,)"
              R"("Obj":"did not return a graph"})");
}

TEST(GraphMessageGolden, PartialUpdateOps) {
    PartialUpdate p{"n1", 77, 3, {}, false};
    p.ops.push_back({PartialOpType::Set, "a.b", Value(5)});
    p.ops.push_back({PartialOpType::Delete, "c", Value()});
    GraphMessage msg{GraphMessageType::NodePartiallyUpdated, "p", 200, p};
    EXPECT_EQ(encodeGraphMessage(msg),
              R"({"Namespace":"Graph","Type":"NodePartiallyUpdated","UUID":"p","Status":200,)"
              R"("Obj":{"ID":"n1","UpdatedAt":77,"Revision":3,"Ops":[{"Type":1,"Key":"a.b",)"
              R"("Value":5},{"Type":2,"Key":"c"}]}})");
    PartialUpdate edge{"e1", 77, 3, {}, true};
    GraphMessage em{GraphMessageType::EdgePartiallyUpdated, "p", 200, edge};
    EXPECT_NE(encodeGraphMessage(em).find(R"("Ops":null)"), std::string::npos);
}

TEST(GraphMessageRoundTrip, EveryType) {
    model::Graph g{{sampleNode()}, {sampleEdge()}};
    PartialUpdate p{"n1", 9, 2, {{PartialOpType::Set, "x", Value("y")}}, false};
    std::vector<GraphMessage> messages = {
        {GraphMessageType::SyncRequest, "1", 0, SyncRequest{5, std::string("")}},
        {GraphMessageType::SyncReply, "2", 200, g},
        {GraphMessageType::SyncReply, "2", 400, std::monostate{}},
        {GraphMessageType::SyncReply, "2", 400, std::string("bad filter")},
        {GraphMessageType::Sync, "3", 200, g},
        {GraphMessageType::NodeAdded, "4", 200, sampleNode()},
        {GraphMessageType::NodeUpdated, "5", 200, sampleNode()},
        {GraphMessageType::NodeDeleted, "6", 200, sampleNode()},
        {GraphMessageType::EdgeAdded, "7", 200, sampleEdge()},
        {GraphMessageType::EdgeUpdated, "8", 200, sampleEdge()},
        {GraphMessageType::EdgeDeleted, "9", 200, sampleEdge()},
        {GraphMessageType::NodePartiallyUpdated, "10", 200, p},
        {GraphMessageType::EdgePartiallyUpdated, "11", 200, PartialUpdate{"e1", 1, 1, {}, true}},
    };
    for (const auto& msg : messages) {
        std::string json = encodeGraphMessage(msg);
        auto back = decodeGraphMessage(json, kNow);
        ASSERT_TRUE(back.ok()) << json << ": " << back.error().message;
        EXPECT_EQ(*back, msg) << json;
        EXPECT_EQ(encodeGraphMessage(*back), json);
    }
}

TEST(GraphMessageDecode, AcceptsUpstreamAgentMessage) {
    // What an upstream agent sends: Format present (ignored), no CreatedAt on the node.
    auto msg = decodeGraphMessage(
        R"({"Namespace":"Graph","Type":"NodeAdded","UUID":"a","Status":200,"Format":0,)"
        R"("Obj":{"ID":"n9","Metadata":{"MTU":1500},"Host":"h","Origin":"agent.h"}})",
        kNow);
    ASSERT_TRUE(msg.ok()) << msg.error().message;
    const auto& n = std::get<Node>(msg->payload);
    EXPECT_EQ(n.id, "n9");
    EXPECT_EQ(n.created_at, kNow);
    EXPECT_EQ(*n.metadata.path("MTU"), Value(1500));
}

TEST(GraphMessageDecode, RejectsBadInput) {
    auto expectInvalid = [](std::string_view json) {
        auto r = decodeGraphMessage(json, kNow);
        ASSERT_FALSE(r.ok()) << json;
        EXPECT_EQ(r.error().code, model::ErrorCode::InvalidArgument) << json;
        EXPECT_FALSE(r.error().message.empty());
    };
    expectInvalid("not json");
    expectInvalid("[1,2]");
    expectInvalid(R"({"Namespace":"Flow","Type":"NodeAdded","Obj":{}})");
    expectInvalid(R"({"Namespace":"Graph","Type":"Bogus","Obj":{}})");
    expectInvalid(R"({"Namespace":"Graph","Type":"NodeAdded","Obj":{"Metadata":{}}})");
    expectInvalid(R"({"Namespace":"Graph","Type":"EdgeAdded","Obj":{"ID":"e","Parent":"a"}})");
    expectInvalid(R"({"Namespace":"Graph","Type":"NodePartiallyUpdated","Obj":)"
                  R"({"ID":"n","Ops":[{"Type":3,"Key":"a"}]}})");
    expectInvalid(R"({"Namespace":"Graph","Type":"SyncRequest","Obj":{"Time":"soon"}})");
    expectInvalid(R"({"Namespace":1,"Type":"SyncRequest"})");
    expectInvalid(R"({"Namespace":"Graph","Type":"Sync","Obj":{"Nodes":{}}})");
}

TEST(GraphMessageDecode, SyncRequestWithoutObjIsEmptyRequest) {
    auto r = decodeGraphMessage(R"({"Namespace":"Graph","Type":"SyncRequest"})", kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::get<SyncRequest>(r->payload), SyncRequest{});
}

TEST(GraphMessage, ForChangeUsesKindAndFreshUuid) {
    model::Change c{model::ChangeKind::EdgeDeleted, sampleEdge()};
    auto a = messageForChange(c);
    auto b = messageForChange(c);
    EXPECT_EQ(a.type, GraphMessageType::EdgeDeleted);
    EXPECT_EQ(a.status, 200);
    EXPECT_TRUE(looksLikeUuid(a.uuid));
    EXPECT_NE(a.uuid, b.uuid);
    EXPECT_EQ(a.uuid[14], '4');
    EXPECT_EQ(std::get<Edge>(a.payload), sampleEdge());
}

TEST(GraphMessage, ApplyPartialOps) {
    Value md = Value(Object{{"A", 1}, {"C", 2}});
    ASSERT_TRUE(applyPartialOps(
        md, {{PartialOpType::Set, "B.x", Value("v")}, {PartialOpType::Delete, "C", Value()}}));
    EXPECT_EQ(model::toJson(md), R"({"A":1,"B":{"x":"v"}})");
    EXPECT_FALSE(applyPartialOps(md, {{PartialOpType::Set, "A.y", Value(1)}}));
}

TEST(GraphMessage, TypeNamesRoundTrip) {
    for (int i = 0; i <= static_cast<int>(GraphMessageType::EdgePartiallyUpdated); ++i) {
        auto t = static_cast<GraphMessageType>(i);
        EXPECT_EQ(graphMessageTypeFromName(graphMessageTypeName(t)), t);
    }
    EXPECT_FALSE(graphMessageTypeFromName("nodeadded"));
}

TEST(DiffMetadata, NestedKeysDottedAndApplyingGivesTheAfter) {
    auto before = model::parseJson(R"({"A":1,"B":{"C":"x","D":[1]},"Gone":true,"Same":"s"})");
    auto after = model::parseJson(R"({"A":2,"B":{"C":"y","D":[1],"E":{}},"Same":"s","New":null})");
    ASSERT_TRUE(before.ok() && after.ok());
    auto ops = diffMetadata(*before, *after);
    std::vector<std::string> seen;
    for (const auto& op : ops)
        seen.push_back(std::to_string(static_cast<int>(op.type)) + " " + op.key);
    EXPECT_EQ(seen, (std::vector<std::string>{"1 A", "1 B.C", "1 B.E", "1 New", "2 Gone"}));
    Value applied = *before;
    ASSERT_TRUE(applyPartialOps(applied, ops));
    EXPECT_EQ(applied, *after);
    EXPECT_TRUE(diffMetadata(*after, *after).empty());
}

TEST(DiffMetadata, PartialEventsForNodesAndEdges) {
    Node n = sampleNode();
    n.revision = 3;
    n.updated_at = 1600000002000;
    auto before = Value(Object{{"Name", "eth0"}});
    auto msg = partialMessageForUpdate(model::Change{model::ChangeKind::NodeUpdated, n}, before);
    EXPECT_EQ(msg.type, GraphMessageType::NodePartiallyUpdated);
    std::string json = encodeGraphMessage(msg);
    EXPECT_NE(json.find(R"("Obj":{"ID":"n1","UpdatedAt":1600000002000,"Revision":3,)"
                        R"("Ops":[{"Type":1,"Key":"Type","Value":"device"}]})"),
              std::string::npos)
        << json;
    auto edge = partialMessageForUpdate(model::Change{model::ChangeKind::EdgeUpdated, sampleEdge()},
                                        Value::object());
    EXPECT_EQ(edge.type, GraphMessageType::EdgePartiallyUpdated);
    EXPECT_NE(encodeGraphMessage(edge).find(R"("Ops":null)"), std::string::npos);
}

}  // namespace
}  // namespace skydive::ingest
