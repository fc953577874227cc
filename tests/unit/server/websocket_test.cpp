// WebSocket endpoints over real sockets: sync, live events, filter, publishers, agents, slow
// subscribers (spec §5).
#include <atomic>
#include <thread>

#include <skydive/ingest/graph_message.h>
#include <skydive/ingest/struct_message.h>
#include <skydive/model/json.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::WsClient;
using ingest::GraphMessage;
using ingest::GraphMessageType;
using namespace std::chrono_literals;

constexpr auto kWait = 3000ms;

std::unique_ptr<WsClient> connectWs(TestAnalyzer& t, std::string_view path,
                                    client::Headers headers = {{"X-Client-Type", "test"}}) {
    auto ws = WsClient::connect(t.options(), path, headers);
    EXPECT_TRUE(ws.ok()) << (ws.ok() ? "" : ws.error().message);
    return ws.ok() ? std::move(ws).value() : nullptr;
}

GraphMessage next(WsClient& ws) {
    auto text = ws.receive(kWait);
    EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
    if (!text.ok()) return {};
    auto msg = ingest::decodeGraphMessage(*text, 1);
    EXPECT_TRUE(msg.ok()) << *text;
    return msg.ok() ? std::move(msg).value() : GraphMessage{};
}

std::string idOf(const GraphMessage& m) {
    if (auto* n = std::get_if<model::Node>(&m.payload)) return n->id.str();
    if (auto* e = std::get_if<model::Edge>(&m.payload)) return e->id.str();
    return {};
}

void post(TestAnalyzer& t, std::string_view path, std::string body, int expect = 201) {
    auto c = t.client();
    auto r = c.request("POST", path, std::move(body));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, expect) << r->body;
}

std::string node(std::string_view id, std::string_view name) {
    return std::string(R"({"ID":")") + std::string(id) + R"(","Metadata":{"Name":")" +
           std::string(name) + R"(","Type":"device"}})";
}

std::string nodeMessage(std::string_view type, std::string_view id, std::string_view name,
                        int revision = 1) {
    return std::string(R"({"Namespace":"Graph","Type":")") + std::string(type) +
           R"(","Obj":{"ID":")" + std::string(id) + R"(","Metadata":{"Name":")" +
           std::string(name) + R"(","Type":"device"},"Revision":)" + std::to_string(revision) +
           "}}";
}

model::Value getJson(TestAnalyzer& t, std::string_view path) {
    auto c = t.client();
    auto r = c.request("GET", path);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->status != 200) return model::Value();
    auto v = model::parseJson(r->body);
    return v.ok() ? *v : model::Value();
}

/// Polls until `pred` holds (publisher messages are applied asynchronously).
template <class Pred>
bool eventually(Pred pred) {
    for (int i = 0; i < 300; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

TEST(WebSocket, HandshakeHeadersAndSyncReply) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    post(t, "/api/node", node("n1", "eth0"));
    auto ws = connectWs(t, "/ws/subscriber");
    ASSERT_TRUE(ws);
    bool host = false, service = false;
    for (const auto& [k, v] : ws->handshakeHeaders()) {
        host |= k == "x-host-id" && v == "test-host";
        service |= k == "x-service-type" && v == "analyzer";
    }
    EXPECT_TRUE(host && service);
    ASSERT_TRUE(ws->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"req-1",)"
                         R"("Obj":{"GremlinFilter":null}})")
                    .ok());
    auto reply = next(*ws);
    EXPECT_EQ(reply.type, GraphMessageType::SyncReply);
    EXPECT_EQ(reply.uuid, "req-1");
    EXPECT_EQ(reply.status, 200);
    const auto& g = std::get<model::Graph>(reply.payload);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].id, "n1");
    // The subscriber is listed in /api/status.
    auto status = getJson(t, "/api/status");
    EXPECT_EQ(status.path("Subscribers")->asObject().size(), 1u);
}

