#include <skydive/model/json.h>
#include <skydive/model/node_rec.h>

#include <gtest/gtest.h>

#include "node_gen.h"

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <thread>

namespace skydive::model {
namespace {

using test_gen::expectHeaderOf;
using test_gen::Gen;

Value nested(int levels) {
    Value v("leaf");
    for (int i = 0; i < levels; ++i)
        v = i % 2 == 0 ? Value(Object{{"k", v}, {"n", i}}) : Value(List{v, Value(i)});
    return v;
}

TEST(NodeRec, RoundTripsRandomNodes) {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        Gen g(seed);
        for (int i = 0; i < 500; ++i) {
            Node n = g.node();
            NodeRec r = NodeRec::encode(n);
            ASSERT_EQ(r.toNode(), n) << toJson(n);
            expectHeaderOf(r, n);
            const NodeRef::Head h = r.head();  // one walk gives what each accessor gives
            EXPECT_EQ(h.id, r.id());
            EXPECT_EQ(h.host, r.host());
            EXPECT_EQ(h.origin, r.origin());
            EXPECT_EQ(h.created_at, r.createdAt());
            EXPECT_EQ(h.updated_at, r.updatedAt());
            EXPECT_EQ(h.deleted_at, r.deletedAt());
            EXPECT_EQ(h.revision, r.revision());
            const Object& md = n.metadata.asObject();
            ASSERT_EQ(r.keyCount(), md.size());
            std::size_t k = 0;
            for (const auto& [key, value] : md) {
                EXPECT_EQ(r.key(k), key.view());
                EXPECT_EQ(r.value(k).toValue(), value);
                EXPECT_EQ(r.field(key).toValue(), value);
                ++k;
            }
            EXPECT_FALSE(r.field("NoSuchKey").exists());
            auto it = md.begin();
            std::size_t walked = 0;
            for (auto [key, value] : r.fields()) {
                EXPECT_EQ(key, (*it).first.view());
                EXPECT_EQ(value.toValue(), (*it).second);
                ++it;
                ++walked;
            }
            EXPECT_EQ(walked, md.size());
        }
    }
}

TEST(NodeRec, StampsReplaceTheNodesOwnTimesAndRevision) {
    Gen g(7);
    for (int i = 0; i < 200; ++i) {
        const Node n = g.node();
        const NodeRec::Stamps s{n.created_at + 17 + i, n.updated_at + 1000 * i, n.revision + 3};
        Node stamped = n;
        stamped.created_at = s.created_at;
        stamped.updated_at = s.updated_at;
        stamped.revision = s.revision;
        NodeRec r = NodeRec::encode(n, s);
        ASSERT_EQ(r.toNode(), stamped) << toJson(n);
        EXPECT_TRUE(r == NodeRec::encode(stamped));
        EXPECT_EQ(r.revision(), s.revision);
    }
}

TEST(NodeRec, NestingToTheDepthLimitAndExtremeScalars) {
    Node n;
    n.id = "deep";
    auto& md = n.metadata.mutableObject();
    md.set("Deep", nested(32));
    md.set("Max", Value(static_cast<long long>(std::numeric_limits<std::int64_t>::max())));
    md.set("Min", Value(static_cast<long long>(std::numeric_limits<std::int64_t>::min())));
    md.set("Tiny", Value(std::numeric_limits<double>::denorm_min()));
    md.set("Empty", Value(""));
    md.set("EmptyList", Value::list());
    md.set("EmptyObject", Value::object());
    md.set("Exactly127", Value(std::string(127, 'x')));
    md.set("Exactly128", Value(std::string(128, 'y')));
    n.created_at = std::numeric_limits<Time>::min();
    n.updated_at = std::numeric_limits<Time>::max();
    n.revision = -1;
    NodeRec r = NodeRec::encode(n);
    EXPECT_EQ(r.toNode(), n);
    EXPECT_EQ(depth(r.field("Deep").toValue()), 32u);
    EXPECT_EQ(r.field("Min").asInt(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(r.field("Exactly128").asString().size(), 128u);
    EXPECT_TRUE(r.field("EmptyList").asList().empty());
    EXPECT_EQ(toJson(NodeRef(r)), toJson(n));
}

TEST(NodeRec, EmptyNodeAndWideOffsets) {
    Node empty;
    NodeRec e = NodeRec::encode(empty);
    EXPECT_EQ(e.toNode(), empty);
    EXPECT_EQ(e.keyCount(), 0u);
    EXPECT_FALSE(e.field("Name").exists());

    Node big;  // > 64 KiB of values: 4-byte offsets
    big.id = "big";
    for (int i = 0; i < 40; ++i)
        big.metadata.mutableObject().set("K" + std::to_string(100 + i),
                                         std::string(3000, 'a' + i % 26));
    NodeRec b = NodeRec::encode(big);
    EXPECT_GT(b.blockBytes(), 65536u);
    EXPECT_EQ(b.toNode(), big);
    EXPECT_EQ(b.field("K139").asString(), std::string(3000, 'a' + 39 % 26));
    EXPECT_EQ(toJson(NodeRef(b)), toJson(big));
}

TEST(NodeRec, NestedViews) {
    auto v =
        parseJson(R"({"Captures":[{"ID":"c1","State":"active"},{"ID":"c2"}],"Map":{"a":{"b":5}},)"
                  R"("F":1.5,"T":true,"N":null})");
    ASSERT_TRUE(v.ok());
    Node n;
    n.id = "n1";
    n.metadata = *v;
    NodeRec r = NodeRec::encode(n);
    ListRef caps = r.field("Captures").asList();
    ASSERT_EQ(caps.size(), 2u);
    std::vector<std::string> ids;
    for (ValueRef c : caps) ids.emplace_back(c.asObject().find("ID").asString());
    EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c2"}));
    EXPECT_FALSE((*caps.begin()).asObject().find("Nope").exists());
    EXPECT_EQ(r.field("Map").asObject().find("a").asObject().find("b").asInt(), 5);
    EXPECT_EQ(r.field("F").asDouble(), 1.5);
    EXPECT_TRUE(r.field("T").asBool());
    EXPECT_TRUE(r.field("N").isNull());
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < r.keyCount(); ++i) keys.emplace_back(r.key(i));
    EXPECT_EQ(keys, (std::vector<std::string>{"Captures", "F", "Map", "N", "T"}));
}

// Record equality (bytes) agrees with Node equality, on equal copies and on small edits.
TEST(NodeRec, EqualityMatchesNodeEquality) {
    Gen g(7);
    int equal = 0, different = 0;
    for (int i = 0; i < 2000; ++i) {
        Node a = g.node(3);
        Node b = a;
        switch (g.pick(8)) {
            case 0: b.revision += static_cast<std::int64_t>(g.pick(2)); break;
            case 1: b.host = "host" + std::to_string(g.pick(3)); break;
            case 2: b.updated_at += static_cast<Time>(g.pick(2)); break;
            case 3: b.metadata.mutableObject().set(g.key(), g.value(2)); break;
            case 4: b.metadata.mutableObject().erase(g.key()); break;
            case 5: b.deleted_at = b.deleted_at == 0 ? b.updated_at : 0; break;
            case 6: b.metadata = Value(g.object(2, g.pick(12))); break;
            default: break;
        }
        bool nodes_equal = a == b;
        (nodes_equal ? equal : different)++;
        EXPECT_EQ(NodeRec::encode(a) == NodeRec::encode(b), nodes_equal) << toJson(a) << "\n"
                                                                         << toJson(b);
    }
    EXPECT_GT(equal, 200);
    EXPECT_GT(different, 200);
}

// What an index needs to compare a stored record's field with a query term: Value equality
// and Value::hash, read from the packed form.
TEST(NodeRec, EqualsAndHashAgreeWithValue) {
    Gen g(41);
    int equal = 0;
    for (int i = 0; i < 3000; ++i) {
        Value a = g.value(3);
        Value b = g.pick(2) == 0 ? a : g.value(3);
        Node n;
        n.metadata.mutableObject().set("A", a);
        NodeRec r = NodeRec::encode(n);
        ValueRef ref = r.field("A");
        EXPECT_EQ(hashOf(ref), a.hash());
        ASSERT_EQ(equals(ref, b), a == b) << toJson(a) << " vs " << toJson(b);
        equal += a == b;
    }
    EXPECT_GT(equal, 1000);
    Node n;
    n.metadata.mutableObject().set("Z", -0.0);
    EXPECT_TRUE(equals(NodeRec::encode(n).field("Z"), Value(0.0)));  // IEEE, as Value
    EXPECT_FALSE(equals(ValueRef(), Value()));
}

TEST(NodeRec, DoublesCompareByBits) {
    Node a, b;
    a.metadata.mutableObject().set("D", 0.0);
    b.metadata.mutableObject().set("D", -0.0);
    EXPECT_EQ(a, b);
    EXPECT_FALSE(NodeRec::encode(a) == NodeRec::encode(b));
    EXPECT_EQ(toJson(NodeRef(NodeRec::encode(b))), toJson(b));  // "-0" kept
}

TEST(NodeRec, JsonBytesMatchTheNodeWriter) {
    for (unsigned seed = 11; seed <= 13; ++seed) {
        Gen g(seed);
        for (int i = 0; i < 500; ++i) {
            Node n = g.node();
            ASSERT_EQ(toJson(NodeRef(NodeRec::encode(n))), toJson(n));
        }
    }
}

TEST(NodeRec, CopiesShareTheBlock) {
    Node n = Gen(3).node();
    NodeRec a = NodeRec::encode(n);
    NodeRec b = a;
    EXPECT_EQ(a.block(), b.block());
    NodeRec c = std::move(b);
    EXPECT_TRUE(b.isNull());  // NOLINT: moved-from state is specified
    EXPECT_EQ(c.block(), a.block());
    a = NodeRec();
    EXPECT_EQ(c.toNode(), n);  // c keeps the block alive
    NodeRef view = c;
    EXPECT_EQ(view.id(), n.id.view());
    NodeRec shared = NodeRec::share(view);  // a second owner from a view
    c = NodeRec();
    EXPECT_EQ(shared.toNode(), n);
    const auto* raw = std::move(shared).release();  // into an 8-byte word and back
    EXPECT_TRUE(shared.isNull());                   // NOLINT
    NodeRec back = NodeRec::adopt(raw);
    EXPECT_EQ(back.toNode(), n);
}

// fieldOf over a record answers as fieldOf over the node: pseudo keys, the Metadata. prefix,
// dotted paths through objects and through lists (fan-out), missing keys.
TEST(NodeRec, FieldOfMatchesTheNode) {
    Gen g(31);
    static const char* kPseudo[] = {"@ID",        "@Host",      "@Origin",
                                    "@CreatedAt", "@UpdatedAt", "@DeletedAt",
                                    "@Revision",  "@Nope",      ""};
    int found = 0, fanned = 0, refs = 0;
    for (int i = 0; i < 1000; ++i) {
        Node n = g.node(3);
        if (g.pick(2) == 0)  // a list of objects, as Captures: paths through it fan out
            n.metadata.mutableObject().set(
                g.key(), Value(List{Value(g.object(1, 6)), Value(g.object(1, 6)), Value(5)}));
        NodeRec r = NodeRec::encode(n);
        for (int j = 0; j < 12; ++j) {
            std::string key;
            if (g.pick(5) == 0) {
                key = kPseudo[g.pick(std::size(kPseudo))];
            } else {
                key = g.pick(4) == 0 ? "Metadata." : "";
                for (std::size_t seg = g.pick(3) + 1; seg > 0; --seg)
                    key += g.key() + (seg > 1 ? "." : "");
            }
            auto expected = fieldOf(n, key);
            FieldValue got = fieldOf(NodeRef(r), key);
            ASSERT_EQ(got.toOptional(), expected) << key << " in " << toJson(n);
            found += expected.has_value();
            refs += got.isRef();
            fanned += got.exists() && !got.isRef() && key[0] != '@';
        }
    }
    EXPECT_GT(found, 1000);  // the generator hits real paths, not only misses
    EXPECT_GT(refs, 500);
    EXPECT_GT(fanned, 20);
}

// fieldIndex finds every top-level key at its position in the sorted key list and answers
// keyCount() for absent ones; records built with the same keys share them (sameKeys).
TEST(NodeRec, FieldIndexAndSameKeys) {
    Gen g(77);
    int same = 0;
    for (int i = 0; i < 300; ++i) {
        Node n = g.node(2);
        NodeRec r = NodeRec::encode(n);
        std::string packed_keys;  // count, then each key's length and bytes (LEB128)
        auto vu = [&](std::size_t v) {
            for (; v >= 0x80; v >>= 7) packed_keys.push_back(static_cast<char>(v | 0x80));
            packed_keys.push_back(static_cast<char>(v));
        };
        vu(r.keyCount());
        for (std::size_t k = 0; k < r.keyCount(); ++k) {
            vu(r.key(k).size());
            packed_keys.append(r.key(k));
        }
        ASSERT_EQ(r.packedKeys(), packed_keys);
        for (std::size_t k = 0; k < r.keyCount(); ++k) {
            ASSERT_EQ(r.fieldIndex(r.key(k)), k);
            ASSERT_EQ(r.value(k), r.field(r.key(k)));
        }
        EXPECT_EQ(r.fieldIndex("no such key \x7f"), r.keyCount());
        Node other = n;  // same keys, other values
        for (const auto& [key, value] : n.metadata.asObject())
            other.metadata.mutableObject().set(key, Value(g.str()));
        NodeRec o = NodeRec::encode(other);
        ASSERT_TRUE(r.sameKeys(o));
        same += r.keyCount() > 0;
        other.metadata.mutableObject().set("an extra key", Value(1));
        EXPECT_FALSE(r.sameKeys(NodeRec::encode(other)));
    }
    EXPECT_GT(same, 200);
}

// differingValues answers, for many positions at once, what value(i) == other.value(i) answers
// one at a time: random records with some values changed (doubles compared bit for bit), and
// positions past the key list skipped.
TEST(NodeRec, DifferingValuesAgreesWithValueComparisons) {
    Gen g(78);
    int differing = 0;
    for (int i = 0; i < 300; ++i) {
        Node n = g.node(2);
        Node other = n;
        std::size_t k = 0;
        for (const auto& [key, value] : n.metadata.asObject()) {
            if (k % 3 == 1) other.metadata.mutableObject().set(key, Value(g.str()));
            if (k % 3 == 2) other.metadata.mutableObject().set(key, Value(-0.0));
            ++k;
        }
        if (n.metadata.asObject().size() > 0)
            n.metadata.mutableObject().set(n.metadata.asObject().begin()->first, Value(0.0));
        const NodeRec a = NodeRec::encode(n), b = NodeRec::encode(other);
        ASSERT_TRUE(a.sameKeys(b));
        std::vector<std::size_t> positions;
        for (std::size_t p = a.keyCount() + 2; p-- > 0;) positions.push_back(p);  // 2 past the end
        const std::uint64_t bits = a.differingValues(b, positions.data(), positions.size());
        for (std::size_t q = 0; q < positions.size(); ++q) {
            const bool differ =
                positions[q] < a.keyCount() && !(a.value(positions[q]) == b.value(positions[q]));
            ASSERT_EQ((bits >> q & 1) == 1, differ) << i << " position " << positions[q];
            differing += differ;
        }
    }
    EXPECT_GT(differing, 100);
}

// sameField answers as comparing fieldOf's values, on its shortcuts too: `@Host` compared by
// interned id (hosts of at most 127 bytes) or by bytes (longer ones stay inline), top-level keys
// by position when both records share their key list.
TEST(NodeRec, SameFieldAgreesWithFieldOf) {
    Gen g(79);
    const std::vector<std::string> hosts{"", "h1", "h2", std::string(200, 'x'),
                                         std::string(200, 'x') + "y"};
    const std::vector<std::string> keys{"@Host",   "@ID",        "@Revision",
                                        "@Origin", "@DeletedAt", "@NoSuchField"};
    int differ = 0, same = 0;
    for (int i = 0; i < 400; ++i) {
        Node a = g.node(2);
        Node b = i % 2 ? a : g.node(2);
        a.host = hosts[static_cast<std::size_t>(i) % hosts.size()];
        b.host = hosts[static_cast<std::size_t>(i / 3) % hosts.size()];
        b.revision = a.revision + (i % 4 == 0);
        const NodeRec ra = NodeRec::encode(a), rb = NodeRec::encode(b);
        std::vector<std::string> all = keys;
        for (const auto& [k, v] : a.metadata.asObject()) all.push_back(std::string(k.view()));
        for (const std::string& k : all) {
            const bool want = fieldOf(ra, k) == fieldOf(rb, k);
            ASSERT_EQ(sameField(ra, rb, k), want) << i << " " << k.substr(0, 20);
            (want ? same : differ) += 1;
        }
    }
    EXPECT_GT(differ, 200);
    EXPECT_GT(same, 200);
}

TEST(InternedStrings, LongStringsStayInline) {
    std::size_t before = InternedStrings::size();
    EXPECT_EQ(InternedStrings::intern(std::string(200, 'h')), InternedStrings::kNone);
    EXPECT_EQ(InternedStrings::size(), before);
    std::uint32_t id = InternedStrings::intern("interned-once");
    EXPECT_EQ(InternedStrings::intern("interned-once"), id);
    EXPECT_EQ(InternedStrings::get(id), "interned-once");
}

// Writers intern overlapping sets while readers resolve ids already handed out: every thread
// sees one id per string and the string at its id.
TEST(InternedStrings, ConcurrentInterningAndReading) {
    constexpr int kThreads = 4;
    constexpr int kStrings = 600;  // crosses several 256-entry chunks
    std::vector<std::vector<std::uint32_t>> ids(kThreads, std::vector<std::uint32_t>(kStrings));
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kStrings; ++i) {
                int s = (i * 7 + t * 131) % kStrings;
                std::string str = "concurrent-host-" + std::to_string(s);
                std::uint32_t id = InternedStrings::intern(str);
                ids[t][s] = id;
                if (InternedStrings::get(id) != str) failed = true;
                // Re-read an earlier id of this thread while others append.
                int back = ((i - 1) * 7 + t * 131 + kStrings) % kStrings;
                if (i > 0 &&
                    InternedStrings::get(ids[t][back]) != "concurrent-host-" + std::to_string(back))
                    failed = true;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_FALSE(failed);
    std::set<std::uint32_t> distinct;
    for (int s = 0; s < kStrings; ++s) {
        for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t][s], ids[0][s]);
        distinct.insert(ids[0][s]);
    }
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kStrings));
}

// Records encoded on several threads (interning hosts, sharing shapes) read back on others.
TEST(NodeRec, EncodeAndReadOnSeveralThreads) {
    std::vector<NodeRec> recs(400);
    std::vector<Node> nodes;
    Gen g(21);
    for (std::size_t i = 0; i < recs.size(); ++i) {
        nodes.push_back(g.node(2));
        nodes.back().host = "thread-host-" + std::to_string(i % 50);
    }
    std::vector<std::thread> writers;
    for (std::size_t t = 0; t < 2; ++t)
        writers.emplace_back([&, t] {
            for (std::size_t i = t; i < recs.size(); i += 2) recs[i] = NodeRec::encode(nodes[i]);
        });
    for (auto& w : writers) w.join();
    std::atomic<int> mismatches{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t)
        readers.emplace_back([&] {
            for (std::size_t i = 0; i < recs.size(); ++i)
                if (!(recs[i].toNode() == nodes[i])) ++mismatches;
        });
    for (auto& r : readers) r.join();
    EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace skydive::model
