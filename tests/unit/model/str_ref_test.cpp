#include <skydive/model/str_ref.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace skydive::model {
namespace {

TEST(StrRef, KeepsEveryLengthAndSharesLongStrings) {
    EXPECT_EQ(sizeof(StrRef), 8u);
    for (std::size_t len : {0, 1, 7, 8, 14, 15, 16, 36, 300}) {
        std::string text(len, 'a');
        for (std::size_t i = 0; i < len; ++i) text[i] = static_cast<char>('a' + i % 26);
        Str s(text);
        StrRef r(s);
        EXPECT_EQ(r.view(), text) << len;
        EXPECT_EQ(r.empty(), len == 0);
        EXPECT_EQ(StrRef(std::string_view(text)).view(), text);
        EXPECT_EQ(r.str(), s);
        EXPECT_EQ(r.str().heapBytes(), s.heapBytes());  // a long Str stays a heap Str
    }
    Str id("6f1a2b3c-4d5e-4f60-8a9b-100000000001");
    StrRef r(id);
    // The long ID is shared, not copied: the characters are the Str's own.
    EXPECT_EQ(r.view().data(), id.view().data());
    EXPECT_EQ(r.str().view().data(), id.view().data());
}

TEST(StrRef, EqualityIsByContent) {
    StrRef a(Str("6f1a2b3c-4d5e-4f60-8a9b-100000000001"));
    StrRef b(std::string_view("6f1a2b3c-4d5e-4f60-8a9b-100000000001"));
    StrRef c(std::string_view("6f1a2b3c-4d5e-4f60-8a9b-100000000002"));
    EXPECT_EQ(a, b);
    EXPECT_FALSE(a == c);
    EXPECT_EQ(StrRef(Str("eth0")), StrRef(std::string_view("eth0")));
    EXPECT_FALSE(StrRef(Str("eth0")) == StrRef(Str("eth1")));
    EXPECT_FALSE(StrRef(Str("eth0")) == StrRef());
    EXPECT_TRUE(a == std::string_view("6f1a2b3c-4d5e-4f60-8a9b-100000000001"));
}

TEST(StrRef, CopiesMovesAndAssignmentsKeepTheBlockAlive) {
    StrRef kept;
    {
        Str id(std::string(40, 'z'));
        StrRef r(id);
        StrRef copy = r;
        kept = copy;
        StrRef moved = std::move(copy);
        EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
        EXPECT_EQ(moved, r);
        moved = StrRef(std::string_view("short"));
        EXPECT_EQ(moved.view(), "short");
        kept = kept;  // self-assignment keeps the value
    }
    EXPECT_EQ(kept.view(), std::string(40, 'z'));  // the Str and its other refs are gone
}

TEST(StrRef, ConcurrentCopiesOfOneBlock) {
    StrRef shared(Str(std::string(64, 'q')));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i) {
                StrRef c = shared;
                Str s = c.str();
                ASSERT_EQ(s.size(), 64u);
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(shared.view(), std::string(64, 'q'));
}

}  // namespace
}  // namespace skydive::model
