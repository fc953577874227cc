#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "pmap.h"

namespace skydive::graph::detail {
namespace {

// sortKeyed must give exactly std::sort's order (key, then index): the bulk build relies on
// equal keys staying in input order to keep the last of a repeated ID.
TEST(SortKeyed, EqualsStdSortOnRandomAndClusteredKeys) {
    std::mt19937_64 rng(7);
    for (std::size_t n : {0u, 1u, 5u, 64u, 65u, 1000u, 100000u}) {
        for (int bits : {60, 64}) {
            for (bool clustered : {false, true}) {
                std::vector<Keyed> keys(n);
                std::uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
                for (std::size_t i = 0; i < n; ++i) {
                    // Clustered: few distinct keys, so runs of equal keys reach the small sort
                    // and the last digits.
                    std::uint64_t k = clustered ? (rng() % 37) * 0x0101010101010101ULL : rng();
                    keys[i] = {k & mask, static_cast<std::uint32_t>(i)};
                }
                auto expect = keys;
                std::sort(expect.begin(), expect.end());
                sortKeyed(keys, bits);
                EXPECT_EQ(keys, expect) << n << " keys, " << bits << " bits";
            }
        }
    }
}

}  // namespace
}  // namespace skydive::graph::detail
