#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using model::Value;

// A deliberately simple reference: the list of every stored revision record, with ArchivedAt,
// and the visibility rule of spec §2.8 applied by brute force.
struct Record {
    bool is_node = true;
    model::Edge elem;  // edges use parent/child; nodes ignore them
    Time archived_at = 0;
};

struct Reference {
    std::vector<Record> records;
    std::map<std::string, std::size_t> live_nodes, live_edges;  // id -> current record

    void add(bool is_node, model::Edge e) {
        records.push_back({is_node, std::move(e), 0});
        (is_node ? live_nodes : live_edges)[records.back().elem.id.str()] = records.size() - 1;
    }
    void update(bool is_node, const std::string& id, const Value& md, Time t) {
        auto& live = is_node ? live_nodes : live_edges;
        Record next = records[live[id]];
        records[live[id]].archived_at = t;
        next.elem.metadata = md;
        next.elem.revision += 1;
        next.elem.updated_at = t;
        records.push_back(next);
        live[id] = records.size() - 1;
    }
    void remove(bool is_node, const std::string& id, Time t) {
        auto& live = is_node ? live_nodes : live_edges;
        Record& r = records[live[id]];
        r.elem.deleted_at = t;
        r.archived_at = t;
        live.erase(id);
    }
    static bool visible(const Record& r, Time s, Time l) {
        const auto& e = r.elem;
        return e.created_at <= l && (e.deleted_at == 0 || e.deleted_at >= s) && e.updated_at <= l &&
               (r.archived_at == 0 || r.archived_at >= s);
    }
};

std::string render(bool is_node, const model::Edge& e) {
    std::string s = (is_node ? "N " : "E ") + e.id.str() + " r" + std::to_string(e.revision) +
                    " c" + std::to_string(e.created_at) + " u" + std::to_string(e.updated_at) +
                    " d" + std::to_string(e.deleted_at) + " " +
                    std::string(e.metadata.path("V")->asString());
    if (!is_node) s += " " + e.parent.str() + ">" + e.child.str();
    return s;
}

std::string render(const model::Node& n) {
    model::Edge e;
    static_cast<model::Element&>(e) = n;
    return render(true, e);
}

std::vector<std::string> viewLines(const graph::GraphView& v) {
    std::vector<std::string> out;
    v.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return out.push_back(render(n)), true;
    });
    v.forEachEdge([&](const model::Edge& e) { return out.push_back(render(false, e)), true; });
    return out;
}

std::vector<std::string> expectPoint(const Reference& ref, Time t) {
    std::map<std::string, const Record*> best;
    for (const Record& r : ref.records) {
        if (!Reference::visible(r, t, t)) continue;
        std::string key = (r.is_node ? "N" : "E") + r.elem.id.str();
        auto& b = best[key];
        if (!b || b->elem.revision < r.elem.revision) b = &r;
    }
    std::vector<std::string> out;
    for (auto& [k, r] : best) out.push_back(render(r->is_node, r->elem));
    return out;
}

