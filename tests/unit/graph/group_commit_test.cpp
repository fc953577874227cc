// LiveGraph with a CommitLog (ADR 013): mutations become visible and are acknowledged only after
// the log wrote them; concurrent mutations share one write; a failed write fails its group and
// every mutation staged after it, and the graph goes back to the last written image.
#include <skydive/graph/live_graph.h>
#include <skydive/model/json.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace skydive::graph {
namespace {

struct Tag final : StagedCommit {
    std::vector<std::string> ids;
};

// A log that records what it is given; write() can be held until released, and made to fail.
class RecordingLog final : public CommitLog {
public:
    model::Result<std::unique_ptr<StagedCommit>> stage(
        const std::vector<model::ChangeKind>& kinds,
        const std::vector<ChangeVersions>& versions) override {
        EXPECT_EQ(versions.size(), kinds.size());
        auto t = std::make_unique<Tag>();
        for (const auto& v : versions)
            t->ids.push_back(v.node_after ? std::string(v.node_after.id())
                                          : v.edge_after->id.str());
        ++staged;
        return std::unique_ptr<StagedCommit>(std::move(t));
    }
    model::Status write(std::span<StagedCommit* const> group) override {
        std::unique_lock l(mu);
        ++writes_started;
        cv.notify_all();
        cv.wait(l, [&] { return !hold; });
        group_sizes.push_back(group.size());
        for (auto* g : group)
            for (auto& id : static_cast<Tag*>(g)->ids) written.push_back(id);
        if (fail) return model::makeError(model::ErrorCode::Unavailable, "disk gone");
        return {};
    }
    void committed(std::span<StagedCommit* const> group, const GraphImage* after) override {
        std::lock_guard l(mu);
        committed_groups += 1;
        committed_mutations += group.size();
        published.push_back(after != nullptr);
    }
    void aborted() override { ++aborts; }
    bool wantsImage() override { return want_image; }
    void republish(const GraphImage& image) override {
        std::lock_guard l(mu);
        republished.push_back(image.nodeCount());
    }

    void release() {
        std::lock_guard l(mu);
        hold = false;
        cv.notify_all();
    }
    void waitStarted(int n) {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return writes_started >= n; });
    }

    std::mutex mu;
    std::condition_variable cv;
    bool hold = false;
    bool fail = false;
    int writes_started = 0;
    std::atomic<int> staged{0};
    std::atomic<int> aborts{0};
    std::vector<std::size_t> group_sizes;
    std::vector<std::string> written;
    std::size_t committed_groups = 0;
    std::size_t committed_mutations = 0;
    std::vector<bool> published;           // per committed group: whether it published its image
    std::vector<std::size_t> republished;  // node counts of the images republish() got
    std::atomic<bool> want_image{false};
};

// The two ways a commit ends (ADR 046): publishing its image (a read happened lately), or
// leaving the writer its image to change in place (nobody read: every read then publishes on
// demand). Tests named *_P run both.
LiveGraphOptions publishing(bool after_reads) {
    LiveGraphOptions o;
    o.publish_after_read =
        after_reads ? std::chrono::milliseconds(60000) : std::chrono::milliseconds(0);
    return o;
}

class Publication : public ::testing::TestWithParam<bool> {};

Node node(std::string id) {
    Node n;
    n.id = id;
    return n;
}

bool visible(const LiveGraph& g, std::string_view id) {
    bool found = false;
    g.snapshot()->findNode(id, [&](model::NodeHandle) { return found = true, true; });
    return found;
}

// A mutation is queued for the next write right after the log staged it, under the writer
// lock: an empty mutation takes that lock, so once it returns the last staged one is queued
// too (without it, a release right after `staged` was counted could form a group without it).
void queuedAfterStaging(LiveGraph& g) {
    ASSERT_TRUE(g.apply(model::GraphDelta{}));
}

