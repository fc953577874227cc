// The little of libvirt's domain XML the probe needs, read without an XML library: the
// attributes of <mac>, <target>, <alias> and <address> inside each <interface> element.
#include <skydive/agent/libvirt.h>

#include <cstdio>
#include <cstdlib>

namespace skydive::agent {

namespace {

// The value of `name` in the start tag beginning at `tag` (quotes ' or ").
std::string attribute(std::string_view tag, std::string_view name) {
    std::size_t end = tag.find('>');
    tag = tag.substr(0, end);
    for (std::size_t pos = 0; (pos = tag.find(name, pos)) != std::string_view::npos;
         pos += name.size()) {
        // Whole attribute name only: preceded by a space, followed by '='.
        if (pos == 0 || tag[pos - 1] != ' ') continue;
        std::size_t eq = pos + name.size();
        if (eq + 1 >= tag.size() || tag[eq] != '=') continue;
        char quote = tag[eq + 1];
        if (quote != '\'' && quote != '"') continue;
        std::size_t close = tag.find(quote, eq + 2);
        if (close == std::string_view::npos) return {};
        return std::string(tag.substr(eq + 2, close - eq - 2));
    }
    return {};
}

// The start tag `<name ` or `<name/` inside `block`, or empty.
std::string_view startTag(std::string_view block, std::string_view name) {
    for (std::size_t pos = 0; (pos = block.find('<', pos)) != std::string_view::npos; ++pos) {
        std::string_view rest = block.substr(pos + 1);
        if (rest.substr(0, name.size()) == name && rest.size() > name.size() &&
            (rest[name.size()] == ' ' || rest[name.size()] == '/' || rest[name.size()] == '>'))
            return block.substr(pos);
    }
    return {};
}

std::string pciAddress(std::string_view tag) {
    auto num = [&](std::string_view key) {
        std::string v = attribute(tag, key);
        return v.empty() ? 0UL : std::strtoul(v.c_str(), nullptr, 0);
    };
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lx:%02lx:%02lx.%lx", num("domain"), num("bus"),
                  num("slot"), num("function"));
    return buf;
}

}  // namespace

std::vector<LibvirtInterface> parseDomainInterfaces(std::string_view xml) {
    std::vector<LibvirtInterface> out;
    std::size_t pos = 0;
    while (true) {
        std::string_view rest = xml.substr(pos);
        std::string_view open = startTag(rest, "interface");
        if (open.empty()) break;
        std::size_t begin = xml.size() - open.size();
        std::size_t end = xml.find("</interface>", begin);
        if (end == std::string_view::npos) end = xml.size();
        std::string_view block = xml.substr(begin, end - begin);
        // Skip the <interface ...> start tag itself: its `type` is not the address's.
        std::size_t inner = block.find('>');
        block = inner == std::string_view::npos ? std::string_view() : block.substr(inner + 1);
        LibvirtInterface i;
        if (auto t = startTag(block, "mac"); !t.empty()) i.mac = attribute(t, "address");
        if (auto t = startTag(block, "target"); !t.empty()) i.target = attribute(t, "dev");
        if (auto t = startTag(block, "alias"); !t.empty()) i.alias = attribute(t, "name");
        if (auto t = startTag(block, "address"); !t.empty()) {
            i.bus_type = attribute(t, "type");
            if (i.bus_type == "pci") i.bus_info = pciAddress(t);
        }
        out.push_back(std::move(i));
        pos = end;
        if (pos >= xml.size()) break;
    }
    return out;
}

std::string libvirtStateName(int state) {
    // virDomainState: 0 NOSTATE, 1 RUNNING, 2 BLOCKED, 3 PAUSED, 4 SHUTDOWN, 5 SHUTOFF,
    // 6 CRASHED, 7 PMSUSPENDED.
    switch (state) {
        case 1: return "UP";
        case 2: return "BLOCKED";
        case 3: return "PAUSED";
        case 4:
        case 5: return "DOWN";
        case 6: return "CRASHED";
        case 7: return "PMSUSPENDED";
        default: return "UNDEFINED";
    }
}

}  // namespace skydive::agent
