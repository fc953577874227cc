// The REST API over a real socket: every endpoint with its success and error answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <skydive/model/json.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::HttpClient;
using client::Response;

const std::string kNode1 = R"({"ID":"n1","Metadata":{"Name":"eth0","Type":"device"}})";
const std::string kNode2 = R"({"ID":"n2","Metadata":{"Name":"eth1","Type":"device"}})";
const std::string kEdge1 =
    R"({"ID":"e1","Parent":"n1","Child":"n2","Metadata":{"RelationType":"layer2"}})";

Response must(model::Result<Response> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Response{};
}

model::Value json(const Response& r) {
    auto v = model::parseJson(r.body);
    EXPECT_TRUE(v.ok()) << r.body;
    return v.ok() ? *v : model::Value();
}

TEST(HttpApi, ApiInfo) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    auto r = must(c.request("GET", "/api"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"Host":"test-host","Version":"test","Service":"analyzer"})");
    EXPECT_EQ(r.header("content-type"), "application/json; charset=UTF-8");
}

TEST(HttpApi, StatusHasUpstreamSections) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    auto r = must(c.request("GET", "/api/status"));
    ASSERT_EQ(r.status, 200);
    auto v = json(r);
    for (const char* key : {"Agents", "Peers", "Publishers", "Subscribers", "Alerts", "Captures"})
        EXPECT_NE(v.asObject().find(key), nullptr) << key;
}

TEST(HttpApi, NodeCreateGetListDelete) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    EXPECT_EQ(must(c.request("GET", "/api/node")).body, "{}");
    auto created = must(c.request("POST", "/api/node", kNode1));
    ASSERT_EQ(created.status, 201) << created.body;
    auto node = json(created);
    EXPECT_EQ(*node.path("Origin"), model::Value("api.test-host"));
    EXPECT_EQ(*node.path("CreatedAt"), model::Value(kStart));
    EXPECT_EQ(*node.path("Revision"), model::Value(1));

    auto got = must(c.request("GET", "/api/node/n1"));
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, created.body);
    ASSERT_EQ(must(c.request("POST", "/api/node", kNode2)).status, 201);
    auto list = json(must(c.request("GET", "/api/node")));
    ASSERT_TRUE(list.isObject());
    EXPECT_EQ(list.asObject().size(), 2u);
    EXPECT_EQ(*list.path("n2.Metadata.Name"), model::Value("eth1"));

    auto dup = must(c.request("POST", "/api/node", kNode1));
    EXPECT_EQ(dup.status, 400);

    auto del = must(c.request("DELETE", "/api/node/n1"));
    EXPECT_EQ(del.status, 200);
    EXPECT_TRUE(del.body.empty());
    auto gone = must(c.request("GET", "/api/node/n1"));
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.body, "Node 'n1' not found\n");
    EXPECT_EQ(must(c.request("DELETE", "/api/node/n1")).status, 404);
}

TEST(HttpApi, NodeBadInput) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    auto bad_json = must(c.request("POST", "/api/node", "{\"ID\":"));
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_FALSE(bad_json.body.empty());
    EXPECT_EQ(
        must(c.request("POST", "/api/node", R"({"Metadata":{"Name":"a","Type":"b"}})")).status,
        400);
    auto no_type = must(c.request("POST", "/api/node", R"({"ID":"x","Metadata":{"Name":"a"}})"));
    EXPECT_EQ(no_type.status, 400);
    EXPECT_NE(no_type.body.find("Type"), std::string::npos);
    // netns nodes need a Path instead of nothing more.
    EXPECT_EQ(
        must(c.request("POST", "/api/node", R"({"ID":"x","Metadata":{"Name":"a","Type":"netns"}})"))
            .status,
        400);
    EXPECT_EQ(must(c.request("POST", "/api/node",
                             R"({"ID":"x","Metadata":{"Name":"a","Type":"netns","Path":"/p"}})"))
                  .status,
              201);
    // Nothing was stored by the failed requests.
    EXPECT_EQ(json(must(c.request("GET", "/api/node"))).asObject().size(), 1u);
}

TEST(HttpApi, EdgeCreateAndErrors) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    EXPECT_EQ(must(c.request("POST", "/api/edge", kEdge1)).status, 400);  // no endpoints yet
    ASSERT_EQ(must(c.request("POST", "/api/node", kNode1)).status, 201);
    ASSERT_EQ(must(c.request("POST", "/api/node", kNode2)).status, 201);
    auto no_rel = must(
        c.request("POST", "/api/edge", R"({"ID":"e1","Parent":"n1","Child":"n2","Metadata":{}})"));
    EXPECT_EQ(no_rel.status, 400);
    EXPECT_NE(no_rel.body.find("RelationType"), std::string::npos);
    auto created = must(c.request("POST", "/api/edge", kEdge1));
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(*json(created).path("Parent"), model::Value("n1"));
    EXPECT_EQ(json(must(c.request("GET", "/api/edge"))).asObject().size(), 1u);
    EXPECT_EQ(must(c.request("GET", "/api/edge/nope")).body, "Edge 'nope' not found\n");
    // Deleting a node deletes its edges first.
    ASSERT_EQ(must(c.request("DELETE", "/api/node/n1")).status, 200);
    EXPECT_EQ(must(c.request("GET", "/api/edge/e1")).status, 404);
}