TEST(GroupCommit, InvisibleUntilWrittenThenOneWriteForTheWaiters) {
    model::ManualClock clock(1000);
    LiveGraph g(clock);
    RecordingLog log;
    g.setCommitLog(&log);
    std::vector<std::string> events;
    std::mutex ev_mu;
    auto sub = g.subscribe([&](const model::Change& c) {
        std::lock_guard l(ev_mu);
        events.push_back(c.base().id.str());
    });

    log.hold = true;
    std::thread first([&] { EXPECT_TRUE(g.addNode(node("a"))); });
    log.waitStarted(1);  // "a" is being written: the leader holds the log
    EXPECT_FALSE(visible(g, "a"));
    std::vector<std::thread> more;
    for (int i = 0; i < 5; ++i)
        more.emplace_back([&, i] { EXPECT_TRUE(g.addNode(node("b" + std::to_string(i)))); });
    while (log.staged < 6) std::this_thread::yield();
    queuedAfterStaging(g);
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(visible(g, "b" + std::to_string(i)));
    log.release();
    first.join();
    for (auto& t : more) t.join();

    EXPECT_EQ(log.group_sizes.size(), 2u) << "the five waiters share one write";
    EXPECT_EQ(log.group_sizes[0], 1u);
    EXPECT_EQ(log.group_sizes[1], 5u);
    EXPECT_EQ(log.committed_mutations, 6u);
    EXPECT_EQ(g.nodeCount(), 6u);
    ASSERT_TRUE(sub->drain());
    EXPECT_EQ(events, log.written) << "events in write order";
}

TEST_P(Publication, FailedWriteFailsItsGroupAndWhatWasStagedOnIt) {
    model::ManualClock clock(1000);
    LiveGraph g(clock, publishing(GetParam()));
    RecordingLog log;
    g.setCommitLog(&log);
    ASSERT_TRUE(g.addNode(node("kept")));
    Edge kept_loop;
    kept_loop.id = "loop";
    kept_loop.parent = "kept";
    kept_loop.child = "kept";
    ASSERT_TRUE(g.addEdge(kept_loop));
    if (GetParam()) {
        EXPECT_EQ(g.nodeCount(), 1u);  // a read: the failing commits publish
    }

    log.hold = true;
    log.fail = true;
    std::atomic<int> failures{0};
    std::thread first([&] {
        if (!g.addNode(node("x"))) ++failures;
    });
    log.waitStarted(3);  // "kept", its edge, then "x"
    // Staged on top of "x" while "x" is being written: fail with it. The graph goes back to
    // its last written image: "kept" with its edge (deleted with it here) and no "x".
    std::thread second([&] {
        if (!g.setNodeMetadata("x", "K", 1)) ++failures;
    });
    while (log.staged < 4) std::this_thread::yield();
    std::thread third([&] {
        if (!g.deleteNode("kept")) ++failures;
    });
    while (log.staged < 5) std::this_thread::yield();
    queuedAfterStaging(g);
    log.release();
    first.join();
    second.join();
    third.join();
    EXPECT_EQ(failures, 3);
    EXPECT_GE(log.aborts, 1);
    EXPECT_TRUE(visible(g, "kept"));
    EXPECT_FALSE(visible(g, "x"));
    EXPECT_EQ(g.nodeCount(), 1u);
    EXPECT_EQ(g.edgeCount(), 1u);
    std::vector<std::string> out;
    g.image().outEdgeIds("kept", [&](const model::Str& e) { return out.push_back(e.str()), true; });
    EXPECT_EQ(out, std::vector<std::string>{"loop"});

    // The graph goes on from the last written image.
    log.fail = false;
    EXPECT_TRUE(g.addNode(node("x")));
    EXPECT_TRUE(g.setNodeMetadata("x", "K", 1));
    EXPECT_EQ(g.nodeCount(), 2u);
}

using model::Value;

// A delta of at least 256 changes through a log defers its node replacements' image work to
// the finisher thread (GraphTxn::defer, ADR 015): the graph, its indexes, the changes and the
// next mutation must be exactly those of the same delta applied without a log (inline), for
// every kind of change that meets a deferred replacement inside the delta.
model::Node typed(int i, std::string name, int k) {
    Node n = node("n" + std::to_string(i));
    n.host = "h1";
    n.metadata.mutableObject().set("Type", "veth");
    n.metadata.mutableObject().set("Name", std::move(name));
    n.metadata.mutableObject().set("K", k);
    return n;
}