TEST(WebSocket, LiveEventsInOrder) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto ws = connectWs(t, "/ws/subscriber");
    ASSERT_TRUE(ws);
    post(t, "/api/node", node("n1", "eth0"));
    post(t, "/api/node", node("n2", "eth1"));
    post(t, "/api/edge",
         R"({"ID":"e1","Parent":"n1","Child":"n2","Metadata":{"RelationType":"layer2"}})");
    auto c = t.client();
    ASSERT_EQ(c.request("DELETE", "/api/node/n1")->status, 200);
    std::vector<std::pair<GraphMessageType, std::string>> want = {
        {GraphMessageType::NodeAdded, "n1"},   {GraphMessageType::NodeAdded, "n2"},
        {GraphMessageType::EdgeAdded, "e1"},   {GraphMessageType::EdgeDeleted, "e1"},
        {GraphMessageType::NodeDeleted, "n1"},
    };
    for (const auto& [type, id] : want) {
        auto m = next(*ws);
        EXPECT_EQ(m.type, type) << ingest::graphMessageTypeName(m.type);
        EXPECT_EQ(idOf(m), id);
        EXPECT_EQ(m.status, 200);
        EXPECT_EQ(m.uuid.size(), 36u);
    }
}

TEST(WebSocket, GremlinFilterSendsOnlyMatchingElements) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto ws = connectWs(
        t, "/ws/subscriber",
        {{"X-Client-Type", "test"}, {"X-Gremlin-Filter", "G.V().Has('Name', 'eth0').SubGraph()"}});
    ASSERT_TRUE(ws);
    post(t, "/api/node", node("other", "lo"));
    post(t, "/api/node", node("n1", "eth0"));
    auto m = next(*ws);
    EXPECT_EQ(m.type, GraphMessageType::NodeAdded);
    EXPECT_EQ(idOf(m), "n1");
    EXPECT_FALSE(ws->receive(200ms).ok());  // nothing about "other"
    // SyncRequest with an empty filter resets the subscription.
    ASSERT_TRUE(ws->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"r",)"
                         R"("Obj":{"GremlinFilter":""}})")
                    .ok());
    auto reply = next(*ws);
    EXPECT_EQ(reply.type, GraphMessageType::SyncReply);
    EXPECT_EQ(std::get<model::Graph>(reply.payload).nodes.size(), 2u);
    post(t, "/api/node", node("n3", "eth3"));
    EXPECT_EQ(idOf(next(*ws)), "n3");
}

TEST(WebSocket, BadFiltersAreRefused) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto bad = WsClient::connect(t.options(), "/ws/subscriber",
                                 {{"X-Client-Type", "t"}, {"X-Gremlin-Filter", "G.V().Nope("}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message.rfind("400", 0), 0u) << bad.error().message;
    auto count = WsClient::connect(t.options(), "/ws/subscriber?x-gremlin-filter=G.V().Count()",
                                   {{"X-Client-Type", "t"}});
    ASSERT_FALSE(count.ok());
    // A SyncRequest with a non-graph filter gets a 400 reply with the error text.
    auto ws = connectWs(t, "/ws/subscriber");
    ASSERT_TRUE(ws);
    ASSERT_TRUE(ws->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"r",)"
                         R"j("Obj":{"GremlinFilter":"G.V().Count()"}})j")
                    .ok());
    auto reply = next(*ws);
    EXPECT_EQ(reply.status, 400);
    ASSERT_TRUE(std::holds_alternative<std::string>(reply.payload));
    EXPECT_NE(std::get<std::string>(reply.payload).find("did not return a graph"),
              std::string::npos);
}

