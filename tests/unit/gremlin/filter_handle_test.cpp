// Filter::matches(NodeHandle) answers the same on a `Node` and on its flat record (ADR 002
// ninth round): the record is read in place, the node through its Value.
#include <skydive/model/json.h>
#include <skydive/model/node_handle.h>
#include <skydive/model/node_rec.h>

#include <gtest/gtest.h>

#include "plan/filter.h"

namespace skydive::gremlin {
namespace {

using model::Value;

model::Node node(std::string_view json) {
    auto n = model::parseNode(json, 1000);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : model::Node{};
}

Filter one(std::string key, MatchOp op, Value value = Value(), std::vector<Value> values = {}) {
    Filter f;
    Term t;
    t.key = std::move(key);
    t.match.op = op;
    t.match.value = std::move(value);
    t.match.values = std::move(values);
    f.terms.push_back(std::move(t));
    return f;
}

Filter range(std::string key, std::int64_t lo, std::int64_t hi) {
    Filter f = one(std::move(key), MatchOp::Range);
    f.terms[0].match.lo = lo;
    f.terms[0].match.hi = hi;
    f.terms[0].match.lo_inclusive = true;
    return f;
}

TEST(FilterHandle, RecordAndNodeAgree) {
    const std::vector<model::Node> nodes = {
        node(R"({"ID":"a","Metadata":{"Type":"veth","MTU":1500,"Up":true,"Name":"eth0",)"
             R"("IPs":["10.0.0.1","10.0.0.2"],"Nested":{"Deep":"x","N":7},"Nul":null,)"
             R"("Num":"0x10","F":2.5,"Tags":[["a","b"],"c"]}})"),
        node(R"({"ID":"b","Metadata":{"Type":"device","MTU":"1500","Up":false,)"
             R"("IPs":[],"Nested":{"Deep":"y"},"Objs":[{"K":"v"},{"K":"w"}]}})"),
        node(R"({"ID":"c","Metadata":{}})"),
    };
    const std::vector<Filter> filters = {
        one("Type", MatchOp::Exists),
        one("Nul", MatchOp::Exists),
        one("Nul", MatchOp::Missing),
        one("Nope", MatchOp::Missing),
        one("Type", MatchOp::Eq, Value("veth")),
        one("MTU", MatchOp::Eq, Value(1500)),
        one("Num", MatchOp::Eq, Value(16)),
        one("F", MatchOp::Eq, Value(2)),
        one("Up", MatchOp::Eq, Value(true)),
        one("Up", MatchOp::Ne, Value(true)),
        one("Type", MatchOp::Ne, Value("veth")),
        one("Type", MatchOp::Nee, Value("veth")),
        one("IPs", MatchOp::Eq, Value("10.0.0.2")),
        one("Tags", MatchOp::Eq, Value("a")),
        one("Nested", MatchOp::Eq, Value(7)),
        one("Nested.Deep", MatchOp::Eq, Value("y")),
        one("Metadata.Type", MatchOp::Eq, Value("device")),
        one("Objs.K", MatchOp::Eq, Value("w")),
        one("@ID", MatchOp::Eq, Value("c")),
        one("Type", MatchOp::Within, Value(), {Value("device"), Value("bridge")}),
        one("MTU", MatchOp::Within, Value(), {Value(9000), Value(1500)}),
        one("Type", MatchOp::Without, Value(), {Value("veth")}),
        range("MTU", 1000, 2000),
        range("Nested.N", 0, 5),
    };
    // What the Node path answers for node a, b, c (hand-checked, so that a wrong common answer
    // fails too).
    const std::vector<std::string> expected = {
        "110", "000", "111", "111", "100", "110", "100", "100", "100", "010", "010", "011",
        "100", "100", "000", "010", "010", "010", "001", "010", "110", "011", "110", "000",
    };
    ASSERT_EQ(filters.size(), expected.size());
    for (std::size_t f = 0; f < filters.size(); ++f) {
        std::string got;
        for (const auto& n : nodes) {
            const model::NodeRec rec = model::NodeRec::encode(n);
            const bool by_node = filters[f].matches(model::NodeHandle(n));
            const bool by_rec = filters[f].matches(model::NodeHandle(rec));
            EXPECT_EQ(by_node, by_rec) << "filter " << f << " on " << n.id.view();
            got += by_rec ? '1' : '0';
        }
        EXPECT_EQ(got, expected[f]) << "filter " << f << " (" << filters[f].terms[0].key << ")";
    }
}

TEST(FilterHandle, AnyOfTermsOnARecord) {
    const model::Node n = node(R"({"ID":"a","Metadata":{"Type":"veth"}})");
    const model::NodeRec rec = model::NodeRec::encode(n);
    Filter f = one("Type", MatchOp::Eq, Value("bridge"));
    f.terms.push_back(one("Type", MatchOp::Eq, Value("veth")).terms[0]);
    EXPECT_FALSE(f.matches(model::NodeHandle(rec)));  // all of them
    f.any = true;
    EXPECT_TRUE(f.matches(model::NodeHandle(rec)));  // one of them
}

}  // namespace
}  // namespace skydive::gremlin
