// Group commit (ADR 013): concurrent writers share durable writes, and a writer is acknowledged
// only once its mutation is durable, so kill -9 loses nothing that was acknowledged.
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <map>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace skydive::store {
namespace {

constexpr int kThreads = 4;

std::string nodeId(int round, std::uint32_t thread, std::uint32_t i) {
    return "g" + std::to_string(round) + "-" + std::to_string(thread) + "-" + std::to_string(i);
}

// The child: kThreads writers adding nodes forever; each acknowledgement is one atomic 8-byte
// pipe write (thread, number).
[[noreturn]] void writers(const std::string& dir, int round, int fd, SyncPolicy sync) {
    model::SystemClock clock;
    StoreOptions o;
    o.data_dir = dir;
    o.sync = sync;
    o.checkpoint_every_changes = 700;
    auto s = Store::open(o, clock);
    if (!s.ok()) _exit(2);
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (std::uint32_t i = 0;; ++i) {
                model::Node n;
                n.id = nodeId(round, t, i);
                n.metadata.mutableObject().set("I", static_cast<std::int64_t>(i));
                if (!(*s)->addNode(n)) _exit(3);
                std::uint32_t ack[2] = {t, i};
                if (write(fd, ack, sizeof ack) != sizeof ack) _exit(5);
            }
        });
    for (auto& t : threads) t.join();
    _exit(0);
}

void crashRounds(SyncPolicy sync) {
    testing::TempDir dir;
    for (int round = 0; round < 3; ++round) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            writers(dir.path(), round, fds[1], sync);
        }
        close(fds[1]);
        std::map<std::uint32_t, std::int64_t> last;  // per thread
        std::uint32_t ack[2];
        std::size_t acks = 0, wanted = 300 + 400 * round;
        while (acks < wanted && read(fds[0], ack, sizeof ack) == sizeof ack) {
            last[ack[0]] = std::max<std::int64_t>(last[ack[0]], ack[1]);
            ++acks;
        }
        kill(pid, SIGKILL);
        while (read(fds[0], ack, sizeof ack) == sizeof ack)
            last[ack[0]] = std::max<std::int64_t>(last[ack[0]], ack[1]);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
        ASSERT_FALSE(last.empty());

        model::SystemClock clock;
        StoreOptions o;
        o.data_dir = dir.path();
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok()) << s.error().toString();
        auto live = (*s)->live();
        for (auto [t, top] : last)
            for (std::int64_t i = 0; i <= top; ++i) {
                bool found = false;
                live->findNode(nodeId(round, t, static_cast<std::uint32_t>(i)),
                               [&](model::NodeHandle n_h) {
                                   const model::Node n = n_h.toNode();
                                   found = n.metadata.path("I") == model::Value(i);
                                   return true;
                               });
                ASSERT_TRUE(found)
                    << nodeId(round, t, static_cast<std::uint32_t>(i)) << " acknowledged but lost";
            }
    }
}

TEST(GroupCommit, ConcurrentWritersSurviveSigkillPeriodicSync) {
    crashRounds(SyncPolicy::Periodic);
}

TEST(GroupCommit, ConcurrentWritersSurviveSigkillAlwaysSync) {
    crashRounds(SyncPolicy::Always);
}

// With an fsync per write, writers arriving during one fsync share the next: fewer durable
// writes than mutations, and every mutation counted once.
TEST(GroupCommit, ConcurrentMutationsShareWrites) {
    testing::TempDir dir;
    model::SystemClock clock;
    StoreOptions o;
    o.data_dir = dir.path();
    o.sync = SyncPolicy::Always;
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    constexpr int kEach = 150;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                model::Node n;
                n.id = "c-" + std::to_string(t) + "-" + std::to_string(i);
                EXPECT_TRUE((*s)->addNode(n));
            }
        });
    for (auto& t : threads) t.join();
    auto st = (*s)->stats();
    EXPECT_EQ(st.mutations_committed, static_cast<std::uint64_t>(kThreads * kEach));
    EXPECT_EQ(st.revisions_written, static_cast<std::uint64_t>(kThreads * kEach));
    EXPECT_LT(st.commit_groups, st.mutations_committed);
    EXPECT_EQ((*s)->live()->nodeCount(), static_cast<std::size_t>(kThreads * kEach));
}

