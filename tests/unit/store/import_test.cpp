// importRevisions rebuilds the live graph from disk without holding the store's mutex across
// the reload: holding it there deadlocked against a failed group write (which takes the mutex
// under the live graph's writer lock) and stalled every reader for the whole reload.
#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "temp_dir.h"

namespace skydive::store {
namespace {

using Clock = std::chrono::steady_clock;

TEST(Import, ReloadDoesNotHoldStoreMutex) {
    testing::TempDir dir;
    model::ManualClock clock(1000);
    StoreOptions o;
    o.data_dir = dir.path();
    o.live_image = false;
    auto s = Store::open(o, clock).value();
    // A long history without checkpoints: the reload after an import replays all of it.
    std::vector<model::Change> history;
    for (int i = 0; i < 60000; ++i) {
        model::Node n;
        n.id = "n" + std::to_string(i % 20000);
        n.created_at = 1000;
        n.updated_at = 1000 + i;
        n.revision = 1 + i / 20000;
        n.metadata.mutableObject().set("V", i);
        history.push_back({model::ChangeKind::NodeUpdated, std::move(n)});
    }
    ASSERT_TRUE(s->importRevisions(history));
    ASSERT_EQ(s->live()->nodeCount(), 20000u);

    std::atomic<bool> done{false};
    double longest_ms = 0;  // the longest stats() call while the import runs
    std::thread reader([&] {
        while (!done.load()) {
            auto t0 = Clock::now();
            (void)s->stats();
            longest_ms = std::max(
                longest_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
    });
    model::Node extra;
    extra.id = "extra";
    extra.created_at = extra.updated_at = 70000;
    extra.revision = 1;
    auto t0 = Clock::now();
    ASSERT_TRUE(s->importRevisions({{model::ChangeKind::NodeUpdated, extra}}));
    double import_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    done = true;
    reader.join();
    EXPECT_EQ(s->live()->nodeCount(), 20001u);
    // The reload (a replay of 60k changes) is most of the import; a reader waits at most for
    // the final O(1) publication, not for the replay.
    EXPECT_LT(longest_ms, import_ms / 3) << "import " << import_ms << " ms";
}

}  // namespace
}  // namespace skydive::store
