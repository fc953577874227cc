// LiveGraph with a CommitLog (ADR 013): mutations become visible and are acknowledged only after
// the log wrote them; concurrent mutations share one write; a failed write fails its group and
// every mutation staged after it, and the graph goes back to the last written image.
#include <skydive/graph/live_graph.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
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
    model::Result<std::unique_ptr<StagedCommit>> stage(const std::vector<model::ChangeKind>& kinds,
                                                       const std::vector<ChangeVersions>& versions,
                                                       const GraphImage&,
                                                       const GraphImage&) override {
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
    void committed(std::span<StagedCommit* const> group, const GraphImage&) override {
        std::lock_guard l(mu);
        committed_groups += 1;
        committed_mutations += group.size();
    }
    void aborted() override { ++aborts; }

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
};

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

TEST(GroupCommit, FailedWriteFailsItsGroupAndWhatWasStagedOnIt) {
    model::ManualClock clock(1000);
    LiveGraph g(clock);
    RecordingLog log;
    g.setCommitLog(&log);
    ASSERT_TRUE(g.addNode(node("kept")));

    log.hold = true;
    log.fail = true;
    std::atomic<int> failures{0};
    std::thread first([&] {
        if (!g.addNode(node("x"))) ++failures;
    });
    log.waitStarted(2);
    // Staged on top of "x" while "x" is being written: fails with it.
    std::thread second([&] {
        if (!g.setNodeMetadata("x", "K", 1)) ++failures;
    });
    while (log.staged < 3) std::this_thread::yield();
    queuedAfterStaging(g);
    log.release();
    first.join();
    second.join();
    EXPECT_EQ(failures, 2);
    EXPECT_GE(log.aborts, 1);
    EXPECT_TRUE(visible(g, "kept"));
    EXPECT_FALSE(visible(g, "x"));
    EXPECT_EQ(g.nodeCount(), 1u);

    // The graph goes on from the last written image.
    log.fail = false;
    EXPECT_TRUE(g.addNode(node("x")));
    EXPECT_TRUE(g.setNodeMetadata("x", "K", 1));
    EXPECT_EQ(g.nodeCount(), 2u);
}

}  // namespace
}  // namespace skydive::graph