// A large group's window append runs on a helper thread beside its RocksDB write (ADR 015):
// past views served by the window, and after a reopen by the disk, show every revision of
// large deltas (added, updated, half deleted), with concurrent readers during the writes.
TEST(GroupCommit, LargeGroupsAppendTheWindowBesideTheWrite) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    constexpr int kNodes = 600;  // above the overlap threshold (256 changes)
    auto id = [](int i) { return "big-" + std::to_string(i); };
    auto valueAt = [&](const graph::GraphView& v, int i) {
        std::int64_t got = -1;
        v.findNode(id(i), [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            const model::Value* value = n.metadata.asObject().find("V");
            got = value ? value->asInt() : -2;
            return true;
        });
        return got;
    };
    auto check = [&](Store& s) {
        for (Time t : {1000, 1001, 1003}) {  // deletions at 1002 are still visible at 1002
            auto v = s.at(t);
            ASSERT_TRUE(v.ok());
            std::size_t want = t < 1003 ? kNodes : kNodes / 2;
            EXPECT_EQ((*v)->nodeCount(), want) << t;
            for (int i = 0; i < kNodes; i += 37)
                EXPECT_EQ(valueAt(**v, i), (t == 1003 && i % 2 == 1) ? -1 : (t == 1000 ? 0 : 1))
                    << id(i) << "@" << t;
        }
    };
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        std::atomic<bool> done{false};
        std::thread reader([&] {  // takes views while the groups are written
            while (!done) EXPECT_TRUE((*s)->at(999).ok());
        });
        for (int round = 0; round < 3; ++round) {
            model::GraphDelta d;
            for (int i = 0; i < kNodes; ++i) {
                if (round == 2 && i % 2 == 0) continue;
                model::Node n;
                n.id = id(i);
                n.metadata.mutableObject().set("V", static_cast<std::int64_t>(round));
                n.revision = round + 1;
                n.updated_at = clock.now();
                if (round == 2) n.deleted_at = clock.now();
                auto kind = round == 0   ? model::ChangeKind::NodeAdded
                            : round == 1 ? model::ChangeKind::NodeUpdated
                                         : model::ChangeKind::NodeDeleted;
                d.changes.push_back({kind, std::move(n)});
            }
            ASSERT_TRUE((*s)->apply(d));
            clock.advance(1);
        }
        done = true;
        reader.join();
        EXPECT_EQ((*s)->stats().revisions_written, static_cast<std::uint64_t>(kNodes * 5 / 2));
        check(**s);
    }
    o.recent_window_bytes = 0;  // reopened: every past view comes from disk
    auto s = Store::open(o, clock);
    ASSERT_TRUE(s.ok());
    check(**s);
}

