#include "plan/time_arg.h"

#include <gtest/gtest.h>

namespace skydive::gremlin {
namespace {

Param intParam(std::int64_t v) {
    Param p;
    p.kind = ParamKind::Int;
    p.integer = v;
    return p;
}

Param strParam(std::string s) {
    Param p;
    p.text = std::move(s);
    return p;
}

TEST(TimeArg, SmallIntegersAreSecondsLargerAreMs) {
    auto s = timeFromParam(intParam(2147483647));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->ms, 2147483647000);
    auto ms = timeFromParam(intParam(2147483648));
    ASSERT_TRUE(ms);
    EXPECT_EQ(ms->ms, 2147483648);
}

TEST(TimeArg, Rfc1123) {
    EXPECT_EQ(parseRfc1123Ms("Sun, 13 Sep 2020 12:26:45 UTC"), 1600000005000);
    EXPECT_EQ(parseRfc1123Ms("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    EXPECT_FALSE(parseRfc1123Ms("Sun, 13 Foo 2020 12:26:45 UTC"));
    EXPECT_FALSE(parseRfc1123Ms("13 Sep 2020 12:26:45"));
    auto p = timeFromParam(strParam("Sun, 13 Sep 2020 12:26:45 UTC"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, TimeArg::Kind::Absolute);
}

TEST(TimeArg, GoDurations) {
    EXPECT_EQ(parseGoDurationMs("-1m"), -60000);
    EXPECT_EQ(parseGoDurationMs("-1h5m"), -3900000);
    EXPECT_EQ(parseGoDurationMs("1.5s"), 1500);
    EXPECT_EQ(parseGoDurationMs("300ms"), 300);
    EXPECT_EQ(parseGoDurationMs("0"), 0);
    EXPECT_FALSE(parseGoDurationMs("1"));
    EXPECT_FALSE(parseGoDurationMs("abc"));
    EXPECT_FALSE(parseGoDurationMs("-"));
    EXPECT_FALSE(parseGoDurationMs("5d"));
    auto rel = timeFromParam(strParam("-30s"));
    ASSERT_TRUE(rel);
    EXPECT_EQ(rel->kind, TimeArg::Kind::Relative);
    EXPECT_EQ(rel->ms, -30000);
}

TEST(TimeArg, BadTimeHasUpstreamMessage) {
    auto bad = timeFromParam(strParam("abc"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "Time must be in RFC1123 or in Go Duration format");
    Param forever;
    forever.kind = ParamKind::Keyword;
    forever.keyword = Keyword::Forever;
    EXPECT_FALSE(timeFromParam(forever));
    auto d = durationFromParam(forever);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, TimeArg::Kind::Forever);
    auto secs = durationFromParam(intParam(20));
    ASSERT_TRUE(secs);
    EXPECT_EQ(secs->ms, 20000);
}

}  // namespace
}  // namespace skydive::gremlin
