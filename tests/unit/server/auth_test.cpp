// Authentication, sessions, roles and TLS on a real server (spec §4.3, §0).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "api/auth.h"
#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

using client::Response;
using namespace std::chrono_literals;

Response must(model::Result<Response> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Response{};
}

class TempDir {
public:
    TempDir() {
        path_ = std::filesystem::temp_directory_path() /
                ("skydive-auth-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

/// basic auth from an htpasswd file of bcrypt hashes; bob is a guest.
class AuthTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(dir_ / "htpasswd") << "alice:" << Auth::bcryptHash("secret") << "\n"
                                         << "bob:" << Auth::bcryptHash("guestpw") << "\n";
        std::string yaml =
            "analyzer:\n  auth:\n    api:\n      backend: basic\n"
            "auth:\n  basic:\n    type: basic\n    file: " +
            (dir_ / "htpasswd").string() + "\n    roles:\n      bob: guest\n    session_ttl: 60\n";
        t_ = std::make_unique<TestAnalyzer>(yaml);
        ASSERT_TRUE(t_->ok()) << t_->error();
    }
    client::ClientOptions as(std::string user, std::string password) {
        auto o = t_->options();
        o.username = std::move(user);
        o.password = std::move(password);
        return o;
    }

    TempDir dir_;
    std::unique_ptr<TestAnalyzer> t_;
};

TEST_F(AuthTest, MissingAndWrongCredentialsAre401) {
    auto anon = t_->client();
    auto r = must(anon.request("GET", "/api/status"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, "No credentials provided");
    client::HttpClient wrong(as("alice", "nope"));
    auto w = must(wrong.request("GET", "/api/status"));
    EXPECT_EQ(w.status, 401);
    EXPECT_EQ(w.body, "Wrong credentials");
    client::HttpClient unknown(as("mallory", "secret"));
    EXPECT_EQ(must(unknown.request("GET", "/api/status")).status, 401);
    // /login is reachable without credentials and refuses wrong ones.
    EXPECT_EQ(must(anon.request("POST", "/login", "username=alice&password=nope",
                                {{"Content-Type", "application/x-www-form-urlencoded"}}))
                  .status,
              401);
}

TEST_F(AuthTest, BasicCredentialsWork) {
    client::HttpClient alice(as("alice", "secret"));
    EXPECT_EQ(must(alice.request("GET", "/api/status")).status, 200);
    EXPECT_EQ(must(alice.request("POST", "/api/node",
                                 R"({"ID":"n1","Metadata":{"Name":"a","Type":"b"}})"))
                  .status,
              201);
}

TEST_F(AuthTest, LoginTokenCookieAndExpiry) {
    auto anon = t_->client();
    auto login = must(anon.request(
        "POST", "/login", "username=alice&password=secret",
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", "http://ui"}}));
    ASSERT_EQ(login.status, 200) << login.body;
    auto cookie = login.header("set-cookie");
    ASSERT_TRUE(cookie);
    ASSERT_EQ(cookie->rfind("authtoken=", 0), 0u);
    EXPECT_EQ(login.header("access-control-allow-credentials"), "true");
    EXPECT_NE(login.body.find(R"("Token":")"), std::string::npos);
    std::string token(cookie->substr(10, cookie->find(';') - 10));
    auto o = t_->options();
    o.auth_token = token;
    client::HttpClient with_token(o);
    EXPECT_EQ(must(with_token.request("GET", "/api/status")).status, 200);
    // Also as X-Auth-Token header and on a WebSocket.
    EXPECT_EQ(must(anon.request("GET", "/api/status", "", {{"X-Auth-Token", token}})).status, 200);
    auto ws = client::WsClient::connect(o, "/ws/subscriber", {{"X-Client-Type", "t"}});
    EXPECT_TRUE(ws.ok()) << (ws.ok() ? "" : ws.error().message);
    // Past the session TTL (60 s) the token is refused.
    t_->clock().advance(61'000);
    auto expired = must(with_token.request("GET", "/api/status"));
    EXPECT_EQ(expired.status, 401);
    EXPECT_EQ(expired.body, "Session expired");
    auto ws2 = client::WsClient::connect(o, "/ws/subscriber", {{"X-Client-Type", "t"}});
    ASSERT_FALSE(ws2.ok());
    EXPECT_EQ(ws2.error().message.rfind("401", 0), 0u);
}

TEST_F(AuthTest, GuestCanReadButNotWrite) {
    client::HttpClient bob(as("bob", "guestpw"));
    EXPECT_EQ(must(bob.request("GET", "/api/status")).status, 200);
    EXPECT_EQ(
        must(bob.request("POST", "/api/topology", R"j({"GremlinQuery":"G.V().Count()"})j")).body,
        "0");
    auto write =
        must(bob.request("POST", "/api/node", R"({"ID":"n1","Metadata":{"Name":"a","Type":"b"}})"));
    EXPECT_EQ(write.status, 405);
    EXPECT_EQ(write.body, "'bob' has no 'write' permission on 'node'\n");
    auto list = must(bob.request("GET", "/api/node"));
    EXPECT_EQ(list.status, 405);
    EXPECT_TRUE(list.body.empty());
    // WebSocket: guest may subscribe but not publish.
    EXPECT_TRUE(
        client::WsClient::connect(as("bob", "guestpw"), "/ws/subscriber", {{"X-Client-Type", "t"}})
            .ok());
    auto pub =
        client::WsClient::connect(as("bob", "guestpw"), "/ws/publisher", {{"X-Client-Type", "t"}});
    ASSERT_FALSE(pub.ok());
    EXPECT_EQ(pub.error().message.rfind("403", 0), 0u);
    // Nothing was written.
    client::HttpClient alice(as("alice", "secret"));
    EXPECT_EQ(must(alice.request("GET", "/api/node")).body, "{}");
}

TEST(AuthConfig, BasicWithoutUsersIsAnError) {
    model::ManualClock clock(0);
    Config config;
    config.setEnvironment({});
    ASSERT_TRUE(config.loadString("analyzer:\n  auth:\n    api:\n      backend: basic\n").ok());
    auto auth = Auth::fromConfig(config, "analyzer.auth.api.backend", clock);
    ASSERT_FALSE(auth.ok());
    ASSERT_TRUE(config.loadString("auth:\n  basic:\n    users:\n      u: p\n").ok());
    auto ok = Auth::fromConfig(config, "analyzer.auth.api.backend", clock);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ((*ok)->type(), Auth::Type::Basic);
    ASSERT_TRUE(config
                    .loadString("auth:\n  weird:\n    type: ldap\nanalyzer:\n  auth:\n    api:\n"
                                "      backend: weird\n")
                    .ok());
    EXPECT_FALSE(Auth::fromConfig(config, "analyzer.auth.api.backend", clock).ok());
}

TEST(AuthConfig, BcryptVerify) {
    std::string h = Auth::bcryptHash("pw");
    ASSERT_EQ(h.rfind("$2b$05$", 0), 0u) << h;
    EXPECT_TRUE(Auth::verifyHash("pw", h));
    EXPECT_FALSE(Auth::verifyHash("pw2", h));
    EXPECT_FALSE(Auth::verifyHash("pw", "garbage"));
}

TEST(Tls, ServesHttpsAndWssWithHsts) {
    TempDir dir;
    std::string cert = (dir / "cert.pem").string();
    std::string key = (dir / "key.pem").string();
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    TestAnalyzer t("tls:\n  server_cert: " + cert + "\n  server_key: " + key + "\n");
    ASSERT_TRUE(t.ok()) << t.error();
    auto o = t.options();
    o.tls = true;
    o.ca_file = cert;
    o.address = "localhost:" + std::to_string(t.port());
    client::HttpClient https(o);
    auto r = must(https.request("GET", "/api"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
    auto ws = client::WsClient::connect(o, "/ws/subscriber", {{"X-Client-Type", "t"}});
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    ASSERT_TRUE((*ws)->send(R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"x"})").ok());
    auto reply = (*ws)->receive(3s);
    ASSERT_TRUE(reply.ok());
    EXPECT_NE(reply->find("SyncReply"), std::string::npos);
    // Plain HTTP to the TLS port fails; an untrusted certificate is refused.
    auto plain_opts = t.options();
    client::HttpClient plain(plain_opts);
    auto p = plain.request("GET", "/api");
    EXPECT_TRUE(!p.ok() || p->status != 200);
    auto untrusted = o;
    untrusted.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    client::HttpClient bad(untrusted);
    EXPECT_FALSE(bad.request("GET", "/api").ok());
}

}  // namespace
}  // namespace skydive::server::testing
