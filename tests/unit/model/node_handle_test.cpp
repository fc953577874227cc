#include <skydive/model/json.h>
#include <skydive/model/node_handle.h>

#include <gtest/gtest.h>

#include "node_gen.h"

namespace skydive::model {
namespace {

using test_gen::expectHeaderOf;
using test_gen::Gen;

// Every accessor answers the same on a Node and on its record.
TEST(NodeHandle, BothFormsAnswerAlike) {
    Gen g(7);
    static const char* kKeys[] = {"@ID",  "@Host",        "@DeletedAt", "@Revision", "Name",
                                  "Type", "Metadata.MTU", "Captures.a", "Nope",      "Neutron.TID"};
    int fields = 0;
    for (int i = 0; i < 500; ++i) {
        const Node n = g.node(3);
        const NodeRec r = NodeRec::encode(n);
        const NodeHandle hn(n), hr(r);
        ASSERT_FALSE(hn.isRecord());
        ASSERT_TRUE(hr.isRecord());
        EXPECT_EQ(hn.node(), &n);
        EXPECT_EQ(hr.record().block(), r.block());
        for (NodeHandle h : {hn, hr}) {
            expectHeaderOf(h, n);
            EXPECT_EQ(h.alive(), n.alive());
            EXPECT_EQ(h.toNode(), n);
            EXPECT_EQ(h.metadata(), n.metadata);
            EXPECT_EQ(toJson(h), toJson(n));
            for (const char* key : kKeys) {
                ASSERT_EQ(fieldOf(h, key).toOptional(), fieldOf(n, key)) << key;
                // FieldValue equality: the same field of both forms, in place or not.
                EXPECT_TRUE(fieldOf(h, key) == fieldOf(hn, key)) << key;
                EXPECT_TRUE(fieldOf(h, key) == fieldOf(hr, key)) << key;
                const Value* top = n.metadata.asObject().find(key);
                const FieldValue f = h.field(key);
                ASSERT_EQ(f.exists(), top != nullptr) << key;
                if (!top) continue;
                ++fields;
                EXPECT_EQ(f.toValue(), *top);
                EXPECT_EQ(f.type(), top->type());
                EXPECT_EQ(f.isString(), top->isString());
                if (top->isString()) {
                    EXPECT_EQ(f.asString(), top->asString());
                }
            }
        }
        // A handle is an address: the two forms of one node are different handles.
        EXPECT_FALSE(hn == hr);
        EXPECT_TRUE(hr == NodeHandle(NodeRef(r)));
        EXPECT_EQ(NodeHandleHash{}(hr), NodeHandleHash{}(NodeHandle(r)));
    }
    EXPECT_GT(fields, 200);  // top-level keys are hit, not only misses
}

TEST(NodeHandle, FieldValuesCompareByValue) {
    Node a, b;
    a.metadata.mutableObject().set("Name", "eth0");
    a.metadata.mutableObject().set("MTU", 1500);
    b.metadata.mutableObject().set("Name", "eth1");
    b.metadata.mutableObject().set("MTU", 1500);
    const NodeRec ra = NodeRec::encode(a), rb = NodeRec::encode(b);
    EXPECT_TRUE(fieldOf(NodeRef(ra), "MTU") == fieldOf(NodeRef(rb), "MTU"));
    EXPECT_FALSE(fieldOf(NodeRef(ra), "Name") == fieldOf(NodeRef(rb), "Name"));
    EXPECT_FALSE(fieldOf(NodeRef(ra), "Name") == fieldOf(NodeRef(rb), "Nope"));
    EXPECT_TRUE(fieldOf(NodeRef(ra), "Nope") == fieldOf(NodeRef(rb), "Nope"));
    EXPECT_TRUE(fieldOf(NodeHandle(a), "Name") == fieldOf(NodeRef(ra), "Name"));
    EXPECT_FALSE(fieldOf(NodeHandle(a), "Name") == fieldOf(NodeRef(rb), "Name"));
}

TEST(NodeHandle, NullHandle) {
    const NodeHandle h;
    EXPECT_TRUE(h.isNull());
    EXPECT_FALSE(h);
    EXPECT_TRUE(NodeHandle(NodeRef()).isNull());
    EXPECT_FALSE(h.isRecord());
}

}  // namespace
}  // namespace skydive::model
