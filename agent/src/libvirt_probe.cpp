// libvirt domains and their NICs into the graph, driven by libvirt's default event loop.
#include <skydive/agent/ids.h>
#include <skydive/agent/libvirt.h>
#include <skydive/agent/libvirt_probe.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace skydive::agent {

namespace {

constexpr int kRelinkMs = 1000;

std::once_flag g_event_impl;

std::string lastError() {
    const virError* e = virGetLastError();
    return e != nullptr && e->message != nullptr ? e->message : "unknown libvirt error";
}

// libvirt prints errors to stderr unless given a handler; they are logged by the caller.
void quietErrors(void*, virErrorPtr) {}

struct Domain {
    std::string node_id;
    std::vector<LibvirtInterface> interfaces;
};

}  // namespace

struct LibvirtProbe::Impl {
    TopologyGraph& graph;
    std::string host;
    std::string url;
    virConnectPtr conn = nullptr;
    int lifecycle_cb = -1;
    int relink_timer = -1;
    std::atomic<bool> stopping{false};
    std::thread thread;
    std::mutex mu;                          // domains, from the event thread and stop()
    std::map<std::string, Domain> domains;  // by domain UUID

    Impl(TopologyGraph& g, std::string h, std::string u)
        : graph(g), host(std::move(h)), url(std::move(u)) {}

    void refresh(virDomainPtr dom) {
        char uuid[VIR_UUID_STRING_BUFLEN] = {};
        if (virDomainGetUUIDString(dom, uuid) != 0) return;
        const char* name = virDomainGetName(dom);
        int state = 0, reason = 0;
        if (virDomainGetState(dom, &state, &reason, 0) != 0) state = 0;
        char* xml = virDomainGetXMLDesc(dom, 0);
        std::vector<LibvirtInterface> ifs;
        if (xml != nullptr) {
            ifs = parseDomainInterfaces(xml);
            std::free(xml);
        }
        std::lock_guard l(mu);
        auto lock = graph.lock();
        auto [it, added] = domains.try_emplace(uuid);
        model::Value md(model::Object{{"Name", name != nullptr ? name : uuid},
                                      {"Type", "libvirt"},
                                      {"State", libvirtStateName(state)}});
        if (added) {
            it->second.node_id = randomId();
            graph.addNode(it->second.node_id, md);
            graph.link(host, it->second.node_id, "ownership");
        } else {
            auto n = graph.node(it->second.node_id);
            model::Value merged = n ? n->metadata : model::Value::object();
            for (const auto& [k, v] : md.asObject()) merged.mutableObject().set(k.view(), v);
            graph.setNodeMetadata(it->second.node_id, std::move(merged));
        }
        it->second.interfaces = std::move(ifs);
        linkInterfaces(it->second, name != nullptr ? name : uuid);
    }

    // Host-owned interface nodes named after each NIC's target device get the Libvirt keys and
    // a vlayer2 edge to the domain.
    void linkInterfaces(const Domain& d, const std::string& domain_name) {
        for (const auto& i : d.interfaces) {
            if (i.target.empty()) continue;
            for (const auto& n : graph.nodesWhere("Name", model::Value(i.target))) {
                if (graph.owner(n.id.view()) != host) continue;
                model::Value lv(model::Object{{"MAC", i.mac},
                                              {"Domain", domain_name},
                                              {"BusType", i.bus_type},
                                              {"BusInfo", i.bus_info},
                                              {"Alias", i.alias}});
                model::Value md = n.metadata;
                md.mutableObject().set("Libvirt", std::move(lv));
                md.mutableObject().set("PeerIntfMAC", i.mac);
                std::string id(n.id.view());
                graph.setNodeMetadata(id, std::move(md));
                graph.link(id, d.node_id, "vlayer2");
            }
        }
    }

