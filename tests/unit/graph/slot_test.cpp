// Postings by dense slot (ADR 002, seventh round): the slot table, the chunked slot sets
// (array and bitmap chunks) and the image's term indexes, each against a reference model,
// through persistent copies, and read on other threads while the writer mutates.
#include <skydive/graph/graph_image.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "slot_set.h"
#include "slot_table.h"

namespace skydive::graph {
namespace {

using detail::SlotSet;
using detail::SlotTable;
using model::Value;

std::set<std::uint32_t> members(const SlotSet& s) {
    std::set<std::uint32_t> out;
    s.forEach([&](std::uint32_t x) {
        EXPECT_TRUE(out.insert(x).second) << "visited twice: " << x;
        return true;
    });
    EXPECT_EQ(out.size(), s.size());
    return out;
}

TEST(SlotTable, AcquireReleaseSetMatchReferenceThroughCopies) {
    std::mt19937 rng(11);
    SlotTable t;
    std::map<std::uint32_t, std::uintptr_t> ref;
    std::vector<std::pair<SlotTable, std::map<std::uint32_t, std::uintptr_t>>> copies;
    for (int op = 0; op < 60000; ++op) {
        const auto word = static_cast<std::uintptr_t>(rng() % 1000000) * 8;
        const unsigned r = rng() % 10;
        if (r < 6 || ref.empty()) {
            const std::uint32_t s = t.acquire(word);
            ASSERT_FALSE(ref.count(s)) << "slot handed out twice";
            ref[s] = word;
        } else {
            auto it = std::next(ref.begin(), static_cast<long>(rng() % ref.size()));
            if (r < 8) {
                t.set(it->first, word);
                it->second = word;
            } else {
                t.releaseSlot(it->first);
                ref.erase(it);
            }
        }
        if (op % 5000 == 0) copies.emplace_back(t, ref);
    }
    for (const auto& [s, w] : ref) ASSERT_EQ(t.get(s), w);
    // Released slots are reused: the table never grew past the most slots live at once + 1.
    EXPECT_LE(t.highWater(), 60000u);
    for (const auto& [copy, r] : copies)
        for (const auto& [s, w] : r) ASSERT_EQ(copy.get(s), w);
    std::vector<std::uintptr_t> words(40000);
    for (std::size_t i = 0; i < words.size(); ++i) words[i] = i * 16;
    SlotTable built = SlotTable::build(words);
    for (std::size_t i = 0; i < words.size(); ++i)
        ASSERT_EQ(built.get(SlotTable::slotOf(i)), words[i]);
    EXPECT_EQ(built.acquire(8), SlotTable::slotOf(40000));
    // A fresh table hands out slotOf(0), slotOf(1)...: no base-32 digit is ever 31.
    SlotTable fresh;
    for (std::size_t i = 0; i < 70000; ++i) {
        const std::uint32_t s = fresh.acquire(i * 8);
        ASSERT_EQ(s, SlotTable::slotOf(i));
        for (unsigned shift = 0; shift < 32; shift += 5) ASSERT_NE((s >> shift) & 31u, 31u);
    }
}

// Members drawn from clusters of varied density, so chunks go array -> bitmap -> array.
TEST(SlotSet, InsertEraseMatchReferenceThroughCopies) {
    for (unsigned seed : {1u, 2u, 3u}) {
        std::mt19937 rng(seed);
        SlotSet s;
        std::set<std::uint32_t> ref;
        std::vector<std::pair<SlotSet, std::set<std::uint32_t>>> copies;
        for (int op = 0; op < 40000; ++op) {
            const std::uint32_t chunk = rng() % 5;
            const std::uint32_t span = chunk == 0 ? 4096 : chunk == 1 ? 600 : 100;
            const std::uint32_t x = chunk * 4096 + rng() % span + (chunk == 4 ? 1u << 30 : 0);
            const bool add = (op / 8000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
            if (add)
                ASSERT_EQ(s.insert(x), ref.insert(x).second);
            else
                ASSERT_EQ(s.erase(x), ref.erase(x) == 1);
            ASSERT_EQ(s.contains(x), ref.count(x) == 1);
            if (op % 2000 == 0) copies.emplace_back(s, ref);
        }
        EXPECT_EQ(members(s), ref);
        for (const auto& [copy, r] : copies) EXPECT_EQ(members(copy), r);
        std::vector<std::uint32_t> all(ref.begin(), ref.end());
        all.insert(all.end(), ref.begin(), ref.end());  // repeats are dropped
        std::shuffle(all.begin(), all.end(), rng);
        EXPECT_EQ(members(SlotSet::build(all)), ref);
    }
}

TEST(SlotSet, CopiesReadOnOtherThreadsWhileWriterMutates) {
    SlotSet s;
    for (std::uint32_t x = 0; x < 20000; x += 3) s.insert(x);
    const SlotSet frozen = s;
    const std::set<std::uint32_t> want = members(frozen);
    std::vector<std::thread> readers;
    std::atomic<int> bad{0};
    for (int r = 0; r < 2; ++r)
        readers.emplace_back([&] {
            for (int i = 0; i < 30; ++i) {
                SlotSet mine = frozen;
                std::size_t n = 0;
                mine.forEach([&](std::uint32_t x) { return n += x % 3 == 0 ? 1 : 1000000, true; });
                if (n != want.size()) ++bad;
            }
        });
    std::mt19937 rng(5);
    for (int i = 0; i < 40000; ++i) {
        const std::uint32_t x = rng() % 20000;
        if (rng() % 2)
            s.insert(x);
        else
            s.erase(x);
    }
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(members(frozen), want);
}

NodeRec typed(const std::string& id, const std::string& type, const std::string& name) {
    Node n;
    n.id = id;
    n.metadata.mutableObject().set("Type", type);
    n.metadata.mutableObject().set("Name", name);
    n.host = "h" + std::to_string(id.size() % 2);
    return NodeRec::encode(n);
}

using Ref = std::map<std::string, std::pair<std::string, std::string>>;  // id -> (Type, Name)

void expectIndexes(const GraphImage& img, const Ref& ref) {
    std::map<std::pair<std::string, std::string>, std::set<std::string>> want;
    for (const auto& [id, tn] : ref) {
        want[{"Type", tn.first}].insert(id);
        want[{"Name", tn.second}].insert(id);
    }
    for (const char* key : {"Type", "Name"})
        for (int v = 0; v < 40; ++v) {
            const std::string term =
                std::string(key == std::string("Type") ? "t" : "n") + std::to_string(v);
            std::set<std::string> got;
            img.nodesByValue(key, Value(term), [&](model::NodeHandle n_h) {
                const model::Node n = n_h.toNode();
                EXPECT_EQ(n.metadata.path(key)->asString(), term);
                return got.insert(n.id.str()), true;
            });
            ASSERT_EQ(got, (want[{key, term}])) << key << "=" << term;
            ASSERT_EQ(img.countByValue(key, Value(term)), got.size());
        }
    EXPECT_EQ(img.nodeCount(), ref.size());
}

// Thousands of nodes under few types (bitmap chunks) and names shared by 0..3 nodes
// (single <-> many), with updates that change or keep indexed values and removals that free
// slots for reuse; bulk build of the final state gives the same answers.
TEST(SlotPostings, ImageMatchesReferenceThroughCopiesAndBuild) {
    std::mt19937 rng(17);
    GraphImage img(nullptr);
    Ref ref;
    std::vector<std::pair<GraphImage, Ref>> copies;
    for (int op = 0; op < 30000; ++op) {
        const std::string id = "node-" + std::to_string(rng() % 6000);
        const unsigned r = rng() % 10;
        if (r < 8) {
            const std::string type = "t" + std::to_string(rng() % (r < 4 ? 2 : 40));
            const std::string name = "n" + std::to_string(rng() % 40);
            img.putNode(typed(id, type, name));
            ref[id] = {type, name};
        } else {
            EXPECT_EQ(img.removeNode(id), ref.erase(id) == 1);
        }
        if (op % 6000 == 0) copies.emplace_back(img, ref);
    }
    expectIndexes(img, ref);
    for (const auto& [copy, r] : copies) expectIndexes(copy, r);
    std::vector<NodeRec> nodes;
    img.forEachNode([&](model::NodeHandle n_h) {
        const model::Node n = n_h.toNode();
        return nodes.push_back(NodeRec::encode(n)), true;
    });
    expectIndexes(GraphImage::build(nullptr, nodes, {}, 2), ref);
}

// List values: a term from a list item is never kept as a single, the list itself is a term,
// and a node whose value goes list <-> whole value moves between the two forms.
TEST(SlotPostings, ListAndWholeValuesMatchReference) {
    std::mt19937 rng(23);
    GraphImage img(nullptr);
    std::map<std::string, Value> ref;  // id -> IPV4 value
    auto addr = [&] { return Value("10.0.0." + std::to_string(rng() % 6)); };
    for (int op = 0; op < 8000; ++op) {
        const std::string id = "n" + std::to_string(rng() % 300);
        if (rng() % 8 == 0) {
            EXPECT_EQ(img.removeNode(id), ref.erase(id) == 1);
            continue;
        }
        Value v = addr();
        if (rng() % 2) {
            v = Value::list();
            for (unsigned k = rng() % 3; k-- > 0;) v.mutableList().push_back(addr());
        }
        Node n;
        n.id = id;
        n.metadata.mutableObject().set("IPV4", v);
        img.putNode(NodeRec::encode(n));
        ref[id] = v;
        if (op % 500 != 0) continue;
        std::vector<Value> terms;
        for (int a = 0; a < 6; ++a) terms.emplace_back("10.0.0." + std::to_string(a));
        terms.push_back(v);  // a list value is a term of its own
        for (const Value& t : terms) {
            std::set<std::string> want;
            for (const auto& [rid, rv] : ref) {
                bool hit = rv == t;
                if (rv.isList())
                    for (const Value& item : rv.asList()) hit = hit || item == t;
                if (hit) want.insert(rid);
            }
            std::set<std::string> got;
            img.nodesByValue("IPV4", t, [&](model::NodeHandle x_h) {
                const model::Node x = x_h.toNode();
                return got.insert(x.id.str()), true;
            });
            ASSERT_EQ(got, want) << op;
            ASSERT_EQ(img.countByValue("IPV4", t), want.size());
        }
    }
}

}  // namespace
}  // namespace skydive::graph
