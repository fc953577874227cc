// ethtool data of a physical-like interface (a device with a bus, e.g. virtio_net's eth0 here):
// BusInfo and every Features flag match what the `ethtool` tool reports for it.
#include <filesystem>
#include <map>
#include <sstream>

#include "kernel_fixture.h"

namespace skydive::agent::e2e {
namespace {

using model::Value;

// The first interface of this namespace backed by a device on a bus.
std::string physicalInterface() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/sys/class/net", ec)) {
        if (std::filesystem::exists(e.path() / "device", ec)) return e.path().filename().string();
    }
    return {};
}

using FeaturesTest = AgentFixture;

TEST_F(FeaturesTest, BusInfoAndFeaturesOfAPhysicalInterface) {
    std::string ifname = physicalInterface();
    ASSERT_FALSE(ifname.empty()) << "no physical-like interface (with /sys/class/net/*/device)";
    ASSERT_TRUE(sh("command -v ethtool")) << "ethtool missing: run scripts/install-deps";
    auto node = waitNode(ifname);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(*field(*node, "Type"), Value("device"));

    std::string bus;
    std::istringstream info(commandOutput("ethtool -i " + ifname));
    for (std::string line; std::getline(info, line);) {
        if (line.rfind("bus-info: ", 0) == 0) bus = line.substr(10);
    }
    if (!bus.empty()) {
        ASSERT_NE(field(*node, "BusInfo"), nullptr);
        EXPECT_EQ(*field(*node, "BusInfo"), Value(bus));
    }

    // `ethtool -k` lines: "<name>: on|off [fixed]" (indented for the real feature names).
    std::map<std::string, bool> tool;
    std::istringstream k(commandOutput("ethtool -k " + ifname));
    for (std::string line; std::getline(k, line);) {
        auto colon = line.find(": ");
        if (colon == std::string::npos) continue;
        std::string name = line.substr(line.find_first_not_of(" \t"), std::string::npos);
        name = name.substr(0, name.find(": "));
        std::string state = line.substr(colon + 2, 3);
        if (state == "on " || state == "on") tool[name] = true;
        if (state.rfind("off", 0) == 0) tool[name] = false;
        if (line.compare(colon + 2, 2, "on") == 0) tool[name] = true;
    }
    const Value* features = field(*node, "Features");
    ASSERT_NE(features, nullptr);
    ASSERT_TRUE(features->isObject());
    int compared = 0;
    for (const auto& [key, value] : features->asObject()) {
        auto it = tool.find(std::string(key.view()));
        if (it == tool.end()) continue;
        EXPECT_EQ(value, Value(it->second)) << key.view();
        ++compared;
    }
    EXPECT_GE(compared, 5) << "too few features in common with `ethtool -k`";
    // Virtual interfaces (veth, bridge...) do not carry them.
    auto lo = waitNode("lo");
    ASSERT_TRUE(lo.has_value());
    EXPECT_EQ(field(*lo, "Features"), nullptr);
}

// `Speed` is what `ethtool IFNAME` prints ("Speed: 10000Mb/s"), absent for "Unknown!".
std::string toolSpeed(const std::string& ifname) {
    std::istringstream out(commandOutput("ethtool " + ifname));
    for (std::string line; std::getline(out, line);) {
        auto at = line.find("Speed: ");
        if (at == std::string::npos) continue;
        std::string v = line.substr(at + 7);
        auto mb = v.find("Mb/s");
        return mb == std::string::npos ? "" : v.substr(0, mb);
    }
    return "";
}

TEST_F(FeaturesTest, SpeedMatchesEthtool) {
    ASSERT_TRUE(sh("command -v ethtool")) << "ethtool missing: run scripts/install-deps";
    std::string s = uniqueSuffix();
    std::string va = "sspa" + s, vb = "sspb" + s;
    cleanup.add("ip link del " + va);
    ASSERT_TRUE(sh("ip link add " + va + " type veth peer name " + vb));
    std::vector<std::string> names{va};
    if (auto phys = physicalInterface(); !phys.empty()) names.push_back(phys);
    int known = 0;
    for (const auto& name : names) {
        auto node = waitNode(name);
        ASSERT_TRUE(node.has_value()) << name;
        std::string expected = toolSpeed(name);
        if (expected.empty()) {
            EXPECT_EQ(field(*node, "Speed"), nullptr) << name;
            continue;
        }
        ++known;
        ASSERT_NE(field(*node, "Speed"), nullptr) << name;
        EXPECT_EQ(*field(*node, "Speed"), Value(std::stoll(expected))) << name;
    }
    EXPECT_GE(known, 1) << "the veth driver reports a speed on this kernel";
}

}  // namespace
}  // namespace skydive::agent::e2e