TEST(WebSocket, PublisherMessagesAreApplied) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto pub = connectWs(t, "/ws/publisher", {{"X-Client-Type", "ext"}, {"X-Host-ID", "pub1"}});
    ASSERT_TRUE(pub);
    ASSERT_TRUE(pub->send(nodeMessage("NodeAdded", "p1", "eth0")).ok());
    // Invalid (no Name) elements are dropped, the connection stays.
    ASSERT_TRUE(pub->send(R"({"Namespace":"Graph","Type":"NodeAdded","Obj":{"ID":"bad",)"
                          R"("Metadata":{}}})")
                    .ok());
    ASSERT_TRUE(pub->send(R"({"Namespace":"Graph","Type":"NodePartiallyUpdated","Obj":)"
                          R"({"ID":"p1","UpdatedAt":5,"Revision":2,"Ops":[{"Type":1,)"
                          R"("Key":"MTU","Value":9000}]}})")
                    .ok());
    ASSERT_TRUE(eventually([&] {
        auto n = getJson(t, "/api/node/p1");
        return n.isObject() && n.path("Metadata.MTU") == model::Value(9000);
    }));
    auto n = getJson(t, "/api/node/p1");
    EXPECT_EQ(*n.path("Origin"), model::Value("ext.pub1"));
    EXPECT_EQ(*n.path("Revision"), model::Value(2));
    EXPECT_TRUE(getJson(t, "/api/node/bad").isNull());
    // A stale revision is ignored.
    ASSERT_TRUE(pub->send(nodeMessage("NodeUpdated", "p1", "stale", 1)).ok());
    ASSERT_TRUE(pub->send(nodeMessage("NodeDeleted", "p1", "eth0", 3)).ok());
    EXPECT_TRUE(eventually([&] { return getJson(t, "/api/node/p1").isNull(); }));
    // SyncRequest on a publisher: the whole graph.
    ASSERT_TRUE(pub->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"s"})").ok());
    auto reply = next(*pub);
    EXPECT_EQ(reply.type, GraphMessageType::SyncReply);
    EXPECT_EQ(reply.uuid, "s");
}

TEST(WebSocket, AgentSyncResyncAndDeleteOnDisconnect) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    post(t, "/api/node", node("api1", "kept"));
    client::Headers h = {{"X-Client-Type", "agent"},
                         {"X-Host-ID", "agent1"},
                         {"X-Persistence-Policy", "DeleteOnDisconnect"}};
    auto sync = [](std::vector<std::string> ids) {
        std::string nodes;
        for (const auto& id : ids) {
            if (!nodes.empty()) nodes += ",";
            nodes += R"({"ID":")" + id +
                     R"(","Metadata":{"Name":"x","Type":"device"},"Origin":"agent.agent1"})";
        }
        return R"({"Namespace":"Graph","Type":"Sync","Obj":{"Nodes":[)" + nodes +
               R"(],"Edges":null}})";
    };
    {
        auto agent = connectWs(t, "/ws/agent/topology", h);
        ASSERT_TRUE(agent);
        // A second connection with the same host id is refused.
        auto dup = WsClient::connect(t.options(), "/ws/agent/topology", h);
        ASSERT_FALSE(dup.ok());
        EXPECT_EQ(dup.error().message.rfind("409", 0), 0u);
        ASSERT_TRUE(agent->send(sync({"a1", "a2"})).ok());
        ASSERT_TRUE(eventually([&] { return getJson(t, "/api/node").asObject().size() == 3; }));
        EXPECT_TRUE(getJson(t, "/api/status").path("Agents.agent1.IsConnected").has_value());
        // Resync (e.g. after a reconnect): the agent's old elements go, the new ones come.
        ASSERT_TRUE(agent->send(sync({"a2", "a3"})).ok());
        ASSERT_TRUE(eventually([&] { return getJson(t, "/api/node/a1").isNull(); }));
        EXPECT_FALSE(getJson(t, "/api/node/a3").isNull());
        EXPECT_FALSE(getJson(t, "/api/node/a2").isNull());
    }
    // Disconnect with DeleteOnDisconnect: only the API node is left.
    ASSERT_TRUE(eventually([&] { return getJson(t, "/api/node").asObject().size() == 1; }));
    EXPECT_FALSE(getJson(t, "/api/node/api1").isNull());
    EXPECT_TRUE(
        eventually([&] { return getJson(t, "/api/status").path("Agents")->asObject().empty(); }));
}

TEST(WebSocket, MissingClientTypeIsClosedAtOnce) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto ws = WsClient::connect(t.options(), "/ws/subscriber", {});
    ASSERT_TRUE(ws.ok());
    auto r = (*ws)->receive(kWait);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, model::ErrorCode::Unavailable);
}

