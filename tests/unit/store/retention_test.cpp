#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <random>

#include "temp_dir.h"

namespace skydive::store {
namespace {

std::vector<std::string> lines(const graph::GraphView& v) {
    std::vector<std::string> out;
    v.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        out.push_back(n.id.str() + " r" + std::to_string(n.revision) + " d" +
                      std::to_string(n.deleted_at));
        return true;
    });
    v.forEachEdge([&](const model::Edge& e) {
        out.push_back(e.id.str() + " r" + std::to_string(e.revision) + " d" +
                      std::to_string(e.deleted_at));
        return true;
    });
    std::sort(out.begin(), out.end());
    return out;
}

// Writes a history from t=1000 to ~11000 with a churn of nodes and edges.
void writeHistory(Store& s, model::ManualClock& clock) {
    std::mt19937 rng(5);
    std::vector<std::string> alive;
    for (int i = 0; i < 2000; ++i) {
        clock.advance(5);
        if (alive.size() < 5 || rng() % 3 == 0) {
            model::Node n;
            n.id = "n" + std::to_string(i);
            ASSERT_TRUE(s.addNode(n));
            if (!alive.empty()) {
                model::Edge e;
                e.id = "e" + std::to_string(i);
                e.parent = alive[rng() % alive.size()];
                e.child = n.id;
                ASSERT_TRUE(s.addEdge(e));
            }
            alive.push_back(n.id.str());
        } else if (rng() % 4 == 0) {
            std::size_t k = rng() % alive.size();
            ASSERT_TRUE(s.deleteNode(alive[k]));
            alive.erase(alive.begin() + static_cast<long>(k));
        } else {
            ASSERT_TRUE(s.setNodeMetadata(alive[rng() % alive.size()], "V", static_cast<int>(i)));
        }
    }
}

// Age retention drops what no moment after the cutoff can see; views from the cutoff on, the
// live graph and a restart are unaffected.
TEST(Retention, ByAgeKeepsLaterViewsExact) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = 0;  // every past view from RocksDB
    o.checkpoint_every_changes = 300;
    auto s = Store::open(o, clock).value();
    writeHistory(*s, clock);
    Time end = clock.now();
    Time cutoff = end - 4000;
    std::vector<Time> points{cutoff, cutoff + 1, cutoff + 777, end - 5, end};
    std::vector<std::vector<std::string>> before;
    for (Time t : points) before.push_back(lines(**s->at(t)));
    auto slice_before = lines(**s->slice(cutoff, cutoff + 2000));
    auto live_before = lines(*s->live());
    std::size_t all_before = (*s->slice(0, end))->nodeCount();

    s.reset();
    o.retention_age_ms = 4000;
    s = Store::open(o, clock).value();
    ASSERT_TRUE(s->enforceRetention());
    for (std::size_t i = 0; i < points.size(); ++i)
        EXPECT_EQ(lines(**s->at(points[i])), before[i]) << points[i];
    EXPECT_EQ(lines(**s->slice(cutoff, cutoff + 2000)), slice_before);
    EXPECT_EQ(lines(*s->live()), live_before);
    std::size_t all_after = (*s->slice(0, end))->nodeCount();
    EXPECT_LT(all_after, all_before);  // old revisions are gone

    s.reset();
    s = Store::open(o, clock).value();
    EXPECT_EQ(lines(*s->live()), live_before);
    EXPECT_EQ(lines(**s->at(points[2])), before[2]);
}

TEST(Retention, BySizeShrinksHistory) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    auto s = Store::open(o, clock).value();
    writeHistory(*s, clock);
    auto live_before = lines(*s->live());
    std::size_t all_before = (*s->slice(0, clock.now()))->nodeCount();
    s.reset();
    o.retention_bytes = 50 * 1024;
    s = Store::open(o, clock).value();
    ASSERT_TRUE(s->enforceRetention());
    EXPECT_LT((*s->slice(0, clock.now()))->nodeCount(), all_before);
    EXPECT_EQ(lines(*s->live()), live_before);
}

}  // namespace
}  // namespace skydive::store
