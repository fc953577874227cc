#pragma once

// Builds NETLINK_ROUTE messages byte for byte as the kernel lays them out, so tests can replay
// link types this kernel lacks (vlan, bond, dummy) and malformed input.
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <string>
#include <vector>

namespace skydive::agent::testing {

class NlMsg {
public:
    explicit NlMsg(std::uint16_t type) : buf_(16384) {
        nlh_ = mnl_nlmsg_put_header(buf_.data());
        nlh_->nlmsg_type = type;
    }
    template <typename T>
    T* header() {
        return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
    }
    NlMsg& str(std::uint16_t t, const std::string& s) {
        mnl_attr_put_strz(nlh_, t, s.c_str());
        return *this;
    }
    NlMsg& u8(std::uint16_t t, std::uint8_t v) {
        mnl_attr_put_u8(nlh_, t, v);
        return *this;
    }
    NlMsg& u16(std::uint16_t t, std::uint16_t v) {
        mnl_attr_put_u16(nlh_, t, v);
        return *this;
    }
    NlMsg& u32(std::uint16_t t, std::uint32_t v) {
        mnl_attr_put_u32(nlh_, t, v);
        return *this;
    }
    NlMsg& bytes(std::uint16_t t, std::vector<std::uint8_t> b) {
        mnl_attr_put(nlh_, t, b.size(), b.data());
        return *this;
    }
    NlMsg& begin(std::uint16_t t) {
        nests_.push_back(mnl_attr_nest_start(nlh_, t));
        return *this;
    }
    NlMsg& end() {
        mnl_attr_nest_end(nlh_, nests_.back());
        nests_.pop_back();
        return *this;
    }
    std::vector<std::uint8_t> data() const {
        return {buf_.begin(), buf_.begin() + nlh_->nlmsg_len};
    }

private:
    std::vector<std::uint8_t> buf_;
    nlmsghdr* nlh_;
    std::vector<nlattr*> nests_;
};

inline std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// RTM_NEWLINK/RTM_DELLINK with the attributes every link has.
inline NlMsg link(std::uint16_t type, int index, const std::string& name, unsigned flags,
                  std::uint8_t operstate = 6, unsigned mtu = 1500) {
    NlMsg m(type);
    auto* ifi = m.header<ifinfomsg>();
    ifi->ifi_family = 0;
    ifi->ifi_type = 1;  // ARPHRD_ETHER
    ifi->ifi_index = index;
    ifi->ifi_flags = flags;
    m.str(IFLA_IFNAME, name).u32(IFLA_MTU, mtu).u8(IFLA_OPERSTATE, operstate);
    return m;
}

}  // namespace skydive::agent::testing
