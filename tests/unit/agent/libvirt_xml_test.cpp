// Reading interfaces out of libvirt domain XML, and the domain state names of spec §7.
#include <skydive/agent/libvirt.h>

#include <gtest/gtest.h>

namespace skydive::agent {
namespace {

constexpr std::string_view kDomain = R"(<domain type='test' id='1'>
  <name>vm1</name>
  <devices>
    <disk type='file' device='disk'>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='vnet0'/>
      <alias name="net0"/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x1'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:00:00:02'/>
    </interface>
  </devices>
</domain>)";

TEST(LibvirtXml, ReadsEachInterface) {
    auto ifs = parseDomainInterfaces(kDomain);
    ASSERT_EQ(ifs.size(), 2u);
    EXPECT_EQ(ifs[0].mac, "aa:bb:cc:dd:ee:ff");
    EXPECT_EQ(ifs[0].target, "vnet0");
    EXPECT_EQ(ifs[0].alias, "net0");
    EXPECT_EQ(ifs[0].bus_type, "pci");
    EXPECT_EQ(ifs[0].bus_info, "0000:00:03.1");
    EXPECT_EQ(ifs[1].mac, "52:54:00:00:00:02");
    EXPECT_TRUE(ifs[1].target.empty());
    EXPECT_TRUE(ifs[1].bus_type.empty());
}

TEST(LibvirtXml, MalformedInputGivesWhatIsReadable) {
    EXPECT_TRUE(parseDomainInterfaces("").empty());
    EXPECT_TRUE(parseDomainInterfaces("<domain><interfaces/></domain>").empty());
    auto cut = parseDomainInterfaces("<interface type='x'><mac address='01:02");
    ASSERT_EQ(cut.size(), 1u);
    EXPECT_TRUE(cut[0].mac.empty());
    auto unterminated = parseDomainInterfaces("<interface><target dev='t1'/>");
    ASSERT_EQ(unterminated.size(), 1u);
    EXPECT_EQ(unterminated[0].target, "t1");
}

TEST(LibvirtXml, StateNames) {
    EXPECT_EQ(libvirtStateName(1), "UP");
    EXPECT_EQ(libvirtStateName(5), "DOWN");
    EXPECT_EQ(libvirtStateName(3), "PAUSED");
    EXPECT_EQ(libvirtStateName(7), "PMSUSPENDED");
    EXPECT_EQ(libvirtStateName(0), "UNDEFINED");
    EXPECT_EQ(libvirtStateName(42), "UNDEFINED");
}

}  // namespace
}  // namespace skydive::agent