    void forget(const std::string& uuid) {
        std::lock_guard l(mu);
        auto it = domains.find(uuid);
        if (it == domains.end()) return;
        auto lock = graph.lock();
        for (const auto& e : graph.inEdges(it->second.node_id)) {
            auto n = graph.node(e.parent.view());
            if (!n || n->metadata.asObject().find("Libvirt") == nullptr) continue;
            model::Value md = n->metadata;
            md.mutableObject().erase("Libvirt");
            md.mutableObject().erase("PeerIntfMAC");
            graph.setNodeMetadata(std::string(n->id.view()), std::move(md));
        }
        graph.deleteNode(it->second.node_id);
        domains.erase(it);
    }

    void relinkAll() {
        std::lock_guard l(mu);
        auto lock = graph.lock();
        for (const auto& [uuid, d] : domains) {
            auto n = graph.node(d.node_id);
            if (!n) continue;
            const auto* name = n->metadata.asObject().find("Name");
            linkInterfaces(d, name != nullptr && name->isString() ? std::string(name->asString())
                                                                  : uuid);
        }
    }

    static int onLifecycle(virConnectPtr, virDomainPtr dom, int event, int, void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        char uuid[VIR_UUID_STRING_BUFLEN] = {};
        if (virDomainGetUUIDString(dom, uuid) != 0) return 0;
        if (event == VIR_DOMAIN_EVENT_UNDEFINED) {
            self->forget(uuid);
        } else if (event == VIR_DOMAIN_EVENT_STOPPED && virDomainIsPersistent(dom) != 1) {
            self->forget(uuid);  // a transient domain is gone (and unknown) once stopped
        } else {
            self->refresh(dom);
        }
        return 0;
    }

    static void onTimer(int, void* opaque) { static_cast<Impl*>(opaque)->relinkAll(); }
};

LibvirtProbe::LibvirtProbe(TopologyGraph& graph, std::string host_node_id, std::string url)
    : impl_(std::make_unique<Impl>(graph, std::move(host_node_id), std::move(url))) {}

LibvirtProbe::~LibvirtProbe() {
    stop();
}

model::Status LibvirtProbe::start() {
    Impl& d = *impl_;
    std::call_once(g_event_impl, [] {
        virSetErrorFunc(nullptr, quietErrors);
        virEventRegisterDefaultImpl();
    });
    d.conn = virConnectOpenReadOnly(d.url.empty() ? nullptr : d.url.c_str());
    if (d.conn == nullptr) {
        return model::makeError(model::ErrorCode::Unavailable,
                                "libvirt: cannot open " + d.url + ": " + lastError());
    }
    d.lifecycle_cb = virConnectDomainEventRegisterAny(
        d.conn, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(&Impl::onLifecycle), &d, nullptr);
    if (d.lifecycle_cb < 0) spdlog::warn("libvirt: no lifecycle events: {}", lastError());
    virDomainPtr* doms = nullptr;
    int count = virConnectListAllDomains(d.conn, &doms, 0);
    for (int i = 0; i < count; ++i) {
        d.refresh(doms[i]);
        virDomainFree(doms[i]);
    }
    std::free(doms);
    d.relink_timer = virEventAddTimeout(kRelinkMs, &Impl::onTimer, &d, nullptr);
    d.stopping = false;
    d.thread = std::thread([&d] {
        while (!d.stopping) {
            if (virEventRunDefaultImpl() < 0) spdlog::warn("libvirt: {}", lastError());
        }
    });
    return {};
}

void LibvirtProbe::stop() {
    Impl& d = *impl_;
    if (d.thread.joinable()) {
        d.stopping = true;
        // The timer fires within kRelinkMs and returns the loop iteration.
        d.thread.join();
    }
    if (d.relink_timer >= 0) virEventRemoveTimeout(d.relink_timer);
    d.relink_timer = -1;
    if (d.conn != nullptr) {
        if (d.lifecycle_cb >= 0) virConnectDomainEventDeregisterAny(d.conn, d.lifecycle_cb);
        virConnectClose(d.conn);
        d.conn = nullptr;
    }
    d.lifecycle_cb = -1;
    std::vector<std::string> uuids;
    {
        std::lock_guard l(d.mu);
        for (const auto& [uuid, dom] : d.domains) uuids.push_back(uuid);
    }
    for (const auto& u : uuids) d.forget(u);
}

}  // namespace skydive::agent