model::Change change(model::ChangeKind kind, model::Node n) {
    return model::Change{kind, std::move(n)};
}

// Every node and edge by ID, as JSON.
std::map<std::string, std::string> contents(const LiveGraph& g) {
    std::map<std::string, std::string> out;
    auto v = g.snapshot();
    v->forEachNode([&](model::NodeHandle n) {
        Node copy = n.toNode();
        return out.emplace(copy.id.str(), model::toJson(copy)), true;
    });
    v->forEachEdge([&](const model::Edge& e) {
        return out.emplace("edge " + e.id.str(), model::toJson(e)), true;
    });
    return out;
}

TEST_P(Publication, DeferredReplacementsGiveTheImageOfAnInlineApply) {
    using K = model::ChangeKind;
    model::ManualClock clock(1000);
    LiveGraph inline_graph(clock), logged(clock, publishing(GetParam()));
    RecordingLog log;
    logged.setCommitLog(&log);
    std::vector<std::string> inline_events;
    auto sub = inline_graph.subscribe([&](const model::Change& c) {
        inline_events.push_back(c.base().id.str() + " r" + std::to_string(c.base().revision));
    });
    std::vector<std::string> logged_events;
    auto logged_sub = logged.subscribe([&](const model::Change& c) {
        logged_events.push_back(c.base().id.str() + " r" + std::to_string(c.base().revision));
    });

    model::GraphDelta seed;
    for (int i = 0; i < 400; ++i) seed.changes.push_back(change(K::NodeAdded, typed(i, "n", i)));
    for (auto* g : {&inline_graph, &logged}) ASSERT_TRUE(g->apply(seed));
    clock.advance(10);

    model::GraphDelta d;
    for (int i = 0; i < 300; ++i)  // local changes (no Revision): Name for even i, K for odd
        d.changes.push_back(change(K::NodeUpdated, typed(i, i % 2 == 0 ? "m" : "n", i + i % 2)));
    d.changes.push_back(change(K::NodeUpdated, typed(5, "twice", 0)));  // sees the first change
    d.changes.push_back(change(K::NodeUpdated, typed(6, "m", 6)));  // its first change again: none
    d.changes.push_back(change(K::NodeUpdated, typed(8, "m", 8)));  // the same: no change
    d.changes.push_back(change(K::NodeDeleted, node("n10")));       // deletes the replaced version
    model::Edge e;
    e.id = "e20";
    e.parent = "n20";
    e.child = "n21";
    d.changes.push_back(model::Change{K::EdgeAdded, e});
    d.changes.push_back(change(K::NodeAdded, typed(500, "new", 1)));
    d.changes.push_back(change(K::NodeUpdated, typed(500, "newer", 1)));
    Node stale = typed(30, "stale", 0);
    stale.revision = 1;  // not higher than n30's: ignored
    d.changes.push_back(change(K::NodeUpdated, stale));
    d.changes.push_back(change(K::NodeUpdated, typed(7, "twice", 7)));  // deferred again after
                                                                        // n5's forced apply
    for (auto* g : {&inline_graph, &logged}) ASSERT_TRUE(g->apply(d));

    EXPECT_EQ(contents(logged), contents(inline_graph));
    for (const char* name : {"m", "n", "twice", "newer", "stale"}) {
        auto a = logged.snapshot(), b = inline_graph.snapshot();
        EXPECT_EQ(a->countByValue("Name", Value(name)), b->countByValue("Name", Value(name)))
            << name;
    }
    EXPECT_EQ(logged.snapshot()->countByValue("Name", Value("m")), 149u);  // 150 even, n10 gone
    ASSERT_TRUE(sub->drain());
    ASSERT_TRUE(logged_sub->drain());
    EXPECT_EQ(logged_events, inline_events);

    // The next mutation builds on the finished image.
    clock.advance(10);
    for (auto* g : {&inline_graph, &logged}) ASSERT_TRUE(g->setNodeMetadata("n5", "K", 99));
    EXPECT_EQ(contents(logged), contents(inline_graph));
    Node n5;
    logged.snapshot()->findNode("n5", [&](model::NodeHandle h) { return n5 = h.toNode(), true; });
    EXPECT_EQ(n5.revision, 4) << "added r1, two changes in the delta, one after";
    ASSERT_NE(n5.metadata.asObject().find("Name"), nullptr);
    EXPECT_EQ(*n5.metadata.asObject().find("Name"), Value("twice"));
}

