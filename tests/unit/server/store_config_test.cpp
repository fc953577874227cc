// The embedded store's skydive.yml keys (docs/compat/store.md) and their bad-value errors, and
// an analyzer that opens its store with them.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include <skydive/model/clock.h>
#include <skydive/server/analyzer.h>

#include "store_config.h"

namespace skydive::server {
namespace {

Config withYaml(const std::string& yaml) {
    Config c;
    c.setEnvironment({});
    auto st = c.loadString(yaml);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return c;
}

TEST(StoreConfig, DefaultsWhenNoSection) {
    auto o = storeOptionsFromConfig(withYaml("{}"), "/tmp/x");
    ASSERT_TRUE(o.ok());
    store::StoreOptions d;
    EXPECT_EQ(o->data_dir, "/tmp/x");
    EXPECT_EQ(o->sync, d.sync);
    EXPECT_EQ(o->retention_age_ms, d.retention_age_ms);
    EXPECT_EQ(o->recent_window_bytes, d.recent_window_bytes);
    EXPECT_EQ(o->checkpoint_every_ms, d.checkpoint_every_ms);
}

TEST(StoreConfig, KeysOfTheNamedSectionWithUnits) {
    auto c = withYaml(
        "analyzer:\n  topology:\n    backend: local\n"
        "storage:\n  local:\n    driver: rocksdb\n    sync: always\n    sync_interval: 50\n"
        "    retention_age: 3600\n    retention_size: 1000000\n    recent_window: 120\n"
        "    recent_window_memory: 1048576\n    checkpoint_changes: 500\n"
        "    checkpoint_interval: 30\n");
    auto o = storeOptionsFromConfig(c, "d");
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->sync, store::SyncPolicy::Always);
    EXPECT_EQ(o->sync_interval_ms, 50);
    EXPECT_EQ(o->retention_age_ms, 3'600'000);
    EXPECT_EQ(o->retention_bytes, 1'000'000u);
    EXPECT_EQ(o->recent_window_ms, 120'000);
    EXPECT_EQ(o->recent_window_bytes, 1u << 20);
    EXPECT_EQ(o->checkpoint_every_changes, 500u);
    EXPECT_EQ(o->checkpoint_every_ms, 30'000);
    // Another section's keys are not read.
    auto other = storeOptionsFromConfig(withYaml("storage:\n  local:\n    sync: always\n"), "d");
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->sync, store::SyncPolicy::Periodic);
}

TEST(StoreConfig, BadValuesNameTheKey) {
    const std::string head = "analyzer:\n  topology:\n    backend: s\nstorage:\n  s:\n";
    for (const char* body :
         {"    sync: sometimes\n", "    retention_age: -5\n", "    retention_size: big\n",
          "    recent_window_memory: [1]\n", "    sync: periodic\n    sync_interval: 0\n",
          "    checkpoint_interval: -1\n"}) {
        auto o = storeOptionsFromConfig(withYaml(head + std::string(body)), "d");
        ASSERT_FALSE(o.ok()) << body;
        EXPECT_EQ(o.error().code, model::ErrorCode::InvalidArgument) << body;
        EXPECT_NE(o.error().message.find("storage.s."), std::string::npos) << o.error().message;
    }
}

TEST(StoreConfig, AnalyzerRefusesABadValueAndStartsWithGoodOnes) {
    auto dir =
        std::filesystem::temp_directory_path() / ("store_config_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    AnalyzerOptions options;
    options.data_dir = dir.string();
    auto bad = withYaml("storage:\n  memory:\n    retention_age: -1\n");
    bad.setFlag("analyzer.listen", "127.0.0.1:0");
    auto a = Analyzer::create(bad, options, model::SystemClock::instance());
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, model::ErrorCode::InvalidArgument);
    auto good = withYaml("storage:\n  memory:\n    sync: always\n    retention_age: 60\n");
    good.setFlag("analyzer.listen", "127.0.0.1:0");
    auto b = Analyzer::create(good, options, model::SystemClock::instance());
    ASSERT_TRUE(b.ok()) << b.error().message;
    ASSERT_TRUE((*b)->start().ok());
    (*b)->stop();
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skydive::server
