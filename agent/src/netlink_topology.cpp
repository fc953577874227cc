#include <skydive/agent/ids.h>
#include <skydive/agent/netlink_topology.h>

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <tuple>

namespace skydive::agent {

using model::Object;
using model::Value;

NetlinkTopology::NetlinkTopology(TopologyGraph& graph, std::string root_id, Ethtool ethtool,
                                 PeerNamespace peer_namespace)
    : graph_(graph),
      root_id_(std::move(root_id)),
      ethtool_(std::move(ethtool)),
      peer_namespace_(std::move(peer_namespace)) {}

NetlinkTopology::~NetlinkTopology() = default;

std::optional<std::string> NetlinkTopology::nodeId(std::int32_t ifindex) const {
    auto it = links_.find(ifindex);
    if (it == links_.end()) return std::nullopt;
    return it->second.node_id;
}

void NetlinkTopology::apply(const NetlinkEvent& ev) {
    switch (ev.kind) {
        case NetlinkEventKind::NewLink: upsertLink(std::get<LinkInfo>(ev.data)); break;
        case NetlinkEventKind::DelLink: deleteLink(std::get<LinkInfo>(ev.data).index); break;
        case NetlinkEventKind::NewAddr:
        case NetlinkEventKind::DelAddr: {
            const auto& a = std::get<AddrInfo>(ev.data);
            std::string key = a.ip + "/" + std::to_string(a.prefix_len);
            if (ev.kind == NetlinkEventKind::NewAddr) {
                addrs_[a.index][key] = a;
            } else {
                addrs_[a.index].erase(key);
            }
            publish(a.index);
            break;
        }
        case NetlinkEventKind::NewRoute:
        case NetlinkEventKind::DelRoute: {
            const auto& r = std::get<RouteInfo>(ev.data);
            RouteKey key{r.family, r.table, r.prefix, r.priority};
            auto old = routes_.find(key);
            if (old != routes_.end()) {
                auto hops = old->second.next_hops;
                routes_.erase(old);
                touchIndexes(hops);
            }
            if (ev.kind == NetlinkEventKind::NewRoute) routes_[key] = r;
            touchIndexes(r.next_hops);
            break;
        }
        case NetlinkEventKind::NewNeigh:
        case NetlinkEventKind::DelNeigh: {
            const auto& n = std::get<NeighInfo>(ev.data);
            NeighKey key = n.family == AF_BRIDGE ? NeighKey{n.family, n.index, "",
                                                            n.mac + "/" + std::to_string(n.vlan)}
                                                 : NeighKey{n.family, n.index, n.ip, ""};
            if (ev.kind == NetlinkEventKind::NewNeigh) {
                neighs_[key] = n;
            } else {
                neighs_.erase(key);
            }
            publish(n.index);
            break;
        }
        case NetlinkEventKind::Done:
        case NetlinkEventKind::Error: break;
    }
}

void NetlinkTopology::touchIndexes(const std::vector<NextHop>& hops) {
    for (const auto& h : hops) publish(h.index);
}

void NetlinkTopology::upsertLink(const LinkInfo& link) {
    auto [it, inserted] = links_.try_emplace(link.index);
    Intf& intf = it->second;
    intf.seen = true;
    bool renamed = inserted || intf.link.name != link.name;
    auto stats = link.stats ? link.stats : intf.link.stats;  // events may come without stats
    intf.link = link;
    intf.link.stats = stats;
    if (inserted) intf.node_id = randomId();
    if (renamed && ethtool_.driver) intf.driver = ethtool_.driver(link.name);
    if (renamed && ethtool_.details && link.kind.empty() && link.arp_type == 1 /* ether */)
        std::tie(intf.bus_info, intf.features) = ethtool_.details(link.name);
    // Every link event (carrier, state) may come with a new negotiated speed.
    if (ethtool_.speed) intf.speed = ethtool_.speed(link.name);
    bool is_veth = link.kind == "veth" || intf.driver == "veth";
    if (is_veth && intf.link.link == 0 && ethtool_.peer_index) {
        intf.link.link = ethtool_.peer_index(link.name);
        if (intf.link.link != 0 && peer_namespace_.link_netnsid)
            intf.link.link_netnsid = peer_namespace_.link_netnsid(link.index);
    }
    publish(link.index);
    relink(link.index);
    // Links that named this one as master or vlan parent before it appeared.
    for (auto& [index, other] : links_) {
        if (index == link.index) continue;
        if ((other.link.master == link.index && other.master_edge.empty()) ||
            (other.link.kind == "vlan" && other.link.link == link.index &&
             other.vlan_edge.empty())) {
            relink(index);
        }
    }
}

void NetlinkTopology::deleteLink(std::int32_t index) {
    auto it = links_.find(index);
    if (it == links_.end()) return;
    graph_.deleteNode(it->second.node_id);  // also removes its edges
    links_.erase(it);
    addrs_.erase(index);
    for (auto n = neighs_.begin(); n != neighs_.end();) {
        n = std::get<1>(n->first) == index ? neighs_.erase(n) : std::next(n);
    }
    for (auto& [i, other] : links_) {
        if (other.link.master == index) other.master_edge.clear();
        if (other.link.link == index) other.vlan_edge.clear();
    }
}

void NetlinkTopology::publish(std::int32_t index) {
    auto it = links_.find(index);
    if (it == links_.end()) return;  // address/route/neighbour before its link: kept for later
    Intf& intf = it->second;
    auto lock = graph_.lock();
    if (!graph_.node(intf.node_id)) {
        if (!graph_.addNode(intf.node_id, metadataOf(intf))) return;
        graph_.link(root_id_, intf.node_id, "ownership");
    } else {
        graph_.setNodeMetadata(intf.node_id,
                               mergeForeign(*graph_.node(intf.node_id), metadataOf(intf)));
    }
    linkVeth(intf);
}

// Keys this probe owns; any other key on our node (UUID, OfPort, Ovs, ExtID... from the ovsdb
// probe) is kept. An OVS interface keeps its OVS Type and Driver (spec §7).
model::Value NetlinkTopology::mergeForeign(const Node& current, model::Value fresh) {
    static constexpr std::string_view kOwned[] = {
        "Name",        "Type",        "EncapType",   "IfIndex", "State",
        "LinkFlags",   "Driver",      "MTU",         "MAC",     "MasterIndex",
        "ParentIndex", "PeerIfIndex", "LinkNetNsID", "Vlan",    "VNI",
        "BondMode",    "BondSlave",   "IPV4",        "IPV6",    "RoutingTables",
        "Neighbors",   "FDB",         "TID",         "Metric",  "LastUpdateMetric",
        "BusInfo",     "Features",    "Speed"};
    const Object& old = current.metadata.asObject();
    Object& out = fresh.mutableObject();
    for (const auto& [key, value] : old) {
        bool owned = false;
        for (auto k : kOwned) owned = owned || key.view() == k;
        if (!owned) out.set(key.view(), value);
    }
    if (old.find("UUID") != nullptr) {
        for (std::string_view k : {"Type", "Driver"}) {
            if (const Value* v = old.find(k)) out.set(k, *v);
        }
    }
    return fresh;
}

void NetlinkTopology::relink(std::int32_t index) {
    Intf& intf = links_.at(index);
    auto lock = graph_.lock();
    std::string master_edge;
    if (auto m = links_.find(intf.link.master); intf.link.master != 0 && m != links_.end()) {
        master_edge = graph_.link(m->second.node_id, intf.node_id, "layer2");
    }
    if (!intf.master_edge.empty() && intf.master_edge != master_edge) {
        graph_.deleteEdge(intf.master_edge);
    }
    intf.master_edge = master_edge;

    std::string vlan_edge;
    auto parent = links_.find(intf.link.link);
    if (intf.link.kind == "vlan" && !intf.link.link_netnsid && parent != links_.end() &&
        intf.link.link != index) {
        vlan_edge = graph_.link(parent->second.node_id, intf.node_id, "layer2",
                                Value(Object{{"Type", "vlan"}}));
    }
    if (!intf.vlan_edge.empty() && intf.vlan_edge != vlan_edge) graph_.deleteEdge(intf.vlan_edge);
    intf.vlan_edge = vlan_edge;
}

// Veth peers: in the same namespace through our own table; across namespaces through the graph
// (a veth whose IfIndex is our peer index and whose PeerIfIndex is ours, owned by the root of
// the namespace our LinkNetNsID names, and not paired yet). Indices repeat across namespaces
// (every fresh one numbers its first veth alike), so without a resolved namespace only a unique
// candidate is taken. Whichever end is published second creates the edge; the ID is
// deterministic.
void NetlinkTopology::linkVeth(Intf& intf) {
    const LinkInfo& l = intf.link;
    bool is_veth = l.kind == "veth" || intf.driver == "veth";
    if (!is_veth || l.link == 0) return;
    std::string peer_id;
    std::int32_t peer_index = l.link;
    if (auto p = links_.find(l.link);
        !l.link_netnsid && p != links_.end() && p->second.link.link == l.index) {
        peer_id = p->second.node_id;
    } else {
        // The peer lives in another namespace. An ID that names no known namespace yet: no
        // guess (the other end links when it comes, its side knows ours).
        std::optional<std::string> root;
        if (l.link_netnsid && peer_namespace_.root) {
            root = peer_namespace_.root(*l.link_netnsid);
            if (!root) return;
        }
        std::size_t candidates = 0;
        for (const auto& n : graph_.nodesWhere("PeerIfIndex", Value(l.index))) {
            const Object& md = n.metadata.asObject();
            const Value* idx = md.find("IfIndex");
            const Value* type = md.find("Type");
            if (idx == nullptr || *idx != Value(l.link) || type == nullptr ||
                *type != Value("veth")) {
                continue;
            }
            const std::optional<std::string> owner = graph_.owner(n.id.view());
            if (owner == root_id_ || (root && owner != root) || pairedElsewhere(n.id.view(), intf))
                continue;
            peer_id = n.id.str();
            ++candidates;
        }
        if (candidates != 1) return;  // not published yet, or ambiguous
    }
    bool self_parent = l.index > peer_index || (l.index == peer_index && intf.node_id > peer_id);
    const std::string& parent = self_parent ? intf.node_id : peer_id;
    const std::string& child = self_parent ? peer_id : intf.node_id;
    graph_.link(parent, child, "layer2", Value(Object{{"Type", "veth"}}));
}

// Whether veth `id` already has its (one) peer, another end than `intf`.
bool NetlinkTopology::pairedElsewhere(std::string_view id, const Intf& intf) const {
    auto veth = [&](const Edge& e, const model::Str& other) {
        const Value* type = e.metadata.asObject().find("Type");
        return type != nullptr && *type == Value("veth") && other.view() != intf.node_id;
    };
    for (const auto& e : graph_.outEdges(id))
        if (veth(e, e.child)) return true;
    for (const auto& e : graph_.inEdges(id))
        if (veth(e, e.parent)) return true;
    return false;
}

void NetlinkTopology::clear() {
    for (auto& [index, intf] : links_) graph_.deleteNode(intf.node_id);
    links_.clear();
    addrs_.clear();
    routes_.clear();
    neighs_.clear();
}

void NetlinkTopology::beginResync() {
    resyncing_ = true;
    for (auto& [index, intf] : links_) intf.seen = false;
    addrs_.clear();
    routes_.clear();
    neighs_.clear();
}

void NetlinkTopology::endResync() {
    resyncing_ = false;
    std::vector<std::int32_t> gone;
    for (auto& [index, intf] : links_) {
        if (!intf.seen) gone.push_back(index);
    }
    for (auto index : gone) deleteLink(index);
    for (auto& [index, intf] : links_) publish(index);
}

}  // namespace skydive::agent
