// The lazy view's address map (ptr_map.h): every key put is found with its value, no other key
// is, and its filter keeps most absent keys away from the slots (ADR 011: a probe past the
// filter is a slot load, often a cache miss, on a whole-graph scan of 100k+ elements).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../../../storage/history/src/ptr_map.h"  // private to the store

namespace skydive::store {
namespace {

// Keys as a view has them: addresses of heap blocks of a record's size.
std::vector<std::unique_ptr<char[]>> blocks(std::size_t n) {
    std::vector<std::unique_ptr<char[]>> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::make_unique<char[]>(320));
    return out;
}

TEST(PtrMap, FindsWhatWasPutAndNothingElse) {
    auto in = blocks(20000);
    auto out = blocks(100000);
    PtrMap<std::size_t> m(in.size());
    EXPECT_TRUE(m.empty());
    for (std::size_t i = 0; i < in.size(); ++i) m.put(in[i].get(), i);
    m.put(in[7].get(), 70);  // a repeated key replaces the value
    EXPECT_FALSE(m.empty());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::size_t* v = m.find(in[i].get());
        ASSERT_NE(v, nullptr) << i;
        EXPECT_EQ(*v, i == 7 ? 70 : i);
        EXPECT_TRUE(m.mayContain(in[i].get()));
    }
    std::size_t passed = 0;
    for (const auto& b : out) {
        EXPECT_EQ(m.find(b.get()), nullptr);
        passed += m.mayContain(b.get()) ? 1 : 0;
    }
    // Two bits of >= 16 per key: ~1.5% expected. One bit of 8 let ~12% through.
    EXPECT_LT(passed, out.size() * 4 / 100) << passed << " of " << out.size();
}

TEST(PtrMap, EmptyMapFindsNothing) {
    PtrMap<int> m;
    int x = 0;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.find(&x), nullptr);
}

}  // namespace
}  // namespace skydive::store
