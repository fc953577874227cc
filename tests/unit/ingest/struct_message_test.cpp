#include <skydive/ingest/graph_message.h>
#include <skydive/ingest/struct_message.h>

#include <gtest/gtest.h>

namespace skydive::ingest {
namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s.push_back(static_cast<char>(c));
    return s;
}

TEST(StructMessage, GoldenBytesOfAnEvent) {
    StructMessage m{"Graph", "NodeAdded", "u", 200, ObjFormat::Json, "{}"};
    std::string expected = bytes({0x0A, 5}) + "Graph" + bytes({0x12, 9}) + "NodeAdded" +
                           bytes({0x1A, 1}) + "u" + bytes({0x20, 0xC8, 0x01}) + bytes({0x32, 2}) +
                           "{}";
    EXPECT_EQ(encodeStructMessage(m), expected);
    auto back = decodeStructMessage(expected);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, m);
}

TEST(StructMessage, DefaultsAreOmittedAndFormatIsWrittenWhenSet) {
    EXPECT_EQ(encodeStructMessage({}), "");
    StructMessage m;
    m.format = ObjFormat::Protobuf;
    m.status = -1;  // int64 varint: ten bytes, two's complement
    EXPECT_EQ(encodeStructMessage(m),
              bytes({0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x28, 1}));
    auto back = decodeStructMessage(encodeStructMessage(m));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->status, -1);
    EXPECT_EQ(back->format, ObjFormat::Protobuf);
}

TEST(StructMessage, UnknownFieldsAreSkipped) {
    // field 7 varint, field 8 fixed64, field 9 bytes, field 10 fixed32, then Type.
    std::string in = bytes({0x38, 0x96, 0x01, 0x41, 1,    2, 3, 4, 5, 6,    7, 8,
                            0x4A, 2,    'x',  'y',  0x55, 1, 2, 3, 4, 0x12, 1, 'T'});
    auto m = decodeStructMessage(in);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->type, "T");
}

TEST(StructMessage, BadInputIsRefused) {
    for (const std::string& in :
         {bytes({0x0A}), bytes({0x0A, 5, 'a'}), bytes({0x20}), bytes({0x08 << 0, 1}),
          bytes({0x0A << 0 | 0, 1}) /* field 1 as varint */, bytes({0x28, 7}), bytes({0x00}),
          bytes({0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}),
          bytes({0x5B}), bytes({0x12, 2, 0xC3, 0x28}) /* Type not UTF-8 */,
          bytes({0x12, 1, 0xE2})}) {
        auto m = decodeStructMessage(in);
        EXPECT_FALSE(m.ok()) << "accepted " << in.size() << " bytes";
        if (!m.ok()) {
            EXPECT_EQ(m.error().code, model::ErrorCode::InvalidArgument);
        }
    }
}

TEST(StructMessage, Utf8StringsAndBinaryObjAreKept) {
    StructMessage m{"Graph",
                    "h\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
                    "",
                    0,
                    ObjFormat::Json,
                    std::string("\xFF\x00", 2)};
    auto back = decodeStructMessage(encodeStructMessage(m));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, m);
}

TEST(StructMessage, JsonEnvelopeRoundTrip) {
    std::string json = R"({"Namespace":"Graph","Type":"SyncRequest","UUID":"abc","Status":200,)"
                       R"("Obj":{"GremlinFilter":null}})";
    auto pb = jsonEnvelopeToProtobuf(json);
    ASSERT_TRUE(pb.ok());
    auto m = decodeStructMessage(*pb);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->ns, "Graph");
    EXPECT_EQ(m->type, "SyncRequest");
    EXPECT_EQ(m->uuid, "abc");
    EXPECT_EQ(m->status, 200);
    EXPECT_EQ(m->obj, R"({"GremlinFilter":null})");
    auto back = protobufEnvelopeToJson(*pb);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, json);
    auto decoded = decodeGraphMessage(*back, 1);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->type, GraphMessageType::SyncRequest);
}

TEST(StructMessage, ProtobufObjAndBadJsonObjAreRefused) {
    StructMessage m{"Graph", "NodeAdded", "", 0, ObjFormat::Protobuf, "\x08\x01"};
    EXPECT_FALSE(protobufEnvelopeToJson(encodeStructMessage(m)).ok());
    m.format = ObjFormat::Json;
    m.obj = "{not json";
    EXPECT_FALSE(protobufEnvelopeToJson(encodeStructMessage(m)).ok());
    EXPECT_FALSE(jsonEnvelopeToProtobuf("[1,2]").ok());
}

}  // namespace
}  // namespace skydive::ingest
