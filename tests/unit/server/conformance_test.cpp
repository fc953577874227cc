// The shared conformance cases once more, end to end: each fixture is loaded into a real
// analyzer (graph fixtures through a /ws/publisher Sync message, history fixtures into its
// RocksDB store) and every case's query goes through POST /api/topology over HTTP.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <case_check.h>
#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include "test_analyzer.h"

namespace skydive::server::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kCases = fs::path(SKYDIVE_SHARED_DIR) / "conformance" / "cases";
const fs::path kFixtures = fs::path(SKYDIVE_SHARED_DIR) / "conformance" / "fixtures";

std::string readFile(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Case {
    std::string file, id, query;
    model::Value expect;
};

/// Flow cases need flows in the agents' tables, which the analyzer cannot be given yet (no flow
/// pipeline); the Gremlin suite's runner runs them with the fixture's flows. The `aggregates-*`
/// cases have no query (metric arithmetic, also run by that runner).
bool skipped(const Case& c) {
    return c.id.starts_with("flows-") || c.query.empty();
}

/// A real analyzer holding one fixture.
std::unique_ptr<TestAnalyzer> analyzerFor(const fs::path& fixture, const fs::path& data_dir,
                                          std::string& error) {
    auto doc = model::parseJson(readFile(fixture));
    if (!doc.ok()) {
        error = doc.error().message;
        return nullptr;
    }
    AnalyzerOptions options;
    bool history = doc->isObject() && doc->asObject().find("Records") != nullptr;
    if (history) {
        store::StoreOptions so;
        so.data_dir = data_dir.string();
        auto st = store::Store::open(so, model::SystemClock::instance());
        if (!st.ok()) {
            error = st.error().message;
            return nullptr;
        }
        if (auto s = store::loadHistoryRecords(**st, *doc); !s.ok()) {
            error = s.error().message;
            return nullptr;
        }
        (void)(*st)->sync();
        options.data_dir = data_dir.string();
    }
    auto t = std::make_unique<TestAnalyzer>("", options);
    if (!t->ok()) {
        error = t->error();
        return nullptr;
    }
    if (history) return t;
    auto pub = client::WsClient::connect(t->options(), "/ws/publisher",
                                         {{"X-Client-Type", "fixture"}, {"X-Host-ID", "loader"}});
    if (!pub.ok()) {
        error = pub.error().message;
        return nullptr;
    }
    std::string sync = R"({"Namespace":"Graph","Type":"Sync","Obj":)" + model::toJson(*doc) + "}";
    (void)(*pub)->send(sync);
    // The Sync is applied asynchronously: wait for the node count.
    std::size_t want = doc->path("Nodes") && doc->path("Nodes")->isList()
                           ? doc->path("Nodes")->asList().size()
                           : 0;
    auto c = t->client();
    for (int i = 0; i < 300; ++i) {
        auto r = c.request("POST", "/api/topology", R"j({"GremlinQuery":"G.V().Count()"})j");
        if (r.ok() && r->body == std::to_string(want)) return t;
        std::this_thread::sleep_for(10ms);
    }
    error = "fixture " + fixture.string() + " did not load";
    return nullptr;
}

TEST(ConformanceOverHttp, SharedCasesThroughPostApiTopology) {
    ASSERT_TRUE(fs::is_directory(kCases)) << kCases;
    std::map<std::string, std::vector<Case>> by_fixture;
    std::size_t skipped_count = 0;
    auto text = [](const model::Value& v, std::string_view key) {
        auto f = v.path(key);
        return f && f->isString() ? std::string(f->asString()) : std::string();
    };
    for (const auto& entry : fs::directory_iterator(kCases)) {
        if (entry.path().extension() != ".json") continue;
        auto v = model::parseJson(readFile(entry.path()));
        ASSERT_TRUE(v.ok()) << entry.path();
        auto expect = v->path("expect");
        ASSERT_TRUE(expect) << entry.path();
        Case c{entry.path().filename().string(), text(*v, "id"), text(*v, "query"), *expect};
        if (skipped(c)) {
            ++skipped_count;
            continue;
        }
        by_fixture[text(*v, "fixture")].push_back(std::move(c));
    }
    fs::path tmp = fs::temp_directory_path() / ("skydive-conf-" + std::to_string(getpid()));
    std::size_t passed = 0, failed = 0, n = 0;
    for (const auto& [fixture, cases] : by_fixture) {
        std::string error;
        auto t =
            analyzerFor(kFixtures / fs::path(fixture).filename(), tmp / std::to_string(n++), error);
        ASSERT_TRUE(t) << fixture << ": " << error;
        auto c = t->client();
        for (const auto& k : cases) {
            model::JsonWriter w;
            w.beginObject().key("GremlinQuery").string(k.query).endObject();
            auto r = c.request("POST", "/api/topology", std::move(w).str());
            ASSERT_TRUE(r.ok()) << k.id;
            model::Result<std::string> body =
                r->status == 200 ? model::Result<std::string>(r->body)
                                 : model::Result<std::string>(model::makeError(
                                       model::ErrorCode::InvalidArgument, r->body));
            std::string why = gremlin::tools::checkExpectation(k.expect, body);
            if (why.empty()) {
                ++passed;
            } else {
                ++failed;
                ADD_FAILURE() << k.file << " (" << k.query << "): " << why;
            }
        }
    }
    fs::remove_all(tmp);
    std::cout << "conformance over HTTP: " << passed << " passed, " << failed << " failed, "
              << skipped_count << " flow and metric-arithmetic cases not run\n";
    EXPECT_EQ(failed, 0u);
    EXPECT_GE(passed, 129u);
}

}  // namespace
}  // namespace skydive::server::testing
