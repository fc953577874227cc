#include <skydive/store/store.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <random>

#include "kill_child.h"
#include "temp_dir.h"

namespace skydive::store {
namespace {

// The child: writes forever, reporting each acknowledged mutation number on `fd`.
[[noreturn]] void writer(const std::string& dir, int round, int fd) {
    model::ManualClock clock(1000000 * (round + 1));
    StoreOptions o;
    o.data_dir = dir;
    o.checkpoint_every_changes = 500;
    auto s = Store::open(o, clock);
    if (!s.ok()) _exit(2);
    for (std::uint32_t i = 0;; ++i) {
        clock.advance(1);
        model::Node n;
        n.id = "r" + std::to_string(round) + "-" + std::to_string(i);
        n.metadata.mutableObject().set("I", static_cast<std::int64_t>(i));
        if (!(*s)->addNode(n)) _exit(3);
        if (i > 0 && !(*s)->setNodeMetadata("r" + std::to_string(round) + "-0", "Last",
                                            static_cast<std::int64_t>(i)))
            _exit(4);
        if (write(fd, &i, sizeof i) != sizeof i) _exit(5);
    }
}

// kill -9 at random moments: every acknowledged mutation is there after reopening, the store
// stays consistent (past views work) and writing resumes.
TEST(Crash, AcknowledgedMutationsSurviveSigkill) {
    testing::TempDir dir;
    std::mt19937 rng(1234);
    for (int round = 0; round < 4; ++round) {
        std::int64_t last = testing::runAndKill([&](int fd) { writer(dir.path(), round, fd); },
                                                static_cast<std::int64_t>(200 + rng() % 3000));
        ASSERT_GE(last, 0);

        model::ManualClock clock(1000000 * (round + 1) + 900000);
        StoreOptions o;
        o.data_dir = dir.path();
        auto s = Store::open(o, clock);
        ASSERT_TRUE(s.ok()) << s.error().toString();
        auto live = (*s)->live();
        for (std::int64_t i = 0; i <= last; ++i) {
            std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
            bool found = false;
            live->findNode(id, [&](model::NodeHandle n_h) {
                const model::Node n = n_h.toNode();
                found = n.metadata.path("I") == model::Value(i);
                return true;
            });
            ASSERT_TRUE(found) << id << " acknowledged but lost";
        }
        std::string first = "r" + std::to_string(round) + "-0";
        live->findNode(first, [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            if (last > 0) {
                EXPECT_GE(n.metadata.path("Last")->asInt(), last);
            }
            return true;
        });
        // Earlier rounds are still there, and the past is consistent.
        auto past = (*s)->at(1000000 * (round + 1) + 1);
        ASSERT_TRUE(past.ok());
        bool round_first = false;
        (*past)->findNode(first, [&](model::NodeHandle n_h) {
            const model::Node n = n_h.toNode();
            round_first = n.revision == 1;
            return true;
        });
        EXPECT_TRUE(round_first);
        EXPECT_TRUE((*s)->addNode([&] {
            model::Node n;
            n.id = "after-" + std::to_string(round);
            return n;
        }()));
    }
}

}  // namespace
}  // namespace skydive::store