// A subscriber that never reads is dropped once its queue is full; the one that reads gets every
// event, and the writer (the REST calls) never waits.
// A burst reaches the subscriber as gather-written batches of pre-framed frames: Beast's client
// must decode every frame (7-bit, 16-bit and fragmented lengths mixed) and the order must hold.
TEST(WebSocket, BurstOfMixedSizeEventsArrivesWholeAndInOrder) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto sub = connectWs(t, "/ws/subscriber");
    auto pub = connectWs(t, "/ws/publisher", {{"X-Client-Type", "ext"}, {"X-Host-ID", "burst"}});
    ASSERT_TRUE(sub && pub);
    constexpr int kEvents = 600;
    auto nameOf = [](int i) {
        std::size_t len = i % 3 == 0 ? 1 : i % 3 == 1 ? 300 : 9000;  // 7-bit, 16-bit, > 4 KiB
        return std::string(len, static_cast<char>('a' + i % 26));
    };
    for (int i = 0; i < kEvents; ++i)
        ASSERT_TRUE(pub->send(nodeMessage("NodeAdded", "b" + std::to_string(i), nameOf(i))).ok());
    for (int i = 0; i < kEvents; ++i) {
        auto m = next(*sub);
        ASSERT_EQ(m.type, GraphMessageType::NodeAdded) << i;
        ASSERT_EQ(idOf(m), "b" + std::to_string(i));
        const auto& n = std::get<model::Node>(m.payload);
        EXPECT_EQ(n.metadata.path("Name"), std::optional<model::Value>(model::Value(nameOf(i))));
    }
}

TEST(WebSocket, SlowSubscriberDroppedOthersKeepReceiving) {
    TestAnalyzer t("http:\n  ws:\n    queue_size: 100\n");
    ASSERT_TRUE(t.ok()) << t.error();
    auto slow = connectWs(t, "/ws/subscriber", {{"X-Client-Type", "t"}, {"X-Host-ID", "slow"}});
    auto fast = connectWs(t, "/ws/subscriber", {{"X-Client-Type", "t"}, {"X-Host-ID", "fast"}});
    ASSERT_TRUE(slow && fast);
    constexpr int kNodes = 400;
    std::atomic<int> received{0};
    std::thread reader([&] {
        while (received < kNodes) {
            auto m = fast->receive(5000ms);
            if (!m.ok()) break;
            ++received;
        }
    });
    std::string pad(64 * 1024, 'x');
    auto c = t.client();
    for (int i = 0; i < kNodes; ++i) {
        // The fast reader stays within its queue bound (100) even on a loaded machine: only
        // the subscriber that does not read at all may be dropped.
        ASSERT_TRUE(eventually([&] { return i - received.load() < 50; })) << i;
        std::string body = R"({"ID":"n)" + std::to_string(i) +
                           R"(","Metadata":{"Name":"n","Type":"device","Pad":")" + pad + "\"}}";
        auto r = c.request("POST", "/api/node", body);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->status, 201);
    }
    reader.join();
    EXPECT_EQ(received.load(), kNodes);
    ASSERT_TRUE(eventually(
        [&] { return getJson(t, "/api/status").path("Subscribers")->asObject().size() == 1; }));
    EXPECT_TRUE(getJson(t, "/api/status").path("Subscribers.fast").has_value());
    auto metrics = c.request("GET", "/metrics");
    EXPECT_NE(metrics->body.find("skydive_websocket_dropped_total 1"), std::string::npos);
    // The slow client's connection ends once what was in flight is read.
    int got = 0;
    while (slow->receive(2000ms).ok()) ++got;
    EXPECT_LT(got, kNodes);
}

