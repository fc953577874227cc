#include <skydive/model/json.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::ErrorCode;
using model::ManualClock;
using model::Value;
using testing::TempDir;

model::Node node(const std::string& id, std::string_view md = "{}") {
    model::Node n;
    n.id = id;
    n.metadata = *model::parseJson(md);
    return n;
}

model::Edge edge(const std::string& id, const std::string& p, const std::string& c) {
    model::Edge e;
    e.id = id;
    e.parent = p;
    e.child = c;
    return e;
}

std::unique_ptr<Store> openStore(const std::string& dir, const model::Clock& clock,
                                 StoreOptions o = {}) {
    o.data_dir = dir;
    auto s = Store::open(o, clock);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
    return s.ok() ? std::move(*s) : nullptr;
}

std::optional<Value> mtuAt(const Store& s, Time t) {
    auto v = s.at(t);
    EXPECT_TRUE(v.ok());
    std::optional<Value> out;
    (*v)->findNode("n1", [&](const model::Node& n) { return out = n.metadata.path("MTU"), true; });
    return out;
}

class StoreTest : public ::testing::TestWithParam<bool> {
protected:
    // Param: true = recent window disabled, every past view comes from RocksDB.
    StoreOptions options() const {
        StoreOptions o;
        if (GetParam()) o.recent_window_bytes = 0;
        o.checkpoint_every_changes = 3;
        return o;
    }
    TempDir dir;
    ManualClock clock{1000};
};

TEST_P(StoreTest, PointViewsFollowRevisions) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("n1", R"({"MTU":1500})")));
    clock.set(2000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1510));
    clock.set(3000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1520));
    clock.set(4000);
    ASSERT_TRUE(s->deleteNode("n1"));
    EXPECT_FALSE(mtuAt(*s, 999));
    EXPECT_EQ(mtuAt(*s, 1000), Value(1500));
    EXPECT_EQ(mtuAt(*s, 1999), Value(1500));
    EXPECT_EQ(mtuAt(*s, 2000), Value(1510));  // both revisions qualify: the highest wins
    EXPECT_EQ(mtuAt(*s, 3500), Value(1520));
    EXPECT_EQ(mtuAt(*s, 4000), Value(1520));  // deleted at exactly t: still visible
    EXPECT_FALSE(mtuAt(*s, 4001));
    auto n = s->nodeAt("n1", 3500);
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n->has_value());
    EXPECT_EQ((*n)->revision, 3);
    EXPECT_EQ((*n)->deleted_at, 4000);  // the stored (final) form of that revision
    EXPECT_FALSE(s->nodeAt("n1", 4001)->has_value());
    EXPECT_EQ(s->nodeAt("n1", 1500)->value().metadata.path("MTU"), Value(1500));
    EXPECT_EQ(s->live()->nodeCount(), 0u);
}

TEST_P(StoreTest, SliceReturnsEveryRevisionByUpdatedAt) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("n1", R"({"MTU":1500})")));
    clock.set(2000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1510));
    clock.set(3000);
    ASSERT_TRUE(s->setNodeMetadata("n1", "MTU", 1520));
    auto mtus = [&](Time from, Time to) {
        std::vector<std::int64_t> out;
        auto v = s->slice(from, to);
        EXPECT_TRUE(v.ok());
        (*v)->forEachNode([&](const model::Node& n) {
            return out.push_back(n.metadata.path("MTU")->asInt()), true;
        });
        return out;
    };
    EXPECT_EQ(mtus(0, 5000), (std::vector<std::int64_t>{1500, 1510, 1520}));
    EXPECT_EQ(mtus(2000, 2000), (std::vector<std::int64_t>{1500, 1510}));
    EXPECT_EQ(mtus(2001, 2999), (std::vector<std::int64_t>{1510}));
    EXPECT_EQ(mtus(3000, 9000), (std::vector<std::int64_t>{1510, 1520}));
    EXPECT_EQ(s->slice(5, 1).error().code, ErrorCode::InvalidArgument);
}