// Two writers applying large deltas at once: each mutation waits for the image the finisher
// completes for the one before it, so no update is lost and readers only see whole deltas.
TEST_P(Publication, ConcurrentLargeDeltasBuildOnFinishedImages) {
    using K = model::ChangeKind;
    model::ManualClock clock(1000);
    LiveGraph g(clock, publishing(GetParam()));
    RecordingLog log;
    g.setCommitLog(&log);
    constexpr int kPerWriter = 300, kRounds = 20;
    model::GraphDelta seed;
    for (int i = 0; i < 2 * kPerWriter; ++i)
        seed.changes.push_back(change(K::NodeAdded, typed(i, "n", 0)));
    ASSERT_TRUE(g.apply(seed));
    std::atomic<bool> done{false};
    std::atomic<int> torn{0};
    std::thread reader([&] {
        while (!done) {  // a writer's delta sets K on all its nodes: never half of them
            auto v = g.snapshot();
            std::map<std::int64_t, int> per_k[2];
            v->forEachNode([&](model::NodeHandle h) {
                const Node n = h.toNode();
                const int i = std::stoi(n.id.str().substr(1));
                per_k[i / kPerWriter][n.metadata.asObject().find("K")->asInt()]++;
                return true;
            });
            for (const auto& m : per_k)
                if (m.size() != 1) ++torn;
        }
    });
    auto writer = [&](int w) {
        for (int r = 1; r <= kRounds; ++r) {
            model::GraphDelta d;
            for (int i = w * kPerWriter; i < (w + 1) * kPerWriter; ++i)
                d.changes.push_back(change(K::NodeUpdated, typed(i, "n", r)));
            EXPECT_TRUE(g.apply(d));
        }
    };
    std::thread second(writer, 1);
    writer(0);
    second.join();
    done = true;
    reader.join();
    EXPECT_EQ(torn, 0);
    int checked = 0;
    g.snapshot()->forEachNode([&](model::NodeHandle h) {
        const Node n = h.toNode();
        EXPECT_EQ(n.revision, kRounds + 1) << n.id.str();
        EXPECT_EQ(n.metadata.asObject().find("K")->asInt(), kRounds) << n.id.str();
        return ++checked, true;
    });
    EXPECT_EQ(checked, 2 * kPerWriter);
}

INSTANTIATE_TEST_SUITE_P(GroupCommit, Publication, ::testing::Bool(), [](const auto& param_info) {
    return param_info.param ? "PublishedAfterReads" : "Unpublished";
});

// A graph writing through a RecordingLog, publishing after reads or not.
struct Logged {
    explicit Logged(bool after_reads) : g(clock, publishing(after_reads)) { g.setCommitLog(&log); }
    model::ManualClock clock{1000};
    RecordingLog log;
    LiveGraph g;
};

