#include <skydive/agent/ids.h>
#include <skydive/agent/ovsdb_topology.h>
#include <skydive/model/json.h>

#include <spdlog/spdlog.h>

namespace skydive::agent {

using model::List;
using model::Object;
using model::Value;

namespace {

// OVSDB atoms (RFC 7047 §5.1): scalars, ["uuid", s] / ["named-uuid", s]; sets ["set", [...]]
// (a single atom stands for a one-element set); maps ["map", [[k, v], ...]].
Value atom(const Value& v) {
    if (v.isList() && v.asList().size() == 2 && v.asList()[0].isString() &&
        (v.asList()[0].asString() == "uuid" || v.asList()[0].asString() == "named-uuid")) {
        return v.asList()[1];
    }
    return v;
}

bool tagged(const Value& v, std::string_view tag) {
    return v.isList() && v.asList().size() == 2 && v.asList()[0].isString() &&
           v.asList()[0].asString() == tag && v.asList()[1].isList();
}

List ovsSet(const Value* v) {
    List out;
    if (v == nullptr) return out;
    if (tagged(*v, "set")) {
        for (const auto& a : v->asList()[1].asList()) out.push_back(atom(a));
    } else {
        out.push_back(atom(*v));
    }
    return out;
}

Value ovsMap(const Value* v) {
    Object out;
    if (v == nullptr || !tagged(*v, "map")) return Value(std::move(out));
    for (const auto& kv : v->asList()[1].asList()) {
        if (!kv.isList() || kv.asList().size() != 2 || !kv.asList()[0].isString()) continue;
        out.set(kv.asList()[0].asString(), atom(kv.asList()[1]));
    }
    return Value(std::move(out));
}

std::string str(const Object& row, std::string_view col) {
    const Value* v = row.find(col);
    return v != nullptr && v->isString() ? std::string(v->asString()) : std::string();
}

std::int64_t integer(const Object& row, std::string_view col) {
    List s = ovsSet(row.find(col));  // optional integers are 0/1-element sets
    return !s.empty() && s[0].isInt() ? s[0].asInt() : 0;
}

bool contains(const Object& row, std::string_view col, const std::string& uuid) {
    for (const auto& u : ovsSet(row.find(col))) {
        if (u.isString() && u.asString() == uuid) return true;
    }
    return false;
}

void setIfNotEmpty(Object& o, std::string_view key, Value v) {
    bool empty = (v.isObject() && v.asObject().empty()) || (v.isList() && v.asList().empty()) ||
                 (v.isString() && v.asString().empty());
    if (!empty) o.set(key, std::move(v));
}

constexpr std::string_view kOvsKeys[] = {"UUID", "OfPort", "ExtID", "Ovs"};

}  // namespace

OvsdbTopology::OvsdbTopology(TopologyGraph& graph, std::string host_node_id)
    : graph_(graph), host_(std::move(host_node_id)) {}

std::string OvsdbTopology::monitorRequest(std::string_view id) {
    model::JsonWriter w;
    auto columns = [&w](std::initializer_list<std::string_view> cols) {
        w.beginObject().key("columns").beginArray();
        for (auto c : cols) w.string(c);
        w.endArray().endObject();
    };
    w.beginObject().key("method").string("monitor").key("params").beginArray();
    w.string("Open_vSwitch").null().beginObject();
    w.key("Open_vSwitch");
    columns({"ovs_version", "db_version"});
    w.key("Bridge");
    columns({"name", "ports", "external_ids", "other_config", "protocols", "datapath_type"});
    w.key("Port");
    columns({"name", "interfaces", "tag", "trunks", "bond_mode", "lacp", "external_ids",
             "other_config"});
    w.key("Interface");
    columns({"name", "type", "ofport", "mac_in_use", "ifindex", "external_ids", "options",
             "other_config", "error", "status"});
    w.endObject().endArray().key("id").string(id).endObject();
    return std::move(w).str();
}

model::Status OvsdbTopology::apply(const Value& updates) {
    if (!updates.isObject()) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "ovsdb table-updates is not an object");
    }
    auto lock = graph_.lock();
    for (const auto& [table, rows] : updates.asObject()) {
        std::map<std::string, Row>* cache = nullptr;
        if (table == "Open_vSwitch") cache = &system_;
        if (table == "Bridge") cache = &bridges_;
        if (table == "Port") cache = &ports_;
        if (table == "Interface") cache = &interfaces_;
        if (cache == nullptr || !rows.isObject()) {
            ++skipped_;
            continue;
        }
        for (const auto& [uuid, update] : rows.asObject()) {
            const Value* next = update.isObject() ? update.asObject().find("new") : nullptr;
            if (next != nullptr && !next->isObject()) {
                ++skipped_;  // malformed row: keep what we had
                continue;
            }
            if (next != nullptr) {
                (*cache)[uuid.str()] = next->asObject();  // "new" carries every monitored column
                continue;
            }
            cache->erase(uuid.str());
            if (cache == &interfaces_) {
                releaseInterface(uuid.str());
            } else if (auto n = node_of_.find(uuid.str()); n != node_of_.end()) {
                graph_.deleteNode(n->second);
                own_nodes_.erase(n->second);
                node_of_.erase(n);
            }
        }
    }
    reconcile();
    return {};
}

