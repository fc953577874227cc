// The limits of a node checked from its packed record (validatePacked, ADR 015 twenty-sixth
// round) against the walk of its metadata (validateElement): the same verdict for random flat
// metadata around 1 MiB, on every path a node takes into the image (add, replace, deferred
// replace), and bad input still refused where the update itself is ignored.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "graph_txn.h"

namespace skydive::graph {
namespace {

using model::ErrorCode;
using model::Node;
using model::NodeRec;
using model::Value;

Node node(std::string id, Value md) {
    Node n;
    n.id = std::move(id);
    n.metadata = std::move(md);
    n.host = "h1";
    return n;
}

// Flat metadata of about `target` JSON bytes, of one kind of value (nulls and numbers pack
// smallest against their measure, strings largest), or a mix.
Value flatMetadata(std::mt19937& rng, std::size_t target, int kind) {
    model::Object o;
    o.reserve(target / 12);  // appends stay unsorted and unsealed (JSON's reader reserves too)
    std::size_t measure = 2;
    for (std::size_t k = 0; measure < target; ++k) {
        std::string key = "k" + std::to_string(k);
        const int pick = kind < 4 ? kind : static_cast<int>(rng() % 4);
        measure += key.size() + 4;
        switch (pick) {
            case 0:
                o.appendUnsorted(model::Str(key), Value());
                measure += 8;
                break;
            case 1:
                o.appendUnsorted(model::Str(key), static_cast<std::int64_t>(rng()));
                measure += 8;
                break;
            case 2:
                o.appendUnsorted(model::Str(key), 0.5 * rng());
                measure += 8;
                break;
            default: {
                const std::size_t len = rng() % 2000;
                o.appendUnsorted(model::Str(key), std::string(len, 'x'));
                measure += len + 2;
            }
        }
    }
    o.sortAndDedup();
    return Value(std::move(o));
}

TEST(PackedLimits, SameVerdictAsTheWalkAroundTheLimit) {
    std::mt19937 rng(26);
    int accepted = 0, refused = 0;
    for (int round = 0; round < 20; ++round) {
        const std::size_t target = kMaxMetadataBytes - 40000 + rng() % 80000;
        Node n = node("n", flatMetadata(rng, target, round % 5));
        const bool ok = static_cast<bool>(validateElement(n));
        (ok ? accepted : refused) += 1;
        bool nested = true;
        NodeRec rec = NodeRec::encode(n, {1, 1, 1}, nested);
        EXPECT_FALSE(nested);
        EXPECT_EQ(static_cast<bool>(validatePacked(n, rec)), ok) << "round " << round;
        // Through every path into the image.
        for (const bool defer : {false, true}) {
            GraphTxn add(GraphImage(nullptr), 100);
            EXPECT_EQ(static_cast<bool>(add.addNode(n)), ok);
            GraphTxn replace(GraphImage(nullptr), 100);
            ASSERT_TRUE(replace.addNode(node("n", Value::object())));
            replace.defer = defer;
            auto st = replace.replaceNode(n);
            EXPECT_EQ(static_cast<bool>(st), ok) << "defer " << defer;
            if (!ok) {
                EXPECT_EQ(st.error().code, ErrorCode::InvalidArgument);
            }
            EXPECT_EQ(replace.kinds.size(), ok ? 2u : 1u);
        }
    }
    EXPECT_GT(accepted, 5);
    EXPECT_GT(refused, 5);
}

TEST(PackedLimits, NestedMetadataIsStillWalked) {
    Value list = Value::list();
    for (int i = 0; i < 600; ++i) list.mutableList().push_back(std::string(2000, 'y'));
    Value md = Value::object();
    md.mutableObject().set("List", list);
    Node big = node("n", md);
    bool nested = false;
    (void)NodeRec::encode(big, {1, 1, 1}, nested);
    EXPECT_TRUE(nested);
    for (const bool defer : {false, true}) {
        GraphTxn t(GraphImage(nullptr), 100);
        ASSERT_TRUE(t.addNode(node("n", Value::object())));
        t.defer = defer;
        EXPECT_EQ(t.replaceNode(big).error().code, ErrorCode::InvalidArgument);
        Value deep = Value(1);
        for (int i = 0; i < 33; ++i) {
            Value o = Value::object();
            o.mutableObject().set("a", deep);
            deep = o;
        }
        EXPECT_EQ(t.replaceNode(node("n", deep)).error().code, ErrorCode::InvalidArgument);
        EXPECT_EQ(t.kinds.size(), 1u);
    }
}

TEST(PackedLimits, IgnoredOrDeletedUpdatesAreStillRefused) {
    Value blob = Value::object();
    blob.mutableObject().set("Blob", std::string(kMaxMetadataBytes, 'x'));
    for (const bool defer : {false, true}) {
        GraphTxn t(GraphImage(nullptr), 100);
        Node n = node("n", Value::object());
        n.revision = 5;
        ASSERT_TRUE(t.addNode(n));
        t.defer = defer;
        Node older = node("n", blob);
        older.revision = 3;  // would be ignored: lower than the stored one
        EXPECT_EQ(t.replaceNode(older).error().code, ErrorCode::InvalidArgument);
        Node deleted = node("n", Value::object());
        deleted.revision = 9;
        deleted.deleted_at = 50;
        EXPECT_EQ(t.replaceNode(deleted).error().code, ErrorCode::InvalidArgument);
        deleted.revision = 2;
        EXPECT_EQ(t.replaceNode(deleted).error().code, ErrorCode::InvalidArgument);
        Node no_id = node("", Value::object());
        EXPECT_EQ(t.replaceNode(no_id).error().code, ErrorCode::InvalidArgument);
        Node not_object = node("n", Value(1));
        not_object.revision = 10;
        EXPECT_EQ(t.replaceNode(not_object).error().code, ErrorCode::InvalidArgument);
        EXPECT_EQ(t.kinds.size(), 1u);
        Node fine = node("n", Value::object());
        fine.revision = 6;
        EXPECT_TRUE(t.replaceNode(fine));
        EXPECT_EQ(t.kinds.size(), 2u);
    }
}

}  // namespace
}  // namespace skydive::graph
