// NextHop(ip) (spec §2.5): per node, the route of its RoutingTables that leads to `ip`.
// Tables are read in order; in each, the first non-default route whose prefix contains the
// address wins, else the table's default route; the next table is only read when the table
// has neither. The MAC comes from the node's Neighbors entry with the next hop's IP. IPv4 only.
#include <string>

#include "exec/executor.h"
#include "plan/ipv4.h"

namespace skydive::gremlin {

using model::Value;

namespace {

const Value* get(const Value& obj, std::string_view key) {
    return obj.isObject() ? obj.asObject().find(key) : nullptr;
}

std::string macOf(const Value* neighbors, std::string_view ip) {
    if (neighbors == nullptr || !neighbors->isList()) return "";
    for (const auto& n : neighbors->asList()) {
        const auto* nip = get(n, "IP");
        const auto* mac = get(n, "MAC");
        if (nip && nip->isString() && nip->asString() == ip && mac && mac->isString()) {
            return std::string(mac->asString());
        }
    }
    return "";
}

// The hop object of the first next hop of a route, with the MAC looked up.
Value hopOf(const Value& route, const Value* neighbors) {
    model::Object hop{{"Priority", 0}, {"IfIndex", 0}};
    const auto* hops = get(route, "NextHops");
    if (hops == nullptr || !hops->isList() || hops->asList().empty()) return Value(hop);
    const auto& first = hops->asList()[0];
    if (const auto* idx = get(first, "IfIndex"); idx && idx->isInt()) hop.set("IfIndex", *idx);
    if (const auto* ip = get(first, "IP"); ip && ip->isString() && !ip->asString().empty()) {
        hop.set("IP", *ip);
        if (auto mac = macOf(neighbors, ip->asString()); !mac.empty()) hop.set("MAC", mac);
    }
    return Value(std::move(hop));
}

std::optional<Value> nextHopOf(model::NodeHandle node, const Ipv4& target) {
    // Materialised (built for a record): NextHop reads a few nodes, not a scan.
    const std::optional<Value> tables = node.field("RoutingTables").toOptional();
    if (!tables || !tables->isList()) return std::nullopt;
    const std::optional<Value> neighbor_list = node.field("Neighbors").toOptional();
    const Value* neighbors = neighbor_list ? &*neighbor_list : nullptr;
    for (const auto& table : tables->asList()) {
        const auto* routes = get(table, "Routes");
        if (routes == nullptr || !routes->isList()) continue;
        const Value* default_route = nullptr;
        for (const auto& route : routes->asList()) {
            const auto* prefix = get(route, "Prefix");
            if (prefix == nullptr || !prefix->isString()) continue;
            const auto net = parseIpv4(prefix->asString(), true);
            if (!net) continue;
            if (net->prefix == 0) {
                default_route = &route;
                continue;
            }
            const auto mask = prefixMask(net->prefix);
            if ((target.address & mask) == (net->address & mask)) return hopOf(route, neighbors);
        }
        if (default_route != nullptr) return hopOf(*default_route, neighbors);
    }
    return std::nullopt;
}

}  // namespace

model::Status Executor::nextHop(const PlanStep& s) {
    const auto target = parseIpv4(s.ip, false);
    model::Object hops;
    for (const model::NodeHandle n : cur_.nodes) {
        if (!tick()) return error_;
        if (auto hop = nextHopOf(n, *target)) hops.set(n.id(), std::move(*hop));
    }
    model::List out;
    if (!hops.empty()) out.push_back(Value(std::move(hops)));
    cur_.value = Value(std::move(out));
    cur_.kind = ResultKind::NextHops;
    cur_.nodes.clear();
    return {};
}

}  // namespace skydive::gremlin