// X-Client-Protocol: protobuf (spec §5.1): binary StructMessage frames both ways, JSON Obj.
TEST(WebSocket, ProtobufAgentAndSubscriber) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto sub = connectWs(t, "/ws/subscriber",
                         {{"X-Client-Type", "test"}, {"X-Client-Protocol", "protobuf"}});
    auto agent = connectWs(
        t, "/ws/agent/topology",
        {{"X-Client-Type", "agent"}, {"X-Host-ID", "h1"}, {"X-Client-Protocol", "protobuf"}});
    ASSERT_TRUE(sub && agent);
    auto pb = ingest::jsonEnvelopeToProtobuf(nodeMessage("NodeAdded", "p1", "eth0"));
    ASSERT_TRUE(pb.ok());
    ASSERT_TRUE(agent->sendBinary(*pb).ok());
    auto data = sub->receive(kWait);
    ASSERT_TRUE(data.ok()) << data.error().message;
    EXPECT_TRUE(sub->lastWasBinary());
    auto sm = ingest::decodeStructMessage(*data);
    ASSERT_TRUE(sm.ok()) << sm.error().message;
    EXPECT_EQ(sm->ns, "Graph");
    EXPECT_EQ(sm->type, "NodeAdded");
    EXPECT_EQ(sm->status, 200);
    EXPECT_EQ(sm->format, ingest::ObjFormat::Json);
    auto obj = model::parseJson(sm->obj);
    ASSERT_TRUE(obj.ok()) << sm->obj;
    EXPECT_EQ(obj->path("ID"), std::optional<model::Value>(model::Value("p1")));
    // A protobuf SyncRequest gets a protobuf SyncReply with the same UUID.
    ingest::StructMessage req{"Graph", "SyncRequest",           "req-1",
                              0,       ingest::ObjFormat::Json, R"({"GremlinFilter":null})"};
    ASSERT_TRUE(sub->sendBinary(ingest::encodeStructMessage(req)).ok());
    auto reply_bytes = sub->receive(kWait);
    ASSERT_TRUE(reply_bytes.ok());
    auto reply = ingest::decodeStructMessage(*reply_bytes);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->type, "SyncReply");
    EXPECT_EQ(reply->uuid, "req-1");
    EXPECT_NE(reply->obj.find("\"p1\""), std::string::npos);
    auto status = getJson(t, "/api/status");
    EXPECT_EQ(status.path("Agents.h1.ClientProtocol"),
              std::optional<model::Value>(model::Value("protobuf")));
    // Garbage bytes on a protobuf connection are ignored; the connection stays usable.
    ASSERT_TRUE(agent->sendBinary(std::string("\x0a\x7f", 2)).ok());
    ASSERT_TRUE(
        agent->sendBinary(*ingest::jsonEnvelopeToProtobuf(nodeMessage("NodeAdded", "p2", "eth1")))
            .ok());
    auto second = sub->receive(kWait);
    ASSERT_TRUE(second.ok());
    EXPECT_NE(second->find("\"p2\""), std::string::npos);
}

// /ws/pubsub: what a connection publishes is not echoed to it; a SyncRequest gets two replies.
TEST(WebSocket, PubSubDoesNotEchoAndRepliesTwice) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto ps = connectWs(t, "/ws/pubsub", {{"X-Client-Type", "ext"}, {"X-Host-ID", "ps"}});
    auto sub = connectWs(t, "/ws/subscriber");
    ASSERT_TRUE(ps && sub);
    ASSERT_TRUE(ps->send(nodeMessage("NodeAdded", "ps1", "a")).ok());
    auto seen = next(*sub);
    EXPECT_EQ(idOf(seen), "ps1");
    EXPECT_EQ(std::get<model::Node>(seen.payload).origin.view(), "ext.ps");
    post(t, "/api/node", node("rest1", "b"));
    auto first = next(*ps);  // not ps1: its own event was not sent back
    EXPECT_EQ(first.type, GraphMessageType::NodeAdded);
    EXPECT_EQ(idOf(first), "rest1");
    ASSERT_TRUE(
        ps->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"s1","Obj":{}})").ok());
    for (int i = 0; i < 2; ++i) {
        auto r = next(*ps);
        EXPECT_EQ(r.type, GraphMessageType::SyncReply) << i;
        EXPECT_EQ(r.uuid, "s1");
        const auto* g = std::get_if<model::Graph>(&r.payload);
        ASSERT_NE(g, nullptr);
        EXPECT_EQ(g->nodes.size(), 2u);
    }
}

// The subscription exists once the handshake is done: an event published right after it is
// delivered, however the server's threads are scheduled.
TEST(WebSocket, SubscriberSeesEventsPublishedRightAfterItsHandshake) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    for (int i = 0; i < 20; ++i) {
        auto sub = connectWs(t, "/ws/subscriber");
        ASSERT_TRUE(sub);
        const std::string id = "early" + std::to_string(i);
        post(t, "/api/node", node(id, "n"));
        EXPECT_EQ(idOf(next(*sub)), id) << i;
    }
}