// A delta of >= 256 changes leaves the changed-key mask of its node updates unknown (the live
// graph finishes its image on another thread, ADR 015, fifteenth round): the recent window
// compares the keys itself, so past index lookups stay exact in the window and on disk.
TEST(GroupCommit, LargeUpdateDeltasKeepPastIndexLookupsExact) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    auto node = [](int i, const char* name, int k) {
        model::Node n;
        n.id = "n" + std::to_string(i);
        n.metadata.mutableObject().set("Type", "veth");
        n.metadata.mutableObject().set("Name", name);
        n.metadata.mutableObject().set("K", k);
        return n;
    };
    auto delta = [&](auto&& make) {
        model::GraphDelta d;
        for (int i = 0; i < 400; ++i)
            d.changes.push_back({model::ChangeKind::NodeUpdated, make(i)});
        return d;
    };
    // Name "a" everywhere; then "b" for even nodes (odd ones change K only); then back to "a"
    // for every fourth.
    const model::Time t0 = 1000, t1 = 1010, t2 = 1020;
    const std::map<model::Time, std::pair<std::size_t, std::size_t>> expected = {
        {t0, {400, 0}}, {t1, {200, 200}}, {t2, {300, 100}}};
    auto check = [&](Store& s, const char* when) {
        for (const auto& [t, counts] : expected) {
            auto v = s.at(t);
            ASSERT_TRUE(v.ok()) << when;
            for (const auto& [name, count] :
                 {std::pair{"a", counts.first}, std::pair{"b", counts.second}}) {
                std::size_t visited = 0;
                const model::Value value(name);  // a lambda may not capture a binding (clang)
                (*v)->nodesByValue("Name", value, [&](model::NodeHandle h) {
                    EXPECT_EQ(*h.toNode().metadata.asObject().find("Name"), value);
                    return ++visited, true;
                });
                EXPECT_EQ(visited, count) << when << " t=" << t << " Name=" << name;
                EXPECT_EQ((*v)->countByValue("Name", model::Value(name)), count) << when;
            }
        }
    };
    {
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        ASSERT_TRUE((*s)->apply(delta([&](int i) { return node(i, "a", i); })));
        clock.set(t1);
        ASSERT_TRUE((*s)->apply(
            delta([&](int i) { return i % 2 == 0 ? node(i, "b", i) : node(i, "a", i + 1); })));
        clock.set(t2);
        ASSERT_TRUE((*s)->apply(delta([&](int i) {
            return i % 4 == 0   ? node(i, "a", i)
                   : i % 2 == 0 ? node(i, "b", i)
                                : node(i, "a", i + 1);
        })));
        clock.set(t2 + 10);
        check(**s, "in the window");
    }
    auto s = Store::open(o, clock);  // restarted: the past comes from disk
    ASSERT_TRUE(s.ok());
    check(**s, "after a restart");
}

// A checkpoint is written off the commit path (ADR 015, sixteenth round): a group whose data is
// dated at or before the checkpoint being written must wait for it, so that the group deletes
// it. Otherwise the checkpoint lands after the deletion, and a restart (the newest checkpoint,
// then the timeline after it) loses the late element. Fails without that wait.
TEST(GroupCommit, LateDataWaitsForTheCheckpointBeingWritten) {
    constexpr int kNodes = 40000;  // a checkpoint of this many elements takes milliseconds
    auto node = [](int i, std::int64_t v) {
        model::Node n;
        n.id = "n" + std::to_string(i);
        n.metadata.mutableObject().set("V", v);
        n.created_at = 500;
        n.updated_at = 1000;
        return n;
    };
    for (int round = 0; round < 3; ++round) {
        testing::TempDir dir;
        model::ManualClock clock(1000);
        StoreOptions o;
        o.data_dir = dir.path();
        o.recent_window_bytes = 0;  // past views from disk: checkpoint + timeline
        o.checkpoint_every_changes = 1;
        o.live_image = false;
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok());
        model::GraphDelta seed;  // at 1000: a checkpoint is due at once, of every node
        for (int i = 0; i < kNodes; ++i)
            seed.changes.push_back({model::ChangeKind::NodeAdded, node(i, 0)});
        ASSERT_TRUE((*s)->apply(seed));
        // At once, a node dated before the seed arrives (an agent with a late clock). A
        // revision of an existing node would not do: its late marker makes views look it up.
        model::Node late = node(kNodes, 100);
        late.created_at = late.updated_at = 800;
        model::GraphDelta d;
        d.changes.push_back({model::ChangeKind::NodeAdded, late});
        ASSERT_TRUE((*s)->apply(d));
        clock.set(2000);  // the views at 900 and 1000 are then past ones
        ASSERT_TRUE((*s)->setNodeMetadata("n1", "V", 1));
        ASSERT_TRUE((*s)->waitForCompactions());
        s->reset();
        s = Store::open(o, clock);  // rebuilt from the newest checkpoint and the timeline
        ASSERT_TRUE(s.ok());
        EXPECT_EQ((*s)->liveGraph().nodeCount(), static_cast<std::size_t>(kNodes + 1));
        for (const auto& [t, want] :
             {std::pair<Time, std::int64_t>{1000, 100}, {900, 100}, {700, -1}}) {
            auto v = (*s)->at(t);
            ASSERT_TRUE(v.ok());
            std::int64_t got = -1, scanned = -1;
            (*v)->findNode(late.id.view(), [&](model::NodeHandle h) {
                got = h.toNode().metadata.asObject().find("V")->asInt();
                return true;
            });
            (*v)->forEachNode([&](model::NodeHandle h) {  // whole-graph: from a checkpoint
                const model::Node n = h.toNode();
                if (n.id == late.id) scanned = n.metadata.asObject().find("V")->asInt();
                return true;
            });
            EXPECT_EQ(got, want) << "round " << round << " at " << t;
            EXPECT_EQ(scanned, want) << "round " << round << " at " << t << " in a scan";
        }
    }
}

