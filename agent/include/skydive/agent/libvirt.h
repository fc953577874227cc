#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skydive::agent {

/// One `<interface>` of a libvirt domain XML description.
struct LibvirtInterface {
    std::string mac;       ///< <mac address>
    std::string target;    ///< <target dev>: the host-side tap/tun name
    std::string alias;     ///< <alias name>
    std::string bus_type;  ///< <address type>, e.g. "pci"
    std::string bus_info;  ///< PCI address as "dddd:bb:ss.f" when type is pci
};

/// The interfaces of a domain's XML (libvirt `virDomainGetXMLDesc`); interfaces without a
/// target device are kept (their target is empty). Malformed XML gives what was readable.
std::vector<LibvirtInterface> parseDomainInterfaces(std::string_view xml);

/// Spec §7 State of a domain from libvirt's virDomainState number: UP, DOWN, BLOCKED, PAUSED,
/// CRASHED, PMSUSPENDED, or UNDEFINED.
std::string libvirtStateName(int state);

}  // namespace skydive::agent
