// Runs the query-language text tests of tests/gremlin/<area>/*.test, each query block as its
// own GoogleTest (registered before main, so ctest discovers them one by one).
//
// Format (directives apply to every later block of the file, in order):
//   # comment
//   fixture <file.json>        tests/gremlin/fixtures/ first, then ../shared/conformance/fixtures
//   clock <ms>                 the engine's clock (default 1600000075000)
//   apply node|edge <json>     add or replace an element in the live graph
//   apply delete-node <id>
//   query ordered|unordered|error [ids]
//   <query>
//   ----
//   <expected JSON, or a substring of the error message>   (ends at a blank line)
#include <skydive/gremlin/engine.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <skydive/graph/live_graph.h>
#include "fixture_source.h"

namespace skydive::gremlin {
namespace {

namespace fs = std::filesystem;

struct Directive {
    std::string verb, arg;
    int line = 0;
};

struct Block {
    fs::path file;
    int line = 0;
    std::vector<Directive> setup;  // every directive before the block
    std::string mode, query, expected;
    bool ids = false;
};

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

std::vector<Block> parseFile(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::vector<Block> blocks;
    std::vector<Directive> setup;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string line = trim(lines[i]);
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string verb;
        words >> verb;
        std::string rest;
        std::getline(words, rest);
        rest = trim(rest);
        if (verb != "query") {
            setup.push_back({verb, rest, static_cast<int>(i + 1)});
            continue;
        }
        Block b{file, static_cast<int>(i + 1), setup, "", "", "", false};
        std::istringstream mode(rest);
        mode >> b.mode;
        std::string flag;
        b.ids = (mode >> flag) && flag == "ids";
        if (++i < lines.size()) b.query = trim(lines[i]);
        if (++i >= lines.size() || trim(lines[i]) != "----") {
            b.mode = "malformed (missing ----)";
        }
        for (++i; i < lines.size() && !trim(lines[i]).empty(); ++i) b.expected += lines[i] + "\n";
        b.expected = trim(b.expected);
        blocks.push_back(std::move(b));
    }
    return blocks;
}

fs::path fixturePath(const std::string& name) {
    const fs::path own = fs::path(SKYDIVE_SOURCE_DIR) / "tests/gremlin/fixtures" / name;
    if (fs::exists(own)) return own;
    return fs::path(SKYDIVE_SHARED_DIR) / "conformance/fixtures" / name;
}

std::vector<std::string> sortedItems(const model::Value& v) {
    std::vector<std::string> items;
    if (v.isList()) {
        for (const auto& e : v.asList()) items.push_back(model::toJson(e));
    }
    std::sort(items.begin(), items.end());
    return items;
}

model::Value idsOf(const model::Value& v) {
    model::List ids;
    if (v.isList()) {
        for (const auto& e : v.asList()) {
            const auto* id = e.isObject() ? e.asObject().find("ID") : nullptr;
            ids.push_back(id ? *id : model::Value());
        }
    }
    return model::Value(std::move(ids));
}

class TextTest : public ::testing::Test {
public:
    explicit TextTest(Block b) : b_(std::move(b)) {}

    void TestBody() override {
        ASSERT_TRUE(b_.mode == "ordered" || b_.mode == "unordered" || b_.mode == "error")
            << "bad block mode '" << b_.mode << "'";
        model::ManualClock clock(1600000075000);
        std::shared_ptr<graph::GraphSource> source;
        auto live = std::make_shared<graph::LiveGraph>(clock);
        source = live;
        for (const auto& d : b_.setup) {
            SCOPED_TRACE("directive at line " + std::to_string(d.line));
            if (d.verb == "clock") {
                clock.set(std::stoll(d.arg));
            } else if (d.verb == "fixture") {
                auto f = tools::loadFixture(fixturePath(d.arg).string(), clock.now());
                ASSERT_TRUE(f) << f.error().toString();
                auto s = tools::makeSource(*f, clock);
                ASSERT_TRUE(s) << s.error().toString();
                source = *s;
                live = std::dynamic_pointer_cast<graph::LiveGraph>(source);
            } else if (d.verb == "apply") {
                ASSERT_TRUE(live) << "apply needs a live graph fixture";
                applyChange(*live, d.arg, clock.now());
            } else {
                FAIL() << "unknown directive " << d.verb;
            }
        }
        EngineOptions options;
        Engine engine(clock, options);
        auto r = engine.run(b_.query, *source);
        if (b_.mode == "error") {
            ASSERT_FALSE(r) << b_.query << " returned " << toJson(*r);
            EXPECT_NE(r.error().message.find(b_.expected), std::string::npos)
                << "error: " << r.error().message;
            return;
        }
        ASSERT_TRUE(r) << b_.query << ": " << r.error().toString();
        const std::string body = toJson(*r);
        auto got = model::parseJson(body);
        auto want = model::parseJson(b_.expected);
        ASSERT_TRUE(got);
        ASSERT_TRUE(want) << "expected JSON: " << want.error().message;
        model::Value g = b_.ids ? idsOf(*got) : *got;
        if (b_.mode == "ordered") {
            EXPECT_EQ(model::toJson(g), model::toJson(*want)) << b_.query;
        } else {
            EXPECT_EQ(sortedItems(g), sortedItems(*want)) << b_.query << " returned " << body;
        }
    }

private:
    static void applyChange(graph::LiveGraph& live, const std::string& arg, model::Time now) {
        std::istringstream words(arg);
        std::string what;
        words >> what;
        std::string rest;
        std::getline(words, rest);
        rest = trim(rest);
        if (what == "node") {
            auto n = model::parseNode(rest, now);
            ASSERT_TRUE(n) << n.error().toString();
            ASSERT_TRUE(live.replaceNode(*n));
        } else if (what == "edge") {
            auto e = model::parseEdge(rest, now);
            ASSERT_TRUE(e) << e.error().toString();
            ASSERT_TRUE(live.replaceEdge(*e));
        } else if (what == "delete-node") {
            ASSERT_TRUE(live.deleteNode(rest));
        } else {
            FAIL() << "unknown apply " << what;
        }
    }

    Block b_;
};

std::string sanitize(std::string s) {
    for (auto& c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return s;
}

// Registers every block of every .test file before main() runs.
const int kRegistered = [] {
    const fs::path root = fs::path(SKYDIVE_SOURCE_DIR) / "tests/gremlin";
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().extension() == ".test") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    int n = 0;
    for (const auto& file : files) {
        const auto rel = fs::relative(file, root).replace_extension("").string();
        const std::string suite = "GremlinText_" + sanitize(rel);
        for (auto& block : parseFile(file)) {
            const std::string name = "line" + std::to_string(block.line);
            const std::string where = file.string();
            const int line = block.line;
            ::testing::RegisterTest(
                suite.c_str(), name.c_str(), nullptr, nullptr, where.c_str(), line,
                [b = std::move(block)]() -> ::testing::Test* { return new TextTest(b); });
            ++n;
        }
    }
    return n;
}();

TEST(GremlinText, FilesWereFound) {
    EXPECT_GT(kRegistered, 20);
}

}  // namespace
}  // namespace skydive::gremlin