// A large delta's applied prefix is logged and encoded while the rest is applied
// (CommitLog::prepare). A change that fails after that (an edge to a missing node in the live
// graph, an ID too long for a key in the log) fails the whole delta: nothing of it is stored,
// and the next deltas are staged from the same sequence, as if it had never been tried.
TEST(GroupCommit, ADeltaFailingAfterItsPrefixWasPreparedLeavesNothing) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = 0;  // past views from disk
    auto s = Store::open(o, clock).value();
    auto delta = [](int from, int count, std::int64_t v) {
        model::GraphDelta d;
        for (int i = from; i < from + count; ++i) {
            model::Node n;
            n.id = "p" + std::to_string(i);
            n.metadata.mutableObject().set("V", v);
            d.changes.push_back({model::ChangeKind::NodeAdded, n});
        }
        return d;
    };
    ASSERT_TRUE(s->apply(delta(0, 1000, 1)));
    clock.advance(10);
    // Fails in the live graph at change 900, after three prepared runs of 256.
    model::GraphDelta bad_edge = delta(1000, 1000, 2);
    model::Edge e;
    e.id = "dangling";
    e.parent = "p1";
    e.child = "nowhere";
    bad_edge.changes[900] = {model::ChangeKind::EdgeAdded, e};
    EXPECT_FALSE(s->apply(bad_edge));
    // Fails in the log at change 300: the prepared run that holds it.
    model::GraphDelta long_id = delta(1000, 1000, 3);
    std::get<model::Node>(long_id.changes[300].element).id = std::string(70000, 'x');
    EXPECT_FALSE(s->apply(long_id));
    // Fails in the log at change 999, in the part staged after the last prepared run.
    model::GraphDelta long_last = delta(1000, 1000, 4);
    std::get<model::Node>(long_last.changes[999].element).id = std::string(70000, 'y');
    EXPECT_FALSE(s->apply(long_last));
    EXPECT_EQ(s->liveGraph().nodeCount(), 1000u);
    clock.advance(10);
    ASSERT_TRUE(s->apply(delta(1000, 1000, 5)));
    const auto check = [&](Store& store) {
        auto v = store.at(clock.now());
        ASSERT_TRUE(v.ok());
        EXPECT_EQ((*v)->nodeCount(), 2000u);
        std::size_t fives = 0;
        (*v)->forEachNode([&](model::NodeHandle h) {
            const model::Node n = h.toNode();
            fives += n.metadata.path("V")->asInt() == 5;
            return true;
        });
        EXPECT_EQ(fives, 1000u);
        auto before = store.at(clock.now() - 10);
        ASSERT_TRUE(before.ok());
        EXPECT_EQ((*before)->nodeCount(), 1000u);
        EXPECT_EQ(store.stats().revisions_written, 2000u);
    };
    check(*s);
    s.reset();
    s = Store::open(o, clock).value();
    auto again = s->at(clock.now());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)->nodeCount(), 2000u);
}

}  // namespace
}  // namespace skydive::store