TEST(HttpApi, TopologyGetReturnsWholeGraph) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    EXPECT_EQ(must(c.request("GET", "/api/topology")).body, R"({"Nodes":null,"Edges":null})");
    ASSERT_EQ(must(c.request("POST", "/api/node", kNode1)).status, 201);
    auto g = json(must(c.request("GET", "/api/topology")));
    EXPECT_EQ(g.path("Nodes")->asList().size(), 1u);
}

TEST(HttpApi, UnknownPathAndWrongMethod) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    EXPECT_EQ(must(c.request("GET", "/api/nothing")).status, 404);
    EXPECT_EQ(must(c.request("PUT", "/api/node")).status, 405);
    EXPECT_EQ(must(c.request("DELETE", "/api/status")).status, 405);
}

TEST(HttpApi, OversizedBodyIs413) {
    AnalyzerOptions options;
    options.limits.max_body_bytes = 1024;
    TestAnalyzer t("", options);
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    std::string big =
        R"({"ID":"big","Metadata":{"Name":"a","Type":"b","X":")" + std::string(4096, 'x') + "\"}}";
    auto r = must(c.request("POST", "/api/node", big));
    EXPECT_EQ(r.status, 413);
    // The server is still up and nothing was stored.
    auto c2 = t.client();
    EXPECT_EQ(must(c2.request("GET", "/api/node")).body, "{}");
}

TEST(HttpApi, ConfigKey) {
    TestAnalyzer t("http:\n  ws:\n    queue_size: 77\nfoo:\n  bar: [1, two]\n");
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    EXPECT_EQ(must(c.request("GET", "/api/config/analyzer.listen")).body, R"("127.0.0.1:0")");
    EXPECT_EQ(must(c.request("GET", "/api/config/http.ws.queue_size")).body, "77");
    EXPECT_EQ(must(c.request("GET", "/api/config/foo.bar")).body, R"([1,"two"])");
    EXPECT_EQ(must(c.request("GET", "/api/config/not.set")).body, "null");
}

TEST(HttpApi, CorsAndPreflight) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    auto r = must(c.request("GET", "/api", "", {{"Origin", "http://ui.example"}}));
    EXPECT_EQ(r.header("access-control-allow-origin"), "*");
    auto pre = must(c.request("OPTIONS", "/api/node", "",
                              {{"Origin", "http://ui.example"},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "Content-Type, X-Other"}}));
    EXPECT_EQ(pre.status, 200);
    EXPECT_EQ(pre.header("access-control-allow-headers"), "content-type");
    EXPECT_NE(pre.header("access-control-allow-methods")->find("DELETE"), std::string::npos);
}

TEST(HttpApi, GzipWhenAsked) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    for (int i = 0; i < 20; ++i) {
        std::string body =
            R"({"ID":"n)" + std::to_string(i) + R"(","Metadata":{"Name":"eth","Type":"device"}})";
        ASSERT_EQ(must(c.request("POST", "/api/node", body)).status, 201);
    }
    auto plain = must(c.request("GET", "/api/node"));
    EXPECT_FALSE(plain.header("content-encoding"));
    auto gz = must(c.request("GET", "/api/node", "", {{"Accept-Encoding", "gzip, deflate"}}));
    EXPECT_EQ(gz.header("content-encoding"), "gzip");
    EXPECT_LT(gz.body.size(), plain.body.size());
    // gzip magic bytes
    ASSERT_GE(gz.body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(gz.body[1]), 0x8b);
}

TEST(HttpApi, MetricsInPrometheusFormat) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    ASSERT_EQ(must(c.request("POST", "/api/node", kNode1)).status, 201);
    (void)must(c.request("GET", "/api/node/zz"));
    auto m = must(c.request("GET", "/metrics"));
    EXPECT_EQ(m.status, 200);
    EXPECT_NE(m.body.find(R"(skydive_http_requests_total{method="POST",code="201"} 1)"),
              std::string::npos)
        << m.body;
    EXPECT_NE(m.body.find(R"(skydive_http_requests_total{method="GET",code="404"} 1)"),
              std::string::npos);
    EXPECT_NE(m.body.find("skydive_graph_nodes 1\n"), std::string::npos);
    EXPECT_NE(m.body.find("# TYPE skydive_http_request_duration_seconds histogram"),
              std::string::npos);
}

// Two requests written at once on one connection are answered in order.
TEST(HttpApi, PipelinedRequestsAnsweredInOrder) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(t.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string reqs =
        "GET /api/node/a HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(write(fd, reqs.data(), reqs.size()), static_cast<ssize_t>(reqs.size()));
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) all.append(buf, n);
    close(fd);
    auto first = all.find("HTTP/1.1 404");
    auto second = all.find("HTTP/1.1 200");
    ASSERT_NE(first, std::string::npos) << all;
    ASSERT_NE(second, std::string::npos) << all;
    EXPECT_LT(first, second);
}

TEST(HttpApi, MalformedRequestClosesConnectionOnly) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    auto r = c.rawExchange("GARBAGE\r\n\r\n");
    EXPECT_FALSE(r.ok());
    auto c2 = t.client();
    EXPECT_EQ(must(c2.request("GET", "/api")).status, 200);
}

TEST(HttpApi, StopWithOpenConnectionsIsQuick) {
    TestAnalyzer t;
    ASSERT_TRUE(t.ok()) << t.error();
    auto c = t.client();
    ASSERT_EQ(must(c.request("GET", "/api")).status, 200);  // keep-alive connection stays open
    auto start = std::chrono::steady_clock::now();
    t.analyzer().stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_FALSE(c.request("GET", "/api").ok());
}

}  // namespace
}  // namespace skydive::server::testing
