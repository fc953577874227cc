#include <skydive/model/json.h>
#include <skydive/store/record_codec.h>

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "../../../storage/history/src/record.h"  // the rev value dispatch (private)
#include "../model/node_gen.h"
#include "golden.h"

namespace skydive::store {
namespace {

using testing::hex;
using testing::sampleNode;

using model::Value;

// A node record as the store writes it (0x04, from the node's flat record).
std::string packedRecord(const model::Node& n) {
    std::string out;
    encodeNodeRecord(out, model::NodeRec::encode(n));
    return out;
}
// The node's record in both formats: 0x02 (store format 5, still read), then 0x04.
std::vector<std::string> bothRecords(const model::Node& n) {
    std::string v2;
    encodeNodeRecordV2(v2, n);
    return {v2, packedRecord(n)};
}

// Golden bytes: FORMAT.md (rev value, formats 0x02 and 0x04) is the contract, these pin it.
TEST(RecordCodec, NodeGoldenBytes) {
    // The head both formats share, after their format byte.
    const std::string head =
        "026e31"  // id
        "0168"    // host
        "00"      // origin
        "02"
        "04"
        "00"   // CreatedAt 1, UpdatedAt 2, DeletedAt 0 (zigzag)
        "06";  // Revision 3
    std::string out;
    encodeNodeRecordV2(out, sampleNode());
    EXPECT_EQ(hex(out), "02" + head +
                            "02"            // 2 metadata entries
                            "01410302"      // "A": int 1
                            "0142050178");  // "B": string "x"
    EXPECT_EQ(hex(packedRecord(sampleNode())), "04" + head +
                                                   "02"      // 2 keys
                                                   "0141"    // "A"
                                                   "0142"    // "B"
                                                   "0302"    // int 1
                                                   "8178");  // short string "x"
}

// Both formats of a node decode to the node, and to its flat record bit for bit.
TEST(RecordCodec, RecordsOfBothFormatsDecodeToTheirNodes) {
    model::test_gen::Gen g(5);
    model::NodeRecBuilder builder;
    for (int i = 0; i < 500; ++i) {
        const model::Node n = g.node(4);
        for (const std::string& bytes : bothRecords(n)) {
            auto back = decodeNodeRecord(bytes);
            ASSERT_TRUE(back.ok()) << hex(bytes) << " " << back.error().message;
            EXPECT_EQ(*back, n);
            auto rec = decodeNodeRecordTo(bytes, builder);
            ASSERT_TRUE(rec.ok()) << hex(bytes);
            EXPECT_TRUE(*rec == model::NodeRec::encode(n)) << hex(bytes);
        }
    }
}

TEST(RecordCodec, ValueGoldenBytes) {
    std::string out;
    encodeValue(out, Value(model::List{Value(), Value(true), Value(false), Value(-1), Value(1.5),
                                       Value(300)}));
    EXPECT_EQ(hex(out),
              "0606"
              "00"
              "02"
              "01"
              "0301"
              "04000000000000f83f"
              "03d804");
}

Value deepValue() {
    model::Object inner{{"k", Value(std::numeric_limits<std::int64_t>::min())},
                        {"long string over fourteen bytes", Value("also a long string value")}};
    model::Object o{{"Big", Value(std::numeric_limits<std::int64_t>::max())},
                    {"D", Value(-0.0)},
                    {"Empty", Value::object()},
                    {"L", Value(model::List{Value(inner), Value::list(), Value("s")})},
                    {"Nested", Value(inner)}};
    return Value(o);
}

TEST(RecordCodec, RoundTripsEveryValueType) {
    std::string out;
    Value v = deepValue();
    encodeValue(out, v);
    std::string_view in(out);
    auto back = decodeValue(in);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(*back, v);
}

TEST(RecordCodec, RoundTripsNodesAndEdges) {
    model::Node n = sampleNode();
    n.metadata = deepValue();
    n.deleted_at = -5;
    n.origin = "a-fairly-long-origin-string";
    n.metadata.mutableObject().set("Long", std::string(300, 'v'));  // a string's long form
    for (const std::string& out : bothRecords(n)) {
        auto nb = decodeNodeRecord(out);
        ASSERT_TRUE(nb.ok()) << nb.error().message;
        EXPECT_EQ(*nb, n);
    }

    model::Edge e;
    e.id = "e";
    e.parent = "p";
    e.child = "c";
    e.created_at = e.updated_at = 1600000000000;
    e.revision = 1;
    std::string eout;
    encodeEdgeRecord(eout, e);
    auto eb = decodeEdgeRecord(eout);
    ASSERT_TRUE(eb.ok()) << eb.error().message;
    EXPECT_EQ(*eb, e);
    EXPECT_FALSE(decodeNodeRecord(eout).ok());  // trailing bytes when read as the other kind
}

// Edges decoded with one EdgeMetadataReuse: each still decodes to exactly its edge, whether its
// metadata repeats the previous edge's (shared), differs, differs by a trailing byte, or is
// empty; a corrupt record after a shared one is still refused.
TEST(RecordCodec, EdgesSharingMetadataDecodeAsTheirEdges) {
    auto edge = [](const char* id, Value md) {
        model::Edge e;
        e.id = id;
        e.parent = "p";
        e.child = "c";
        e.metadata = std::move(md);
        e.revision = 1;
        return e;
    };
    Value layer2 = Value::object();
    layer2.mutableObject().set("RelationType", "layer2");
    Value layer2x = Value::object();
    layer2x.mutableObject().set("RelationType", "layer2x");
    Value own = Value::object();
    own.mutableObject().set("RelationType", "ownership");
    const std::vector<model::Edge> edges{
        edge("e1", layer2),          edge("e2", layer2),  edge("e3", own),
        edge("e4", layer2),          edge("e5", layer2x), edge("e6", Value::object()),
        edge("e7", Value::object()), edge("e8", layer2)};
    EdgeMetadataReuse reuse;
    std::vector<model::Edge> got;
    for (const model::Edge& e : edges) {
        std::string bytes;
        encodeEdgeRecord(bytes, e);
        auto d = decodeEdgeRecord(bytes, &reuse);
        ASSERT_TRUE(d.ok()) << d.error().message;
        EXPECT_EQ(*d, e) << e.id.view();
        got.push_back(std::move(*d));
    }
    // e2 shares e1's value (the same block: the same address of its first value), e4 does not
    // share e1's (e3 came between).
    auto first = [](const model::Edge& e) { return &e.metadata.asObject().begin()->second; };
    EXPECT_EQ(first(got[1]), first(got[0]));
    EXPECT_NE(first(got[3]), first(got[0]));
    std::string bytes;
    encodeEdgeRecord(bytes, edges.back());
    EXPECT_TRUE(decodeEdgeRecord(bytes, &reuse).ok());
    bytes.pop_back();  // the last string cut short: not the shared bytes, and corrupt
    EXPECT_FALSE(decodeEdgeRecord(bytes, &reuse).ok());
}

TEST(RecordCodec, EveryTruncationIsCorruption) {
    model::Node n = sampleNode();
    n.metadata = deepValue();
    for (const std::string& out : bothRecords(n)) {
        for (std::size_t len = 0; len < out.size(); ++len) {
            auto r = decodeNodeRecord(std::string_view(out).substr(0, len));
            ASSERT_FALSE(r.ok()) << len << " " << hex(out);
            EXPECT_EQ(r.error().code, model::ErrorCode::Corruption);
        }
    }
}

TEST(RecordCodec, RejectsNonCanonicalAndHostileInput) {
    auto bad = [](std::string bytes) {
        std::string_view in(bytes);
        auto r = decodeValue(in);
        return !r.ok() && r.error().code == model::ErrorCode::Corruption;
    };
    EXPECT_TRUE(bad(std::string("\x03\x80\x00", 3)));  // overlong varint
    EXPECT_TRUE(
        bad(std::string("\x07\x02\x01"
                        "b\x00\x01"
                        "a\x00",
                        8)));  // keys out of order
    EXPECT_TRUE(
        bad(std::string("\x07\x02\x01"
                        "a\x00\x01"
                        "a\x00",
                        8)));                             // duplicate key
    EXPECT_TRUE(bad("\x09"));                             // unknown tag
    EXPECT_TRUE(bad("\x06\xff\xff\xff\xff\x0f"));         // list larger than the input
    EXPECT_TRUE(bad(std::string(100, '\x06') + '\x00'));  // too deep (lists of lists)
    EXPECT_TRUE(bad(std::string("\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)));
    // Empty IDs and parents are refused as the JSON reader refuses them.
    EXPECT_FALSE(decodeNodeRecord(std::string("\x02\x00\x00\x00\x00\x00\x00\x00\x00", 10)).ok());
    EXPECT_FALSE(decodeNodeRecord(std::string("\x04\x00\x00\x00\x00\x00\x00\x00\x00", 10)).ok());
}

// The packed values of a 0x04 record are taken as they are, so anything a flat record would not
// hold is refused. Each case is what follows the head of node "n" (04 01 6e 00 00 00 00 00 00):
// the key count, the keys, then the values; letters as hex escapes (a = 61, b = 62, x = 78).
TEST(RecordCodec, PackedNodeRecordsRefuseWhatTheEncoderWouldNotWrite) {
    auto decodes = [](std::string_view tail) {
        auto r = decodeNodeRecord(std::string("\x04\x01n\x00\x00\x00\x00\x00\x00", 9) +
                                  std::string(tail));
        EXPECT_TRUE(r.ok() || r.error().code == model::ErrorCode::Corruption);
        return r.ok();
    };
    using namespace std::string_view_literals;
    const std::pair<std::string_view, const char*> good[] = {
        {"\x01\x01\x61\x81\x78"sv, "{a: x}"},
        {"\x00"sv, "no metadata"},
        {"\x01\x01\x61\x06\x02\x01\x00"sv, "{a: [null]}"},
        {"\x01\x01\x61\x07\x07\x02\x01\x61\x00\x01\x62\x00"sv, "{a: {a: null, b: null}}"},
    };
    const std::pair<std::string_view, const char*> bad[] = {
        {"\x01\x01\x61\x05\x01\x78"sv, "a short string in the long form"},
        {"\x01\x01\x61\x03\x80\x00"sv, "an overlong varint"},
        {"\x02\x01\x62\x01\x61\x00\x00"sv, "keys out of order"},
        {"\x02\x01\x61\x01\x61\x00\x00"sv, "a duplicate key"},
        {"\x02\x01\x61\x01\x62\x00"sv, "a value missing"},
        {"\x01\x01\x61\x00\x00"sv, "a byte after the values"},
        {"\x01\x01\x61\x09"sv, "an unknown tag"},
        {"\x01\x01\x61\x82\x78"sv, "a string past the end"},
        {"\x01\x01\x61\x06\x03\x01\x00"sv, "a list longer than its items"},
        {"\x01\x01\x61\x06\x02\x02\x00\x00"sv, "a list shorter than its items"},
        {"\x01\x01\x61\x07\x07\x02\x01\x62\x00\x01\x61\x00"sv, "nested keys out of order"},
    };
    for (const auto& [tail, what] : good) EXPECT_TRUE(decodes(tail)) << what;
    for (const auto& [tail, what] : bad) EXPECT_FALSE(decodes(tail)) << what;
    // Lists of lists around a null, the top-level value at depth 2: 62 levels of lists decode,
    // 63 (the null at depth 65) are deeper than kMaxValueDepth.
    auto nested = [](int levels) {
        std::string v(1, '\0');
        for (int i = 0; i < levels; ++i) {
            const std::string body = std::string(1, '\x01') + v;  // count 1, the item
            std::string len;
            std::size_t n = body.size();
            for (; n >= 0x80; n >>= 7) len.push_back(static_cast<char>((n & 0x7F) | 0x80));
            len.push_back(static_cast<char>(n));
            v = std::string(1, '\x06') + len + body;
        }
        return std::string("\x01\x01\x61", 3) + v;
    };
    EXPECT_TRUE(decodes(nested(62)));
    EXPECT_FALSE(decodes(nested(63)));
}

TEST(RecordCodec, RandomCorruptionNeverCrashes) {
    model::Node n = sampleNode();
    n.metadata = deepValue();
    std::mt19937 rng(42);
    for (const std::string& good : bothRecords(n)) {
        for (int i = 0; i < 20000; ++i) {
            std::string b = good;
            for (int f = 0; f < 3; ++f) b[rng() % b.size()] = static_cast<char>(rng());
            auto r = decodeNodeRecord(b);
            if (r.ok()) {  // canonical: whatever decodes re-encodes to the same bytes
                const std::string again =
                    b[0] == '\x04' ? packedRecord(*r) : bothRecords(*r).front();
                EXPECT_EQ(hex(again), hex(b));
            } else {
                EXPECT_EQ(r.error().code, model::ErrorCode::Corruption);
            }
        }
    }
}

// decodeNodeRecordTo builds the record straight from the bytes: for random nodes, and for every
// truncation and random corruption of one, it accepts exactly what decodeNodeRecord accepts
// and gives NodeRec::encode of what that decodes, bit for bit (the builder kept across all).
TEST(RecordCodec, NodeRecordsBuildTheRecordsOfTheirNodes) {
    model::NodeRecBuilder builder;
    auto same = [&](std::string_view bytes) {
        auto node = decodeNodeRecord(bytes);
        auto rec = decodeNodeRecordTo(bytes, builder);
        ASSERT_EQ(node.ok(), rec.ok()) << hex(bytes);
        if (!node.ok()) {
            EXPECT_EQ(rec.error(), node.error());
            return;
        }
        const model::NodeRec want = model::NodeRec::encode(*node);
        EXPECT_TRUE(*rec == want) << hex(bytes);
        EXPECT_EQ(rec->toNode(), *node);
    };
    model::test_gen::Gen gen(7);
    for (int i = 0; i < 500; ++i)
        for (const std::string& bytes : bothRecords(gen.node(i % 4))) same(bytes);
    model::Node n = sampleNode();
    n.metadata = deepValue();
    n.metadata.mutableObject().set("Ratio", 0.25);
    std::mt19937 rng(43);
    for (const std::string& good : bothRecords(n)) {
        for (std::size_t len = 0; len <= good.size(); ++len)
            same(std::string_view(good).substr(0, len));
        for (int i = 0; i < 5000; ++i) {
            std::string b = good;
            for (int f = 0; f < 2; ++f) b[rng() % b.size()] = static_cast<char>(rng());
            same(b);
        }
    }
}

// Stores written by format version 1 hold JSON records; they must still decode, while new
// records are written in the binary format.
TEST(RecordCodec, FormatOneJsonRecordsStillDecode) {
    model::Node n = sampleNode();
    std::string legacy(1, '\x01');
    legacy += model::toJson(n);
    auto v = decodeRecord(model::ElementKind::Node, legacy);
    ASSERT_TRUE(v.ok()) << v.error().message;
    ASSERT_TRUE(v->node);
    EXPECT_EQ(v->node.toNode(), n);

    Version fresh;
    fresh.node = model::NodeRec::encode(n);
    std::string bytes = encodeRecord(fresh);
    EXPECT_EQ(static_cast<std::uint8_t>(bytes[0]), kPackedNodeRecordFormat);
    auto back = decodeRecord(model::ElementKind::Node, bytes);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->node.toNode(), n);
    EXPECT_FALSE(decodeRecord(model::ElementKind::Edge, bytes).ok());
    EXPECT_FALSE(decodeRecord(model::ElementKind::Node, std::string(1, '\x01') + "{").ok());
}

}  // namespace
}  // namespace skydive::store
