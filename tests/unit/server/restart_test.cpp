// The `skydive analyzer` process with its store: what the API acknowledged survives SIGKILL, and
// SIGTERM stops it cleanly (exit 0).
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <skydive/client/http_client.h>
#include <skydive/model/json.h>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Child {
    pid_t pid = -1;
    std::uint16_t port = 0;
};

/// Starts the analyzer on port 0 and reads the bound port from its log.
Child startAnalyzer(const fs::path& data, const fs::path& log) {
    Child c;
    c.pid = fork();
    if (c.pid == 0) {
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execl(SKYDIVE_BINARY, SKYDIVE_BINARY, "analyzer", "--listen", "127.0.0.1:0", "--data-dir",
              data.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    std::regex port_re(R"(\(port (\d+))");
    for (int i = 0; i < 500 && c.port == 0; ++i) {
        std::this_thread::sleep_for(10ms);
        std::ifstream in(log);
        std::stringstream ss;
        ss << in.rdbuf();
        std::smatch m;
        std::string text = ss.str();
        if (std::regex_search(text, m, port_re))
            c.port = static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    return c;
}

skydive::client::HttpClient clientFor(const Child& c) {
    skydive::client::ClientOptions o;
    o.address = "127.0.0.1:" + std::to_string(c.port);
    return skydive::client::HttpClient(o);
}

TEST(AnalyzerProcess, AcknowledgedWritesSurviveSigkill) {
    fs::path dir = fs::temp_directory_path() / ("skydive-restart-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto first = startAnalyzer(dir / "data", dir / "log1");
    ASSERT_NE(first.port, 0) << "analyzer did not start";
    {
        auto c = clientFor(first);
        for (int i = 0; i < 50; ++i) {
            std::string body = R"({"ID":"n)" + std::to_string(i) + R"(","Metadata":{"Name":"eth)" +
                               std::to_string(i) + R"(","Type":"device"}})";
            auto r = c.request("POST", "/api/node", body);
            ASSERT_TRUE(r.ok());
            ASSERT_EQ(r->status, 201) << r->body;
        }
        auto e = c.request("POST", "/api/edge",
                           R"({"ID":"e1","Parent":"n0","Child":"n1",)"
                           R"("Metadata":{"RelationType":"layer2"}})");
        ASSERT_EQ(e->status, 201);
        ASSERT_EQ(c.request("DELETE", "/api/node/n49")->status, 200);
    }
    kill(first.pid, SIGKILL);
    int status = 0;
    waitpid(first.pid, &status, 0);

    auto second = startAnalyzer(dir / "data", dir / "log2");
    ASSERT_NE(second.port, 0) << "analyzer did not restart";
    {
        auto c = clientFor(second);
        auto nodes = c.request("GET", "/api/node");
        ASSERT_TRUE(nodes.ok());
        auto v = skydive::model::parseJson(nodes->body);
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->asObject().size(), 49u);
        EXPECT_EQ(c.request("GET", "/api/node/n49")->status, 404);
        EXPECT_EQ(c.request("GET", "/api/edge/e1")->status, 200);
        auto q = c.request("POST", "/api/topology",
                           R"j({"GremlinQuery":"G.V().Has('Name','eth7').Values('Type')"})j");
        EXPECT_EQ(q->body, R"(["device"])");
    }
    kill(second.pid, SIGTERM);
    ASSERT_EQ(waitpid(second.pid, &status, 0), second.pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    fs::remove_all(dir);
}

}  // namespace