void OvsdbTopology::releaseInterface(const std::string& uuid) {
    auto n = node_of_.find(uuid);
    if (n == node_of_.end()) return;
    if (own_nodes_.erase(n->second) != 0) {
        graph_.deleteNode(n->second);
    } else if (auto node = graph_.node(n->second)) {
        Value md = node->metadata;
        for (auto k : kOvsKeys) md.mutableObject().erase(k);
        graph_.setNodeMetadata(n->second, std::move(md));
    }
    node_of_.erase(n);
}

std::string OvsdbTopology::interfaceNode(const std::string& uuid, const Row& row) {
    if (auto n = node_of_.find(uuid); n != node_of_.end() && graph_.node(n->second)) {
        return n->second;
    }
    // Merge into the netlink probe's node: same Name, and same IfIndex when OVS knows it.
    std::string name = str(row, "name");
    std::int64_t ifindex = integer(row, "ifindex");
    for (const auto& n : graph_.nodesWhere("Name", Value(name))) {
        const Object& md = n.metadata.asObject();
        const Value* type = md.find("Type");
        if (type != nullptr && (*type == Value("ovsport") || *type == Value("ovsbridge"))) continue;
        const Value* uuid_md = md.find("UUID");
        if (uuid_md != nullptr && *uuid_md != Value(uuid)) continue;
        const Value* idx = md.find("IfIndex");
        if (ifindex > 0 && idx != nullptr && *idx != Value(ifindex)) continue;
        node_of_[uuid] = n.id.str();
        return n.id.str();
    }
    std::string id = randomId();
    graph_.addNode(id, Value(Object{{"Name", name}, {"UUID", uuid}}));
    own_nodes_.insert(id);
    node_of_[uuid] = id;
    return id;
}

