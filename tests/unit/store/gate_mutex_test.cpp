// GateMutex (the store's `mu`): closed to all but one thread until opened.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../../../storage/history/src/gate_mutex.h"  // private to the store

namespace skydive::store {
namespace {

using namespace std::chrono_literals;

TEST(GateMutex, ClosedToAllButItsOwnerUntilOpened) {
    GateMutex mu;
    std::atomic<int> step{0};
    std::atomic<bool> reader_in{false};
    std::thread owner([&] {
        while (step.load() < 1) std::this_thread::yield();
        std::lock_guard l(mu);  // passes the closed gate
        step = 2;
        std::this_thread::sleep_for(20ms);
        EXPECT_FALSE(reader_in.load());  // the reader is still held at the gate
    });
    mu.closeFor(owner.get_id());
    EXPECT_FALSE(mu.try_lock());  // this thread is not the owner
    std::thread reader([&] {
        std::lock_guard l(mu);
        reader_in = true;
    });
    step = 1;
    owner.join();
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(reader_in.load());  // unlocked but still closed
    mu.open();
    reader.join();
    EXPECT_TRUE(reader_in.load());
    EXPECT_TRUE(mu.try_lock());
    mu.unlock();
}

TEST(GateMutex, ExcludesLikeAMutex) {
    GateMutex mu;
    long counter = 0;
    std::thread a([&] {
        for (int i = 0; i < 20000; ++i) {
            std::lock_guard l(mu);
            ++counter;
        }
    });
    for (int i = 0; i < 20000; ++i) {
        std::lock_guard l(mu);
        ++counter;
    }
    a.join();
    EXPECT_EQ(counter, 40000);
}

}  // namespace
}  // namespace skydive::store
