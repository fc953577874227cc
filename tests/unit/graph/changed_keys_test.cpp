// GraphImage::putNode reports which indexed keys an update changed: the recent window keeps
// that mask instead of comparing the keys again (ADR 015, tenth round), so it must equal the
// comparison of each key's field before and after, for plain, pseudo and dotted keys.
#include <skydive/graph/graph_image.h>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace skydive::graph {
namespace {

using model::Node;
using model::NodeRec;
using model::Value;

// Few distinct values, so that updates often keep a key's value and often change it.
Node randomNode(std::mt19937& rng, int id) {
    auto pick = [&](unsigned n) { return static_cast<int>(rng() % n); };
    Node n;
    n.id = "n" + std::to_string(id);
    n.host = pick(2) == 0 ? "h1" : "h2";
    auto& m = n.metadata.mutableObject();
    if (pick(4) != 0) m.set("Type", pick(2) == 0 ? "veth" : "bridge");
    if (pick(4) != 0) m.set("Name", "eth" + std::to_string(pick(3)));
    if (pick(3) != 0) m.set("MAC", pick(2) == 0 ? Value("aa") : Value(pick(2)));
    if (pick(3) == 0) m.set("Extra" + std::to_string(pick(2)), 1);  // other key lists
    if (pick(2) == 0) {
        model::Object info;
        info.set("Sub", pick(2));
        m.set("Info", Value(std::move(info)));
    }
    m.set("Seq", pick(1000));
    return n;
}

TEST(ChangedKeys, PutNodeReportsExactlyTheIndexedKeysThatDiffer) {
    auto config = std::make_shared<IndexConfig>();
    config->keys = {"Type", "Name", "MAC", "@Host", "Info.Sub", "Missing"};
    GraphImage img(config);
    std::mt19937 rng(5);
    std::vector<NodeRec> current;
    for (int i = 0; i < 50; ++i) {
        current.push_back(NodeRec::encode(randomNode(rng, i)));
        EXPECT_EQ(img.putNode(current.back()), ~std::uint64_t{0});  // new: every bit
    }
    int same_keys = 0, unchanged = 0, changed = 0;
    for (int step = 0; step < 5000; ++step) {
        const int id = static_cast<int>(rng() % current.size());
        Node n = randomNode(rng, id);
        if (rng() % 2 == 0) {  // an agent's usual update: the same keys, some values changed
            n = current[id].toNode();
            n.host = rng() % 4 == 0 ? "h3" : n.host;
            const Node was = current[id].toNode();  // a range over a temporary's member dangles
            for (const auto& [key, value] : was.metadata.asObject())
                if (rng() % 3 == 0) n.metadata.mutableObject().set(key, Value(int(rng() % 2)));
        }
        NodeRec next = NodeRec::encode(n);
        std::uint64_t expected = 0;
        for (std::size_t k = 0; k < config->keys.size(); ++k)
            if (!(model::fieldOf(current[id], config->keys[k]) ==
                  model::fieldOf(next, config->keys[k])))
                expected |= std::uint64_t{1} << k;
        same_keys += current[id].sameKeys(next);
        ASSERT_EQ(img.putNode(next), expected)
            << model::toJson(current[id]) << " -> " << model::toJson(next);
        unchanged += expected == 0;
        changed += expected != 0;
        current[id] = next;
        // The index follows the mask: the node is found under its new Name, not the old one.
        if (auto name = next.field("Name"); name && name.isString()) {
            bool found = false;
            img.nodesByValue("Name", Value(std::string(name.asString())), [&](model::NodeHandle h) {
                found = found || h.id() == next.id();
                return true;
            });
            ASSERT_TRUE(found);
        }
    }
    EXPECT_GT(same_keys, 500);  // the one-search path and the general path both ran
    EXPECT_GT(unchanged, 100);
    EXPECT_GT(changed, 1000);
}

}  // namespace
}  // namespace skydive::graph