// The record visible at t for each element ("N<id>" / "E<id>").
// A copy: a later deletion rewrites a revision (DeletedAt), which a view taken before it
// does not show (a view is a snapshot; the store drops such views from its cache).
std::map<std::string, Record> pointRecords(const Reference& ref, Time t) {
    std::map<std::string, Record> best;
    for (const Record& r : ref.records) {
        if (!Reference::visible(r, t, t)) continue;
        auto [it, added] = best.try_emplace((r.is_node ? "N" : "E") + r.elem.id.str(), r);
        if (!added && it->second.elem.revision < r.elem.revision) it->second = r;
    }
    return best;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// Drives every lookup of a point view (before any scan, so a lazy view answers them without
// its image) against the reference: counts, finds, adjacency both ways, index lookups.
void checkLookups(const graph::GraphView& v, const std::map<std::string, Record>& best, Time t,
                  int ids, std::mt19937& rng) {
    for (int k = 0; k < 8; ++k) {
        std::string id = std::to_string(rng() % std::max(1, ids));
        std::vector<std::string> got, want;
        v.findNode("n" + id, [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            return got.push_back(render(n)), true;
        });
        v.findEdge("e" + id,
                   [&](const model::Edge& e) { return got.push_back(render(false, e)), true; });
        for (const char* kind : {"N", "E"}) {
            auto it = best.find(kind + std::string(kind[0] == 'N' ? "n" : "e") + id);
            if (it != best.end()) want.push_back(render(it->second.is_node, it->second.elem));
        }
        EXPECT_EQ(sorted(got), sorted(want)) << "find " << id << "@" << t;
        std::string node = "n" + id;
        for (bool out : {true, false}) {
            got.clear();
            want.clear();
            auto fn = [&](const model::Edge& e) { return got.push_back(render(false, e)), true; };
            out ? v.outEdges(node, fn) : v.inEdges(node, fn);
            for (auto& [key, r] : best) {
                if (!r.is_node && (out ? r.elem.parent : r.elem.child).view() == node)
                    want.push_back(render(false, r.elem));
            }
            EXPECT_EQ(sorted(got), sorted(want)) << (out ? "out " : "in ") << node << "@" << t;
        }
    }
    for (int k = 0; k < 5; ++k) {
        Value value = "v" + std::to_string(k);
        const std::size_t counted = v.countByValue("V", value);  // before any lookup of it
        std::vector<std::string> got, want;
        v.nodesByValue("V", value, [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            return got.push_back(render(n)), true;
        });
        for (auto& [key, r] : best) {
            if (r.is_node && r.elem.metadata.path("V") && *r.elem.metadata.path("V") == value)
                want.push_back(render(true, r.elem));
        }
        EXPECT_EQ(sorted(got), sorted(want)) << "nodesByValue v" << k << "@" << t;
        // Counted from the posting, corrected by the term's changes after t (ADR 021).
        EXPECT_EQ(counted, want.size()) << "countByValue v" << k << "@" << t;
        EXPECT_EQ(v.countByValue("V", value), want.size()) << "countByValue again v" << k;
    }
    // Last: outside the window counts build the view's image, which later lookups would use.
    std::size_t nodes = 0;
    for (auto& [k, r] : best) nodes += r.is_node ? 1 : 0;
    EXPECT_EQ(v.nodeCount(), nodes) << "nodeCount@" << t;
    EXPECT_EQ(v.edgeCount(), best.size() - nodes) << "edgeCount@" << t;
}

std::vector<std::string> expectSlice(const Reference& ref, Time s, Time l) {
    std::vector<std::string> out;
    for (const Record& r : ref.records)
        if (Reference::visible(r, s, l)) out.push_back(render(r.is_node, r.elem));
    return out;
}

struct Variant {
    const char* name;
    std::size_t window_bytes;
    std::size_t checkpoint_every;
    bool reopen;
    // Commits publish no image (ADR 046): every read takes it from the writer on demand.
    bool unpublished = false;
};

class StoreProperty : public ::testing::TestWithParam<std::tuple<Variant, unsigned>> {};

// Random add/update/delete with non-decreasing timestamps (equal ones included); random points
// and slices must equal the reference replay: every element, metadata value and revision.
TEST_P(StoreProperty, ViewsMatchReference) {
    auto [variant, seed] = GetParam();
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.recent_window_bytes = variant.window_bytes;
    o.checkpoint_every_changes = variant.checkpoint_every;
    o.view_cache_entries = 4;
    o.live.indexed_keys.push_back("V");  // index lookups of past views are checked too
    if (variant.unpublished) o.live.publish_after_read = std::chrono::milliseconds(0);
    auto opened = Store::open(o, clock);
    ASSERT_TRUE(opened.ok());
    auto store = std::move(*opened);
    Reference ref;
    std::mt19937 rng(seed);
    int next_id = 0;
    // Views kept while history grows: later changes (seq limit) and the window moving past
    // their moment (disk fallback) must not change what they show.
    struct Kept {
        Time t;
        graph::GraphViewPtr view;
        std::map<std::string, Record> want;
    };
    std::vector<Kept> kept;
    auto check = [&](int queries) {
        Time end = clock.now();
        for (auto& k : kept) checkLookups(*k.view, k.want, k.t, next_id, rng);
        if (kept.size() > 6) kept.erase(kept.begin(), kept.begin() + 3);
        for (int q = 0; q < queries; ++q) {
            Time t = 995 + static_cast<Time>(rng() % (end - 990));
            auto view = store->at(t);
            ASSERT_TRUE(view.ok());
            checkLookups(**view, pointRecords(ref, t), t, next_id, rng);
            Time t2 = 995 + static_cast<Time>(rng() % (end - 994));
            if (q % 2 == 0 && t2 < end) {  // never scanned: stays lazy while history grows
                auto later = store->at(t2);
                ASSERT_TRUE(later.ok());
                auto want = pointRecords(ref, t2);
                checkLookups(**later, want, t2, next_id, rng);
                kept.push_back({t2, *later, std::move(want)});
            }
            auto got = viewLines(**view);
            std::sort(got.begin(), got.end());
            EXPECT_EQ(got, expectPoint(ref, t)) << "point " << t;
            // Scanned once: index lookups now roll hits back through the scan's overlay.
            checkLookups(**view, pointRecords(ref, t), t, next_id, rng);
            // One-element seeks agree with the whole-graph view.
            for (int k = 0; k < 5; ++k) {
                std::string id = "n" + std::to_string(rng() % std::max(1, next_id));
                auto one = store->nodeAt(id, t);
                ASSERT_TRUE(one.ok());
                bool in_view = false;
                (*view)->findNode(id, [&](model::NodeHandle n_h) {
                    const model::Node n = n_h.toNode();
                    in_view = true;
                    EXPECT_TRUE(one->has_value() && render(**one) == render(n)) << id << "@" << t;
                    return true;
                });
                EXPECT_EQ(in_view, one->has_value()) << id << "@" << t;
            }
            Time s = 995 + static_cast<Time>(rng() % (end - 990));
            // s may exceed end + 2 (then the slice is the one moment s).
            Time l = std::max(s, std::min<Time>(end + 2, s + static_cast<Time>(rng() % 200)));
            auto sl = store->slice(s, l);
            ASSERT_TRUE(sl.ok()) << sl.error().message;
            auto got_slice = viewLines(**sl);
            // Ordered by UpdatedAt within nodes and within edges.
            Time last = 0;
            (*sl)->forEachNode([&](model::NodeHandle n_h) {
                const model::Node n = n_h.toNode();
                EXPECT_GE(n.updated_at, last);
                return last = n.updated_at, true;
            });
            std::sort(got_slice.begin(), got_slice.end());
            auto want = expectSlice(ref, s, l);
            std::sort(want.begin(), want.end());
            EXPECT_EQ(got_slice, want) << "slice " << s << ".." << l;
        }
    };
    // Whole scans going back in time 1 ms at a time, no commit in between: each reuses the
    // previous moment's overlay plus the changes between the two (ADR 021, "overlay reuse").
    auto scanBack = [&] {
        Time end = clock.now();
        Time t0 = 1000 + static_cast<Time>(rng() % (end - 990));
        for (Time d = 0; d < 8; ++d) {
            auto view = store->at(t0 - d);
            ASSERT_TRUE(view.ok());
            auto got = viewLines(**view);
            std::sort(got.begin(), got.end());
            EXPECT_EQ(got, expectPoint(ref, t0 - d)) << "scan back " << t0 - d;
        }
    };
    const int ops = 3000;
    for (int i = 0; i < ops; ++i) {
        if (i % 500 == 499) check(5);  // queries while history grows (caches, window)
        if (i % 500 == 249) scanBack();
        clock.advance(rng() % 3);
        Time now = clock.now();
        Value v = "v" + std::to_string(rng() % 5);
        Value md = Value::object();
        md.mutableObject().set("V", v);
        int dice = static_cast<int>(rng() % 100);
        if (dice < 30 || ref.live_nodes.size() < 3) {
            model::Node n;
            n.id = "n" + std::to_string(next_id++);
            n.metadata = md;
            ASSERT_TRUE(store->addNode(n));
            model::Edge e;
            static_cast<model::Element&>(e) = n;
            e.created_at = e.updated_at = now;
            e.revision = 1;
            ref.add(true, e);
        } else if (dice < 50) {
            auto a = std::next(ref.live_nodes.begin(), rng() % ref.live_nodes.size())->first;
            auto b = std::next(ref.live_nodes.begin(), rng() % ref.live_nodes.size())->first;
            model::Edge e;
            e.id = "e" + std::to_string(next_id++);
            e.parent = a;
            e.child = b;
            e.metadata = md;
            ASSERT_TRUE(store->addEdge(e));
            e.created_at = e.updated_at = now;
            e.revision = 1;
            ref.add(false, e);
        } else if (dice < 80) {
            bool on_node = ref.live_edges.empty() || rng() % 2;
            auto& live = on_node ? ref.live_nodes : ref.live_edges;
            auto id = std::next(live.begin(), rng() % live.size())->first;
            // Half the updates change the non-indexed W and keep V: index hits at t then hold
            // without a re-check (the window knows V was not touched after t).
            const char* key = rng() % 2 ? "V" : "W";
            if (*key == 'W') v = "w" + std::to_string(rng() % 5);
            md = ref.records[live[id]].elem.metadata;
            md.mutableObject().set(key, v);
            auto st =
                on_node ? store->setNodeMetadata(id, key, v) : store->setEdgeMetadata(id, key, v);
            ASSERT_TRUE(st);
            if (!(ref.records[live[id]].elem.metadata == md)) ref.update(on_node, id, md, now);
        } else if (dice < 90 && !ref.live_edges.empty()) {
            auto id = std::next(ref.live_edges.begin(), rng() % ref.live_edges.size())->first;
            ASSERT_TRUE(store->deleteEdge(id));
            ref.remove(false, id, now);
        } else {
            auto id = std::next(ref.live_nodes.begin(), rng() % ref.live_nodes.size())->first;
            ASSERT_TRUE(store->deleteNode(id));
            std::vector<std::string> edges;
            for (auto& [eid, idx] : ref.live_edges) {
                const auto& e = ref.records[idx].elem;
                if (e.parent.view() == id || e.child.view() == id) edges.push_back(eid);
            }
            for (auto& eid : edges) ref.remove(false, eid, now);
            ref.remove(true, id, now);
        }
        if (variant.reopen && i == ops / 2) {
            kept.clear();  // a view keeps the database open
            store.reset();
            auto again = Store::open(o, clock);
            ASSERT_TRUE(again.ok());
            store = std::move(*again);
        }
    }
    check(60);
    auto live = viewLines(*store->live());
    std::sort(live.begin(), live.end());
    ASSERT_EQ(live, expectPoint(ref, clock.now() + 1));
}

const Variant kVariants[] = {
    {"memory", 256u << 20, 1000000, false},
    {"disk", 0, 97, false},
    {"mixed", 64u << 10, 250, true},
    {"memory_unpublished", 256u << 20, 1000000, false, true},
    {"disk_unpublished", 0, 97, false, true},
    {"mixed_unpublished", 64u << 10, 250, true, true},
};

INSTANTIATE_TEST_SUITE_P(Seeds, StoreProperty,
                         ::testing::Combine(::testing::ValuesIn(kVariants),
                                            ::testing::Values(1u, 2u, 3u)),
                         [](const auto& param_info) {
                             return std::string(std::get<0>(param_info.param).name) + "_" +
                                    std::to_string(std::get<1>(param_info.param));
                         });

}  // namespace
}  // namespace skydive::store
