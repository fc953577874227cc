// Store format 7 (FORMAT.md, ADR 015 28th round): shaped node records (0x05) and the shape
// table they name.
#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/store/store.h>

#include "../../../storage/history/src/record.h"       // the rev value dispatch (private)
#include "../../../storage/history/src/shape_table.h"  // (private)
#include "../model/node_gen.h"
#include "dated_store.h"
#include "golden.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

using testing::hex;
using testing::sampleNode;

const std::string_view kNoKeys("\x00", 1);  // a packed key list without keys

struct Defined {
    std::vector<std::pair<std::string, std::string>> puts;  // what went into the batch
    std::vector<std::uint32_t> ids;
};

std::string shapedRecord(ShapedEncoder& enc, const model::NodeRec& r, Defined& d) {
    std::string out;
    enc.encode(out, r, r.head(), d.ids, [&](const std::string& k, std::string_view v) {
        d.puts.emplace_back(k, std::string(v));
    });
    return out;
}

// Golden bytes: FORMAT.md (node record 0x05, shape definition) is the contract, these pin it.
TEST(ShapedRecords, GoldenBytes) {
    ShapeTable shapes;
    ShapedEncoder enc(shapes);
    Defined d;
    const auto rec = model::NodeRec::encode(sampleNode());
    EXPECT_EQ(hex(shapedRecord(enc, rec, d)),
              "05"      // format
              "00"      // shape 0
              "00"      // DeletedAt 0 (zigzag)
              "0302"    // int 1
              "8178");  // short string "x"
    ASSERT_EQ(d.puts.size(), 1u);
    EXPECT_EQ(hex(d.puts[0].first), hex(std::string("shape") + std::string("\0\0\0\0", 4)));
    EXPECT_EQ(hex(d.puts[0].second),
              "01"      // definition format
              "0168"    // host "h"
              "00"      // origin ""
              "02"      // 2 keys
              "0141"    // "A"
              "0142");  // "B"
    EXPECT_EQ(hex(shapeKey(0x01020304)), hex(std::string("shape\x01\x02\x03\x04")));
}

// Every random node's shaped record decodes, under its key, to its flat record bit for bit,
// through the table or through a table loaded from the definitions the batches got.
TEST(ShapedRecords, DecodeUnderTheirKeysToTheirRecords) {
    model::test_gen::Gen g(11);
    ShapeTable shapes;
    Defined d;
    std::vector<std::pair<model::NodeRec, std::string>> written;
    for (int i = 0; i < 500; ++i) {
        ShapedEncoder enc(shapes);  // one pass per record: a fresh cache each time
        model::Node n = g.node(4);
        n.host = i % 3 == 0 ? "host-a" : "host-b";
        auto rec = model::NodeRec::encode(n);
        written.emplace_back(rec, shapedRecord(enc, rec, d));
    }
    ShapeTable loaded;
    for (const auto& [k, v] : d.puts) ASSERT_TRUE(loaded.load(k, v).ok());
    EXPECT_EQ(loaded.size(), shapes.size());
    model::NodeRecBuilder builder;
    for (const auto& [rec, bytes] : written) {
        const Version v{rec, nullptr};
        for (const ShapeTable* t : {&shapes, &loaded}) {
            auto back = decodeRevRecord(v.refView(), bytes, *t);
            ASSERT_TRUE(back.ok()) << hex(bytes) << " " << back.error().message;
            EXPECT_TRUE(back->node == rec) << hex(bytes);
        }
    }
    // Without its key a shaped record is refused, not misread.
    auto alone = decodeRecord(model::ElementKind::Node, written.front().second);
    ASSERT_FALSE(alone.ok());
    EXPECT_EQ(alone.error().code, model::ErrorCode::Corruption);
}