// An agent that left without DeleteOnDisconnect loses its elements once its last pong is older
// than 5 × (ping_delay + pong_timeout) = 35 s; a connected agent keeps them.
TEST(WebSocket, DisconnectedAgentExpiresByPongAge) {
    AnalyzerOptions options;
    options.agent_expiry_interval = 20ms;
    TestAnalyzer t("", options);
    ASSERT_TRUE(t.ok()) << t.error();
    auto agentNode = [](std::string_view id, std::string_view host) {
        return std::string(R"({"Namespace":"Graph","Type":"NodeAdded","Obj":{"ID":")") +
               std::string(id) + R"(","Metadata":{"Name":"n","Type":"host"},"Origin":"agent.)" +
               std::string(host) + R"("}})";
    };
    auto gone =
        connectWs(t, "/ws/agent/topology", {{"X-Client-Type", "agent"}, {"X-Host-ID", "a"}});
    auto stays =
        connectWs(t, "/ws/agent/topology", {{"X-Client-Type", "agent"}, {"X-Host-ID", "b"}});
    ASSERT_TRUE(gone && stays);
    ASSERT_TRUE(gone->send(agentNode("na", "a")).ok());
    ASSERT_TRUE(stays->send(agentNode("nb", "b")).ok());
    auto count = [&] {
        auto c = t.client();
        auto r = c.request("POST", "/api/topology", R"j({"GremlinQuery":"G.V().Count()"})j");
        return r.ok() ? r->body : std::string();
    };
    ASSERT_TRUE(eventually([&] { return count() == "2"; }));
    gone->close();
    ASSERT_TRUE(
        eventually([&] { return !getJson(t, "/api/status").path("Agents.a").has_value(); }));
    t.clock().advance(34'000);
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(count(), "2");  // not yet 35 s
    t.clock().advance(2'000);
    EXPECT_TRUE(eventually([&] { return count() == "1"; }));
    auto c = t.client();
    auto r = c.request("GET", "/api/node/nb");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
}

// X-Update-Policy: partial (spec §5.3): updates arrive as NodePartiallyUpdated with the ops of
// the metadata change; "PARTIAL" is accepted but behaves as full.
TEST(WebSocket, PartialUpdatePolicy) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    post(t, "/api/node", node("u1", "before"));
    auto partial =
        connectWs(t, "/ws/subscriber",
                  {{"X-Client-Type", "t"}, {"X-Host-ID", "p"}, {"X-Update-Policy", "partial"}});
    auto upper =
        connectWs(t, "/ws/subscriber",
                  {{"X-Client-Type", "t"}, {"X-Host-ID", "u"}, {"X-Update-Policy", "PARTIAL"}});
    ASSERT_TRUE(partial && upper);
    auto pub = connectWs(t, "/ws/publisher", {{"X-Client-Type", "ext"}, {"X-Host-ID", "pp"}});
    ASSERT_TRUE(pub);
    ASSERT_TRUE(pub->send(nodeMessage("NodeUpdated", "u1", "after", 5)).ok());
    auto m = next(*partial);
    ASSERT_EQ(m.type, GraphMessageType::NodePartiallyUpdated);
    const auto& p = std::get<ingest::PartialUpdate>(m.payload);
    EXPECT_EQ(p.id, "u1");
    EXPECT_EQ(p.revision, 5);
    ASSERT_EQ(p.ops.size(), 1u);
    EXPECT_EQ(p.ops[0].type, ingest::PartialOpType::Set);
    EXPECT_EQ(p.ops[0].key, "Name");
    EXPECT_EQ(p.ops[0].value, model::Value("after"));
    EXPECT_EQ(next(*upper).type, GraphMessageType::NodeUpdated);
    // Additions still come in full.
    ASSERT_TRUE(pub->send(nodeMessage("NodeAdded", "u2", "x")).ok());
    EXPECT_EQ(next(*partial).type, GraphMessageType::NodeAdded);
}

}  // namespace
}  // namespace skydive::server::testing
