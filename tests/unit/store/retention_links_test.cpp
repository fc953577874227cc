// Retention deletes the link keys (FORMAT.md, kind 'L') of the edge revisions it drops, and
// keeps the ones that later views still need.
#include <skydive/store/keys.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <set>

#include "raw_db.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

// (node, edge) of every link key in the store, with their times (the store must be closed).
std::multimap<std::pair<std::string, std::string>, Time> linkKeys(const std::string& dir) {
    testing::RawDb raw(dir, true);
    std::multimap<std::pair<std::string, std::string>, Time> out;
    if (!raw.ok()) return out;
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db().NewIterator(rocksdb::ReadOptions(), raw.cf(testing::RawDb::kRev)));
    for (it->Seek("L"); it->Valid() && it->key()[0] == 'L'; it->Next()) {
        auto k = decodeLinkKey(std::string_view(it->key().data(), it->key().size()));
        EXPECT_TRUE(k.has_value());
        if (k) out.emplace(std::make_pair(k->node_id, k->edge_id), k->time);
    }
    return out;
}

std::vector<std::string> adjacency(const graph::GraphView& v) {
    std::vector<std::string> out;
    v.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        v.outEdges(n.id.view(), [&](const model::Edge& e) {
            out.push_back(n.id.str() + ">" + e.id.str());
            return true;
        });
        v.inEdges(n.id.view(), [&](const model::Edge& e) {
            out.push_back(n.id.str() + "<" + e.id.str());
            return true;
        });
        return true;
    });
    std::sort(out.begin(), out.end());
    return out;
}

TEST(Retention, DropsLinkKeysOfDroppedEdgeRevisions) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = 0;  // past views read RocksDB (and the link keys)
    o.live_image = false;
    auto s = Store::open(o, clock).value();
    for (int i = 0; i < 6; ++i) {
        model::Node n;
        n.id = "n" + std::to_string(i);
        ASSERT_TRUE(s->addNode(n));
    }
    // e0 moves from child to child (a link key per move), e1 keeps its endpoints (one link key
    // pair, needed after retention), e2 is deleted before the cutoff.
    auto edge = [](const std::string& id, int p, int c) {
        model::Edge e;
        e.id = id;
        e.parent = "n" + std::to_string(p);
        e.child = "n" + std::to_string(c);
        return e;
    };
    clock.advance(10);
    ASSERT_TRUE(s->addEdge(edge("e0", 0, 1)));
    ASSERT_TRUE(s->addEdge(edge("e1", 2, 3)));
    ASSERT_TRUE(s->addEdge(edge("e2", 4, 5)));
    for (int i = 0; i < 4; ++i) {
        clock.advance(10);
        ASSERT_TRUE(s->replaceEdge(edge("e0", 0, 1 + (i + 1) % 5)));
        ASSERT_TRUE(s->setEdgeMetadata("e1", "V", i));
    }
    clock.advance(10);
    ASSERT_TRUE(s->deleteEdge("e2"));
    clock.advance(100);
    Time cutoff = clock.now();
    clock.advance(100);
    ASSERT_TRUE(s->replaceEdge(edge("e0", 0, 3)));
    clock.advance(100);
    std::vector<Time> points{cutoff, cutoff + 50, clock.now()};
    std::vector<std::vector<std::string>> before;
    for (Time t : points) before.push_back(adjacency(**s->at(t)));
    s.reset();
    auto links_before = linkKeys(dir.path());

    o.retention_age_ms = clock.now() - cutoff;
    s = Store::open(o, clock).value();
    ASSERT_TRUE(s->enforceRetention());
    for (std::size_t i = 0; i < points.size(); ++i)
        EXPECT_EQ(adjacency(**s->at(points[i])), before[i]) << points[i];
    s.reset();
    auto links = linkKeys(dir.path());
    EXPECT_LT(links.size(), links_before.size());
    // Kept: e0's parent n0, its child at the cutoff (n5) and its key to n3 written after the
    // cutoff; e1's pair (its revision at the cutoff has the same endpoints). Gone: e2's keys and
    // e0's keys to its older children.
    std::set<std::pair<std::string, std::string>> pairs;
    for (const auto& [k, t] : links) pairs.insert(k);
    std::set<std::pair<std::string, std::string>> want{
        {"n0", "e0"}, {"n3", "e0"}, {"n2", "e1"}, {"n3", "e1"}};
    want.insert({"n5", "e0"});
    EXPECT_EQ(pairs, want);
}

}  // namespace
}  // namespace skydive::store