TEST_P(StoreTest, RestartRebuildsLiveGraphAndHistory) {
    {
        auto s = openStore(dir.path(), clock, options());
        ASSERT_TRUE(s->addNode(node("a", R"({"Type":"host"})")));
        ASSERT_TRUE(s->addNode(node("b")));
        ASSERT_TRUE(s->addEdge(edge("ab", "a", "b")));
        clock.set(2000);
        ASSERT_TRUE(s->setNodeMetadata("b", "Name", "eth0"));
        ASSERT_TRUE(s->addNode(node("c")));
        clock.set(3000);
        ASSERT_TRUE(s->deleteNode("c"));
    }
    auto s = openStore(dir.path(), clock, options());
    auto live = s->live();
    EXPECT_EQ(live->nodeCount(), 2u);
    EXPECT_EQ(live->edgeCount(), 1u);
    int found = 0;
    live->nodesByValue("Type", "host", [&](const model::Node&) { return ++found, true; });
    EXPECT_EQ(found, 1);
    EXPECT_EQ(s->at(2500).value()->nodeCount(), 3u);
    EXPECT_EQ(s->at(1500).value()->edgeCount(), 1u);
    // Writing after the restart continues the revision sequence.
    clock.set(4000);
    ASSERT_TRUE(s->setNodeMetadata("b", "Name", "eth1"));
    EXPECT_EQ(s->nodeAt("b", 4000)->value().revision, 3);
    EXPECT_EQ(s->nodeAt("b", 3999)->value().metadata.path("Name"), Value("eth0"));
}

TEST_P(StoreTest, BadInputWritesNothing) {
    auto s = openStore(dir.path(), clock, options());
    ASSERT_TRUE(s->addNode(node("a")));
    EXPECT_EQ(s->addEdge(edge("ax", "a", "x")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->addNode(node("")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->addNode(node(std::string(70000, 'x'))).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s->stats().revisions_written, 1u);
    EXPECT_EQ(s->slice(0, 1000000).value()->nodeCount(), 1u);
}

INSTANTIATE_TEST_SUITE_P(WindowOnOff, StoreTest, ::testing::Bool());

TEST(Store, SecondOpenerGetsClearError) {
    TempDir dir;
    ManualClock clock(1);
    auto s = openStore(dir.path(), clock);
    StoreOptions o;
    o.data_dir = dir.path();
    auto again = Store::open(o, clock);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Unavailable);
    // The same from another process.
    pid_t pid = fork();
    if (pid == 0) {
        auto other = Store::open(o, clock);
        _exit(!other.ok() && other.error().code == ErrorCode::Unavailable ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Store, ApiObjects) {
    TempDir dir;
    ManualClock clock(1);
    {
        auto s = openStore(dir.path(), clock);
        ASSERT_TRUE(
            s->putApiObject("capture", "c1", *model::parseJson(R"J({"GremlinQuery":"G.V()"})J")));
        ASSERT_TRUE(s->putApiObject("capture", "c2", *model::parseJson(R"({"Type":"pcap"})")));
        ASSERT_TRUE(s->putApiObject("alert", "a1", *model::parseJson(R"({"Action":"x"})")));
        EXPECT_EQ(s->putApiObject("alert", "a2", Value(1)).error().code,
                  ErrorCode::InvalidArgument);
        ASSERT_TRUE(s->deleteApiObject("capture", "c2"));
        EXPECT_EQ(s->deleteApiObject("capture", "c2").error().code, ErrorCode::NotFound);
    }
    auto s = openStore(dir.path(), clock);
    auto list = s->listApiObjects("capture");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].first, "c1");
    EXPECT_EQ((*list)[0].second.path("GremlinQuery"), Value("G.V()"));
    EXPECT_EQ(s->getApiObject("alert", "a1")->path("Action"), Value("x"));
    EXPECT_EQ(s->getApiObject("alert", "zz").error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace skydive::store