// A shape's definition goes into each pass that uses it, once, until a batch holding it is
// written; a run of one shape looks the table up once.
TEST(ShapedRecords, DefinitionsGoIntoEveryBatchUntilOneIsWritten) {
    ShapeTable shapes;
    auto a = model::NodeRec::encode(sampleNode());
    model::Node other = sampleNode();
    other.origin = "agent";
    auto b = model::NodeRec::encode(other);
    for (int pass = 0; pass < 2; ++pass) {  // the first batch failed: the second defines again
        ShapedEncoder enc(shapes);
        Defined d;
        for (const auto* r : {&a, &b, &a, &b, &a}) shapedRecord(enc, *r, d);
        EXPECT_EQ(d.ids, (std::vector<std::uint32_t>{0, 1})) << pass;
        EXPECT_EQ(d.puts.size(), 2u) << pass;
    }
    shapes.markDurable(std::vector<std::uint32_t>{0});
    ShapedEncoder enc(shapes);
    Defined d;
    EXPECT_EQ(hex(shapedRecord(enc, a, d)).substr(0, 4), "0500");
    EXPECT_EQ(hex(shapedRecord(enc, b, d)).substr(0, 4), "0501");
    EXPECT_EQ(d.ids, (std::vector<std::uint32_t>{1}));
}

// Past its capacity the table numbers no more shapes and records carry theirs (0x04).
TEST(ShapedRecords, AFullTableFallsBackToSelfContainedRecords) {
    ShapeTable shapes;
    for (std::uint32_t i = 0; i < ShapeTable::kCapacity; ++i)
        ASSERT_TRUE(shapes.intern("h", "o" + std::to_string(i), kNoKeys).has_value());
    EXPECT_FALSE(shapes.intern("h", "new", kNoKeys).has_value());
    EXPECT_EQ(shapes.intern("h", "o7", kNoKeys)->id, 7u);  // known ones still answer
    ShapedEncoder enc(shapes);
    Defined d;
    model::Node n = sampleNode();
    n.origin = "new";
    const auto rec = model::NodeRec::encode(n);
    const std::string bytes = shapedRecord(enc, rec, d);
    EXPECT_EQ(bytes[0], static_cast<char>(kPackedNodeRecordFormat));
    EXPECT_TRUE(d.puts.empty());
    auto back = decodeRevRecord(Version{rec, nullptr}.refView(), bytes, shapes);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->node == rec);
}

// Bad input: an unknown shape, a truncated or extended record, a malformed definition or key,
// a shape defined twice: Corruption, never a crash.
TEST(ShapedRecords, RefuseCorruptRecordsAndDefinitions) {
    ShapeTable shapes;
    ShapedEncoder enc(shapes);
    Defined d;
    const auto rec = model::NodeRec::encode(sampleNode());
    const std::string good = shapedRecord(enc, rec, d);
    const RevKeyView key = Version{rec, nullptr}.refView();
    model::NodeRecBuilder b;
    auto decode = [&](std::string_view bytes) {
        return decodeShapedNodeRecordTo(bytes, key.id, key.created_at, key.updated_at, key.revision,
                                        shapes, b);
    };
    ASSERT_TRUE(decode(good).ok());
    for (std::size_t len = 0; len < good.size(); ++len)
        EXPECT_FALSE(decode(good.substr(0, len)).ok()) << len;
    EXPECT_FALSE(decode(good + std::string(1, '\0')).ok());                      // trailing bytes
    EXPECT_FALSE(decode(std::string("\x05\x01\x00\x03\x02\x81x", 7)).ok());      // shape 1: unknown
    EXPECT_FALSE(decode(std::string("\x05\x80\x00\x00\x03\x02\x81x", 8)).ok());  // overlong
    EXPECT_FALSE(decodeShapedNodeRecordTo(good, "", 1, 2, 3, shapes, b).ok());   // empty ID
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        std::string bytes = good;
        for (int f = 0; f < 2; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        auto r = decode(bytes);
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, model::ErrorCode::Corruption);
        }
    }

    const std::string def = d.puts.at(0).second;
    EXPECT_TRUE(decodeShapeDefinition(def).ok());
    for (std::size_t len = 0; len < def.size(); ++len)
        EXPECT_FALSE(decodeShapeDefinition(def.substr(0, len)).ok()) << len;
    EXPECT_FALSE(decodeShapeDefinition(def + "x").ok());
    EXPECT_FALSE(decodeShapeDefinition(std::string("\x01\x00\x00\x02\x01"
                                                   "B\x01"
                                                   "A",
                                                   8))
                     .ok());
    EXPECT_FALSE(decodeShapeDefinition(std::string("\x02\x00\x00\x00", 4)).ok());

    ShapeTable loaded;
    EXPECT_FALSE(loaded.load("shape", def).ok());                                  // short key
    EXPECT_FALSE(loaded.load(std::string("shape\x00\x01\x00\x00", 9), def).ok());  // too high
    EXPECT_FALSE(loaded.load(shapeKey(3), def + "x").ok());
    EXPECT_TRUE(loaded.load(shapeKey(3), def).ok());
    EXPECT_TRUE(loaded.load(shapeKey(3), def).ok());   // the same again: a reload
    EXPECT_FALSE(loaded.load(shapeKey(4), def).ok());  // the same shape twice
    // Numbers may have gaps; a new shape goes after the highest.
    EXPECT_EQ(loaded.shape(0), nullptr);
    EXPECT_EQ(loaded.intern("h", "other", kNoKeys)->id, 4u);
}

