#pragma once

// Veth pairs made straight through rtnetlink (no `ip` process per pair, so the timings measure
// the agent, not fork/exec), and a percentile helper, shared by the agent benchmarks.
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <algorithm>
#include <string>
#include <vector>

namespace skydive::bench {

// One rtnetlink request with ACK; returns false on a kernel error.
inline bool rtnl(mnl_socket* sock, nlmsghdr* nlh) {
    static unsigned seq = 0;
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++seq;
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return false;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    ssize_t n = mnl_socket_recvfrom(sock, buf, sizeof buf);
    return n > 0 && mnl_cb_run(buf, n, seq, mnl_socket_get_portid(sock), nullptr, nullptr) >= 0;
}

inline bool addVeth(mnl_socket* sock, const std::string& name, const std::string& peer) {
    char buf[MNL_SOCKET_BUFFER_SIZE] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    nlattr* peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));  // the peer's ifinfomsg
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
    mnl_attr_nest_end(nlh, peer_attr);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    return rtnl(sock, nlh);
}

inline bool delLink(mnl_socket* sock, const std::string& name) {
    char buf[MNL_SOCKET_BUFFER_SIZE] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_DELLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    return rtnl(sock, nlh);
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace skydive::bench