void OvsdbTopology::reconcile() {
    std::set<std::string> edges;
    auto link = [&](const std::string& p, const std::string& c, std::string_view rel,
                    Value extra = Value::object()) {
        edges.insert(graph_.link(p, c, rel, std::move(extra)));
    };
    Object system_ovs;
    for (const auto& [uuid, row] : system_) {
        setIfNotEmpty(system_ovs, "Version", Value(str(row, "ovs_version")));
        setIfNotEmpty(system_ovs, "DBVersion", Value(str(row, "db_version")));
    }
    auto ensure = [&](const std::string& uuid, Value md) {
        auto it = node_of_.find(uuid);
        if (it == node_of_.end() || !graph_.node(it->second)) {
            std::string id = randomId();
            graph_.addNode(id, std::move(md));
            own_nodes_.insert(id);
            node_of_[uuid] = id;
            return id;
        }
        graph_.setNodeMetadata(it->second, std::move(md));
        return it->second;
    };
    for (const auto& [uuid, row] : bridges_) {
        Object ovs = system_ovs;
        setIfNotEmpty(ovs, "OtherConfig", ovsMap(row.find("other_config")));
        setIfNotEmpty(ovs, "Protocols", Value(ovsSet(row.find("protocols"))));
        Object md{{"Name", str(row, "name")}, {"Type", "ovsbridge"}, {"UUID", uuid}};
        setIfNotEmpty(md, "Ovs", Value(std::move(ovs)));
        setIfNotEmpty(md, "ExtID", ovsMap(row.find("external_ids")));
        link(host_, ensure(uuid, Value(std::move(md))), "ownership");
    }
    auto bridgeOf = [&](const std::string& port_uuid) -> std::string {
        for (const auto& [uuid, row] : bridges_) {
            if (contains(row, "ports", port_uuid)) return node_of_.at(uuid);
        }
        return {};
    };
    for (const auto& [uuid, row] : ports_) {
        Object md{{"Name", str(row, "name")}, {"Type", "ovsport"}, {"UUID", uuid}};
        List tags = ovsSet(row.find("tag"));
        List trunks = ovsSet(row.find("trunks"));
        if (!tags.empty()) md.set("Vlans", tags[0]);
        if (!trunks.empty()) md.set("Vlans", Value(std::move(trunks)));
        List bond = ovsSet(row.find("bond_mode"));
        if (!bond.empty()) md.set("BondMode", bond[0]);
        List lacp = ovsSet(row.find("lacp"));
        if (!lacp.empty()) md.set("LACP", lacp[0]);
        setIfNotEmpty(md, "ExtID", ovsMap(row.find("external_ids")));
        Value other = ovsMap(row.find("other_config"));
        if (!other.asObject().empty()) md.set("Ovs", Value(Object{{"OtherConfig", other}}));
        std::string id = ensure(uuid, Value(std::move(md)));
        if (std::string br = bridgeOf(uuid); !br.empty()) {
            link(br, id, "ownership");
            link(br, id, "layer2");
        }
    }
    std::map<std::string, std::string> node_by_name;
    for (const auto& [uuid, row] : interfaces_) {
        std::string id = interfaceNode(uuid, row);
        auto node = graph_.node(id);
        if (!node) continue;
        Value md = node->metadata;
        Object& o = md.mutableObject();
        std::string type = str(row, "type");
        Value status = ovsMap(row.find("status"));
        o.set("UUID", uuid);
        if (o.find("Driver") == nullptr) {
            const Value* drv = status.asObject().find("driver_name");
            o.set("Driver", drv != nullptr && drv->isString() ? *drv : Value("openvswitch"));
        }
        if (!type.empty()) o.set("Type", type);
        if (auto ofport = integer(row, "ofport"); ofport != 0) o.set("OfPort", ofport);
        if (auto ifindex = integer(row, "ifindex"); ifindex > 0) o.set("IfIndex", ifindex);
        List mac = ovsSet(row.find("mac_in_use"));
        if (type != "internal" && !mac.empty() && mac[0].isString()) o.set("MAC", mac[0]);
        setIfNotEmpty(o, "ExtID", ovsMap(row.find("external_ids")));
        Object ovs;
        setIfNotEmpty(ovs, "Options", ovsMap(row.find("options")));
        setIfNotEmpty(ovs, "OtherConfig", ovsMap(row.find("other_config")));
        List error = ovsSet(row.find("error"));
        if (!error.empty()) ovs.set("Error", error[0]);
        if (!ovs.empty()) o.set("Ovs", Value(std::move(ovs)));
        graph_.setNodeMetadata(id, std::move(md));
        node_by_name[str(row, "name")] = id;

        for (const auto& [port_uuid, port] : ports_) {
            if (!contains(port, "interfaces", uuid)) continue;
            link(node_of_.at(port_uuid), id, "layer2");
            std::string br = bridgeOf(port_uuid);
            const Value* drv = graph_.node(id)->metadata.asObject().find("Driver");
            bool ovs_driven = (drv != nullptr && *drv == Value("openvswitch")) ||
                              type == "internal" || type == "patch" || type == "dpdk" ||
                              type == "dpdkvhostuserclient";
            auto owner = graph_.owner(id);
            if (!br.empty() && ovs_driven && (!owner || *owner == br)) link(br, id, "ownership");
        }
    }
    for (const auto& [uuid, row] : interfaces_) {
        if (str(row, "type") != "patch") continue;
        Value options = ovsMap(row.find("options"));
        const Value* peer = options.asObject().find("peer");
        if (peer == nullptr || !peer->isString()) continue;
        auto self = node_by_name.find(str(row, "name"));
        auto other = node_by_name.find(std::string(peer->asString()));
        if (self == node_by_name.end() || other == node_by_name.end()) continue;
        if (self->first < other->first) {
            link(self->second, other->second, "layer2", Value(Object{{"Type", "patch"}}));
        }
    }
    for (const auto& e : edges_) {
        if (edges.count(e) == 0) graph_.deleteEdge(e);
    }
    edges_ = std::move(edges);
}

void OvsdbTopology::clear() {
    auto lock = graph_.lock();
    for (const auto& e : edges_) graph_.deleteEdge(e);
    edges_.clear();
    std::vector<std::string> ifaces;
    for (const auto& [uuid, row] : interfaces_) ifaces.push_back(uuid);
    for (const auto& uuid : ifaces) releaseInterface(uuid);
    for (const auto& id : own_nodes_) graph_.deleteNode(id);
    own_nodes_.clear();
    node_of_.clear();
    system_.clear();
    bridges_.clear();
    ports_.clear();
    interfaces_.clear();
}

}  // namespace skydive::agent