// Without a read, commits publish no image; a read publishes the last committed one (and,
// within publish_after_read, the next commits publish theirs); the log can ask for an image.
TEST(PublishOnDemand, CommitsPublishTheirImageOnlyAfterAReadOrWhenTheLogAsks) {
    Logged reads(true);
    auto& log = reads.log;
    auto& g = reads.g;  // not a structured binding: lambdas capture these
    ASSERT_TRUE(g.addNode(node("a")));
    ASSERT_TRUE(g.addNode(node("b")));
    EXPECT_EQ(log.published, (std::vector<bool>{false, false}));
    EXPECT_TRUE(log.republished.empty());
    EXPECT_TRUE(visible(g, "b"));
    EXPECT_EQ(log.republished, std::vector<std::size_t>{2});
    ASSERT_TRUE(g.addNode(node("c")));  // within publish_after_read of that read
    EXPECT_EQ(log.published.back(), true);
    EXPECT_TRUE(visible(g, "c"));
    EXPECT_EQ(log.republished.size(), 1u) << "published by its commit: no republish";

    Logged no_reads(false);
    RecordingLog& qlog = no_reads.log;
    LiveGraph& quiet = no_reads.g;
    ASSERT_TRUE(quiet.addNode(node("a")));
    EXPECT_TRUE(visible(quiet, "a"));
    ASSERT_TRUE(quiet.addNode(node("b")));
    EXPECT_EQ(qlog.published, (std::vector<bool>{false, false})) << "a read does not last";
    qlog.want_image = true;
    ASSERT_TRUE(quiet.addNode(node("c")));
    EXPECT_EQ(qlog.published.back(), true);
    EXPECT_TRUE(visible(quiet, "c"));
    EXPECT_EQ(qlog.republished, std::vector<std::size_t>{1});
}

// A read while an unpublished mutation is being written waits for that write, then sees it.
TEST(PublishOnDemand, AReadDuringAnUnpublishedWriteSeesItOnceWritten) {
    Logged no_reads(false);
    auto& log = no_reads.log;
    auto& g = no_reads.g;  // not a structured binding: lambdas capture these
    ASSERT_TRUE(g.addNode(node("a")));
    log.hold = true;
    std::thread writer([&] { EXPECT_TRUE(g.addNode(node("b"))); });
    log.waitStarted(2);
    std::atomic<bool> read{false};
    std::thread reader([&] {
        EXPECT_TRUE(visible(g, "b"));
        read = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(read) << "the reader waits for the write";
    log.release();
    writer.join();
    reader.join();
    EXPECT_TRUE(read);
    EXPECT_EQ(log.published, (std::vector<bool>{false, false}));
}

// A mutation that fails in the graph leaves the image it changed in place as it was.
TEST(PublishOnDemand, AFailedMutationRevertsTheImageItChangedInPlace) {
    using K = model::ChangeKind;
    Logged no_reads(false);
    auto& clock = no_reads.clock;
    auto& g = no_reads.g;  // not a structured binding: lambdas capture these
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(g.addNode(typed(i, "n", i)));
    Edge e;
    e.id = "e01";
    e.parent = "n0";
    e.child = "n1";
    ASSERT_TRUE(g.addEdge(e));
    const auto before = contents(g);
    const std::size_t named_n = g.snapshot()->countByValue("Name", Value("n"));
    clock.advance(10);
    for (bool large : {false, true}) {  // inline, and with deferred replacements (>= 256)
        model::GraphDelta d;
        d.changes.push_back(change(K::NodeUpdated, typed(0, "m", 0)));
        d.changes.push_back(change(K::NodeDeleted, node("n1")));  // and its edge
        d.changes.push_back(change(K::NodeAdded, typed(9, "new", 9)));
        Edge moved = e;
        moved.id = "e23";
        moved.parent = "n2";
        moved.child = "n3";
        d.changes.push_back(model::Change{K::EdgeAdded, moved});
        for (int i = 0; large && i < 300; ++i)
            d.changes.push_back(change(K::NodeAdded, typed(100 + i, "bulk", i)));
        d.changes.push_back(change(K::NodeUpdated, typed(2, "m", 2)));
        Edge dangling = e;
        dangling.id = "bad";
        dangling.child = "missing";
        d.changes.push_back(model::Change{K::EdgeAdded, dangling});  // fails: no child
        EXPECT_FALSE(g.apply(d));
        EXPECT_EQ(contents(g), before) << (large ? "large" : "small");
        EXPECT_EQ(g.snapshot()->countByValue("Name", Value("n")), named_n);
        EXPECT_EQ(g.snapshot()->countByValue("Name", Value("m")), 0u);
    }
    // The next mutation starts from the reverted image.
    ASSERT_TRUE(g.setNodeMetadata("n1", "K", 7));
    EXPECT_EQ(contents(g).size(), before.size());
    EXPECT_EQ(g.snapshot()->countByValue("Name", Value("n")), named_n);
}

}  // namespace
}  // namespace skydive::graph