// Writers on two threads intern while readers resolve every number published so far (run
// under TSan in CI's sanitizer builds).
TEST(ShapedRecords, ConcurrentInternAndLookup) {
    ShapeTable shapes;
    constexpr std::uint32_t kShapes = 2000;
    std::atomic<bool> done{false};
    std::atomic<std::uint32_t> bad{0};
    std::thread reader([&] {
        while (!done.load()) {
            const std::size_t n = shapes.size();
            for (std::uint32_t id = 0; id < n && id < kShapes; ++id) {
                const RecordShape* s = shapes.shape(id);
                if (s != nullptr && (s->host != "h" || s->keys.size() != 1)) ++bad;
            }
        }
    });
    auto writer = [&](int from) {
        for (std::uint32_t i = 0; i < kShapes; ++i) {
            const std::string key = "k" + std::to_string((i + from) % kShapes);
            std::string packed = "\x01";
            packed.push_back(static_cast<char>(key.size()));
            packed += key;
            if (!shapes.intern("h", "o", packed)) ++bad;
        }
    };
    std::thread w1(writer, 0), w2(writer, 1000);
    w1.join();
    w2.join();
    done = true;
    reader.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_EQ(shapes.size(), kShapes);
    for (std::uint32_t id = 0; id < kShapes; ++id) ASSERT_NE(shapes.shape(id), nullptr);
}

// A delta refused after part of it was staged (its first chunks encoded, a new shape's
// definition with them) writes nothing; the shape is then defined again by the next write that
// uses it, so the record that write stores decodes after a restart.
TEST(ShapedRecords, AShapeStagedByARefusedDeltaIsDefinedByTheNextWrite) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    auto fresh = [](std::string id, std::int64_t v) {
        model::Node n;
        n.id = std::move(id);
        n.host = "h";
        n.metadata.mutableObject().set("Fresh", v);
        n.metadata.mutableObject().set("V", v);
        return n;
    };
    {
        auto s = testing_dated::openNoWindow(dir.path(), clock);
        ASSERT_NE(s, nullptr);
        model::GraphDelta refused;
        for (int i = 0; i < 600; ++i)  // past the first chunks: encoded while the delta applies
            refused.changes.push_back(
                {model::ChangeKind::NodeAdded, fresh("r" + std::to_string(i), i)});
        model::Edge e;
        e.id = "e";
        e.parent = "r0";
        e.child = "missing";
        refused.changes.push_back({model::ChangeKind::EdgeAdded, e});
        EXPECT_FALSE(s->apply(refused).ok());
        ASSERT_TRUE(s->addNode(fresh("kept", 1)));
        clock.set(2000);
        ASSERT_TRUE(s->setNodeMetadata("kept", "V", 2));
        EXPECT_EQ(testing_dated::valueAt(*s, "r0", 1000), -1);
    }
    auto s = testing_dated::openNoWindow(dir.path(), clock);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(testing_dated::valueAt(*s, "kept", 1000), 1);  // read from its 0x05 record
    EXPECT_EQ(testing_dated::valueAt(*s, "kept", 2000), 2);
    EXPECT_EQ(testing_dated::valueAt(*s, "r0", 1000), -1);
}

}  // namespace
}  // namespace skydive::store
