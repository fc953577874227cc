#pragma once
// Helpers of the tests of past lookups read from RocksDB (time-ordered keys, late markers):
// a store without a recent window, a node's V at t, and a revision dated at will.

#include <skydive/model/clock.h>
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace skydive::store::testing_dated {

inline std::unique_ptr<Store> openNoWindow(const std::string& dir, const model::Clock& clock) {
    StoreOptions o;
    o.data_dir = dir;
    o.recent_window_bytes = 0;  // every past lookup reads RocksDB
    auto s = Store::open(o, clock);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().toString());
    return s.ok() ? std::move(*s) : nullptr;
}

// -1: absent at t; 0: present without V; else V.
inline std::int64_t valueAt(const Store& s, std::string_view id, Time t) {
    auto n = s.nodeAt(id, t);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || !n->has_value()) return -1;
    auto x = (*n)->metadata.path("V");
    return x ? x->asInt() : 0;
}

// Stores the next revision of `id` dated `updated` (possibly before the current one).
inline void putDated(Store& s, std::string_view id, Time updated, std::int64_t value) {
    auto cur = s.nodeAt(id, std::numeric_limits<Time>::max());
    ASSERT_TRUE(cur.ok() && cur->has_value());
    model::Node n = **cur;
    n.revision += 1;
    n.updated_at = updated;
    n.metadata.mutableObject().set("V", value);
    ASSERT_TRUE(s.replaceNode(n));
}

// Adds node `id` at the clock's time, then sets its V to 1..count, one every `step` ms.
inline void addCounted(Store& s, model::ManualClock& clock, std::string_view id, int count,
                       Time step) {
    const Time base = clock.now();
    model::Node n;
    n.id = id;
    ASSERT_TRUE(s.addNode(n));
    for (int i = 1; i <= count; ++i) {
        clock.set(base + step * i);
        ASSERT_TRUE(s.setNodeMetadata(id, "V", i));
    }
}

}  // namespace skydive::store::testing_dated
