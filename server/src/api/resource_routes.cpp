// The generic resource collections stored in the API table: capture, alert, noderule, edgerule
// (spec §4.2, §6.1). Each kind has a validator that fills defaults and a writer that emits the
// fields in upstream's order with its omission rules.
#include <functional>

#include <pcap/pcap.h>

#include <skydive/gremlin/query_result.h>
#include <skydive/ingest/uuid.h>
#include <skydive/model/json.h>

#include "api/context.h"
#include "api/error_status.h"
#include "rfc3339.h"

namespace skydive::server {

namespace {

using model::JsonWriter;
using model::Object;
using model::Value;

struct Kind {
    std::string name;   ///< capture
    std::string title;  ///< Capture
    std::function<std::optional<std::string>(ApiContext&, Object&)> validate;
    std::function<void(JsonWriter&, const Object&)> write;
};

std::string_view str(const Object& o, std::string_view key) {
    const Value* v = o.find(key);
    return v != nullptr && v->isString() ? v->asString() : std::string_view();
}

std::int64_t integer(const Object& o, std::string_view key) {
    const Value* v = o.find(key);
    return v != nullptr && v->isInt() ? v->asInt() : 0;
}

bool boolean(const Object& o, std::string_view key) {
    const Value* v = o.find(key);
    return v != nullptr && v->isBool() && v->asBool();
}

void optString(JsonWriter& w, const Object& o, std::string_view key) {
    if (auto s = str(o, key); !s.empty()) w.key(key).string(s);
}

void optInt(JsonWriter& w, const Object& o, std::string_view key) {
    if (auto i = integer(o, key); i != 0) w.key(key).integer(i);
}

std::optional<std::string> gremlinError(ApiContext& ctx, std::string_view query) {
    auto plan = ctx.engine->prepare(query);
    if (!plan.ok()) return "Not a valid Gremlin expression: " + plan.error().message;
    return std::nullopt;
}

std::optional<std::string> bpfError(std::string_view filter) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 4096);
    if (dead == nullptr) return "cannot validate BPF filter";
    bpf_program prog{};
    std::optional<std::string> err;
    if (pcap_compile(dead, &prog, std::string(filter).c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        err = "BPF filter is not valid: " + std::string(pcap_geterr(dead));
    } else {
        pcap_freecode(&prog);
    }
    pcap_close(dead);
    return err;
}

Kind captureKind() {
    static const std::vector<std::string> kTypes = {"afpacket", "pcap",       "pcapsocket",
                                                    "sflow",    "ebpf",       "ovsmirror",
                                                    "ovssflow", "ovsnetflow", "dpdk"};
    Kind k{"capture", "Capture", nullptr, nullptr};
    k.validate = [](ApiContext& ctx, Object& o) -> std::optional<std::string> {
        if (auto e = gremlinError(ctx, str(o, "GremlinQuery"))) return e;
        std::string_view type = str(o, "Type");
        if (!type.empty() && std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
            return "Not a valid capture type: " + std::string(type);
        if (auto bpf = str(o, "BPFFilter"); !bpf.empty()) {
            if (auto e = bpfError(bpf)) return e;
        }
        if (auto lkm = str(o, "LayerKeyMode"); lkm.empty()) {
            o.set("LayerKeyMode", Value("L2"));
        } else if (lkm != "L2" && lkm != "L3") {
            return std::string("Not a valid layer key mode");
        }
        auto hs = integer(o, "HeaderSize");
        if (hs != 0 && (hs < 14 || hs > 4096))
            return std::string("A valid header size is >= 14 && <= 4096");
        auto rpl = integer(o, "RawPacketLimit");
        if (rpl < 0 || rpl > 10)
            return std::string("A valid raw packet limit size is > 0 && <= 10");
        return std::nullopt;
    };
    k.write = [](JsonWriter& w, const Object& o) {
        w.beginObject();
        w.key("UUID").string(str(o, "UUID"));
        optString(w, o, "GremlinQuery");
        optString(w, o, "BPFFilter");
        optString(w, o, "Name");
        optString(w, o, "Description");
        optString(w, o, "Type");
        w.key("Count").integer(integer(o, "Count"));
        optInt(w, o, "Port");
        w.key("SamplingRate").integer(integer(o, "SamplingRate"));
        w.key("PollingInterval").integer(integer(o, "PollingInterval"));
        optInt(w, o, "RawPacketLimit");
        optInt(w, o, "HeaderSize");
        w.key("ExtraTCPMetric").boolean(boolean(o, "ExtraTCPMetric"));
        w.key("IPDefrag").boolean(boolean(o, "IPDefrag"));
        w.key("ReassembleTCP").boolean(boolean(o, "ReassembleTCP"));
        optString(w, o, "LayerKeyMode");
        optInt(w, o, "ExtraLayers");
        optString(w, o, "Target");
        optString(w, o, "TargetType");
        w.endObject();
    };
    return k;
}

Kind alertKind() {
    Kind k{"alert", "Alert", nullptr, nullptr};
    k.validate = [](ApiContext& ctx, Object& o) -> std::optional<std::string> {
        if (str(o, "Expression").empty()) return std::string("Expression: zero value");
        std::string_view trigger = str(o, "Trigger");
        if (!trigger.empty() && trigger != "graph" &&
            !(trigger.starts_with("duration:") && trigger.size() > 9))
            return "Trigger: " + std::string(trigger) + " does not validate";
        if (str(o, "CreateTime").empty())
            o.set("CreateTime", Value(rfc3339Millis(ctx.clock->now())));
        return std::nullopt;
    };
    k.write = [](JsonWriter& w, const Object& o) {
        w.beginObject();
        w.key("UUID").string(str(o, "UUID"));
        for (const char* f : {"Name", "Description", "Expression", "Action", "Trigger"})
            optString(w, o, f);
        w.key("CreateTime").string(str(o, "CreateTime"));
        w.endObject();
    };
    return k;
}

void writeMetadata(JsonWriter& w, const Object& o) {
    const Value* md = o.find("Metadata");
    w.key("Metadata");
    if (md != nullptr && md->isObject()) {
        w.value(*md);
    } else {
        w.beginObject().endObject();
    }
}

Kind nodeRuleKind() {
    Kind k{"noderule", "Noderule", nullptr, nullptr};
    k.validate = [](ApiContext& ctx, Object& o) -> std::optional<std::string> {
        std::string_view action = str(o, "Action");
        if (action != "create" && action != "update")
            return std::string("Action: must be create or update");
        if (auto q = str(o, "Query"); !q.empty()) {
            if (auto e = gremlinError(ctx, q)) return e;
        }
        const Value* md = o.find("Metadata");
        const Object empty;
        const Object& m = md != nullptr && md->isObject() ? md->asObject() : empty;
        if (action == "create" && (str(m, "Name").empty() || str(m, "Type").empty()))
            return std::string("invalid node metadata: Name and Type are required");
        if (action == "update" && (m.find("Name") != nullptr || m.find("Type") != nullptr))
            return std::string("Name and Type fields can not be changed");
        return std::nullopt;
    };
    k.write = [](JsonWriter& w, const Object& o) {
        w.beginObject();
        w.key("UUID").string(str(o, "UUID"));
        w.key("Name").string(str(o, "Name"));
        w.key("Description").string(str(o, "Description"));
        writeMetadata(w, o);
        w.key("Action").string(str(o, "Action"));
        w.key("Query").string(str(o, "Query"));
        w.endObject();
    };
    return k;
}

Kind edgeRuleKind() {
    Kind k{"edgerule", "Edgerule", nullptr, nullptr};
    k.validate = [](ApiContext& ctx, Object& o) -> std::optional<std::string> {
        if (auto e = gremlinError(ctx, str(o, "Src"))) return "Src: " + *e;
        if (auto e = gremlinError(ctx, str(o, "Dst"))) return "Dst: " + *e;
        const Value* md = o.find("Metadata");
        if (md == nullptr || !md->isObject() || str(md->asObject(), "RelationType").empty())
            return std::string("Metadata.RelationType: String length must be >= 1");
        return std::nullopt;
    };
    k.write = [](JsonWriter& w, const Object& o) {
        w.beginObject();
        w.key("UUID").string(str(o, "UUID"));
        w.key("Name").string(str(o, "Name"));
        w.key("Description").string(str(o, "Description"));
        w.key("Src").string(str(o, "Src"));
        w.key("Dst").string(str(o, "Dst"));
        writeMetadata(w, o);
        w.endObject();
    };
    return k;
}

/// Capture `Count`: active entries in the Captures lists of the nodes its query returns (all
/// captures' entries, as upstream counts them).
std::int64_t activeCaptures(ApiContext& ctx, std::string_view query) {
    auto r = ctx.engine->run(query, *ctx.source);
    if (!r.ok() || r->kind != gremlin::ResultKind::Nodes) return 0;
    std::int64_t n = 0;
    for (const model::NodeHandle node : r->nodes) {
        auto caps = node.field("Captures").toOptional();
        if (!caps || !caps->isList()) continue;
        for (const Value& c : caps->asList()) {
            if (c.isObject() && str(c.asObject(), "State") == "active") ++n;
        }
    }
    return n;
}

/// Node IDs a rule query selects (empty on a non-node result).
std::vector<model::Node> selectNodes(ApiContext& ctx, std::string_view query) {
    std::vector<model::Node> out;
    auto r = ctx.engine->run(query, *ctx.source);
    if (!r.ok() || r->kind != gremlin::ResultKind::Nodes) return out;
    for (const model::NodeHandle n : r->nodes) out.push_back(n.toNode());
    return out;
}

/// Applies a node or edge rule: `create` adds a node (ID = rule UUID), `update` merges the
/// rule's Metadata into every node its Query selects, an edge rule links every Src node to every
/// Dst node (edge ID = `<rule UUID>-<parent>-<child>`). Elements made by a rule carry Origin
/// `rule.<UUID>` so that deleting the rule removes them. Idempotent for update and edge rules
/// (what is already there is not written again), so it is re-run on graph changes.
void applyRule(ApiContext& ctx, const std::string& kind, const Object& rule) {
    std::string id(str(rule, "UUID"));
    const Value* md = rule.find("Metadata");
    Value metadata = md != nullptr && md->isObject() ? *md : Value::object();
    model::GraphDelta delta;
    model::Time now = ctx.clock->now();
    if (kind == "noderule" && str(rule, "Action") == "create") {
        model::Node n;
        n.id = id;
        n.metadata = metadata;
        n.origin = "rule." + id;
        n.host = ctx.host_id;
        n.created_at = n.updated_at = now;
        delta.changes.push_back(model::Change{model::ChangeKind::NodeAdded, std::move(n)});
    } else if (kind == "noderule") {
        for (model::Node n : selectNodes(ctx, str(rule, "Query"))) {
            Value before = n.metadata;
            for (const auto& [k, v] : metadata.asObject()) n.metadata.mutableObject().set(k, v);
            if (n.metadata == before) continue;
            ++n.revision;
            n.updated_at = now;
            delta.changes.push_back(model::Change{model::ChangeKind::NodeUpdated, std::move(n)});
        }
    } else if (kind == "edgerule") {
        auto dsts = selectNodes(ctx, str(rule, "Dst"));
        auto view = ctx.graph->snapshot();
        for (const auto& src : selectNodes(ctx, str(rule, "Src"))) {
            for (const auto& dst : dsts) {
                std::string edge_id = id + "-" + src.id.str() + "-" + dst.id.str();
                bool exists = false;
                view->findEdge(edge_id, [&exists](const model::Edge&) { return !(exists = true); });
                if (exists) continue;  // made by an earlier pass
                model::Edge e;
                e.id = edge_id;
                e.parent = src.id;
                e.child = dst.id;
                e.metadata = metadata;
                e.origin = "rule." + id;
                e.host = ctx.host_id;
                e.created_at = e.updated_at = now;
                delta.changes.push_back(model::Change{model::ChangeKind::EdgeAdded, std::move(e)});
            }
        }
    }
    if (!delta.empty()) (void)ctx.backend->apply(delta);
}

/// Removes what a rule created (elements with Origin `rule.<UUID>`).
void unapplyRule(ApiContext& ctx, const std::string& id) {
    std::string origin = "rule." + id;
    model::GraphDelta delta;
    model::Time now = ctx.clock->now();
    auto view = ctx.graph->snapshot();
    view->forEachEdge([&](const model::Edge& e) {
        if (e.origin.view() == origin) {
            model::Edge d = e;
            d.deleted_at = now;
            delta.changes.push_back(model::Change{model::ChangeKind::EdgeDeleted, std::move(d)});
        }
        return true;
    });
    view->forEachNode([&](model::NodeHandle n) {
        if (n.origin() == origin) {
            model::Node d = n.toNode();  // a node the rule made, copied into the delta
            d.deleted_at = now;
            delta.changes.push_back(model::Change{model::ChangeKind::NodeDeleted, std::move(d)});
        }
        return true;
    });
    if (!delta.empty()) (void)ctx.backend->apply(delta);
}

std::string render(ApiContext& ctx, const Kind& kind, Value v) {
    if (kind.name == "capture") {
        v.mutableObject().set("Count",
                              Value(activeCaptures(ctx, str(v.asObject(), "GremlinQuery"))));
    }
    JsonWriter w;
    kind.write(w, v.asObject());
    return std::move(w).str();
}

HttpResponse create(ApiContext& ctx, const Kind& kind, const HttpRequest& req) {
    auto doc = model::parseJson(req.body);
    if (!doc.ok()) return errorResponse(400, doc.error().message);
    if (!doc->isObject()) return errorResponse(400, "body must be a JSON object");
    Object& o = doc->mutableObject();
    if (auto err = kind.validate(ctx, o)) return errorResponse(400, *err);
    if (kind.name == "capture") {
        auto existing = ctx.backend->listApiObjects(kind.name);
        if (!existing.ok()) return errorResponse(existing.error());
        std::string_view type = str(o, "Type");
        bool multi = type.empty() || type == "afpacket" || type == "pcap";
        for (const auto& [id, other] : *existing) {
            const Object& c = other.asObject();
            if (str(c, "GremlinQuery") == str(o, "GremlinQuery") && str(c, "Type") == type &&
                !(multi && str(c, "BPFFilter") != str(o, "BPFFilter")))
                return errorResponse(409, "duplicated resource");
        }
    }
    std::string id = ingest::newUuid4();  // client-supplied IDs are overwritten (spec §4.2)
    o.set("UUID", Value(id));
    o.erase("Count");
    if (auto st = ctx.backend->putApiObject(kind.name, id, *doc); !st.ok())
        return errorResponse(st.error());
    if (kind.name == "noderule" || kind.name == "edgerule") applyRule(ctx, kind.name, o);
    return HttpResponse::json(201, render(ctx, kind, *doc));
}

void registerKind(ApiContext& ctx, Kind kind) {
    auto k = std::make_shared<Kind>(std::move(kind));
    std::string base = "/api/" + k->name;
    Router& r = ctx.router;
    r.add("GET", base, {k->name, Action::Read, false}, [&ctx, k](RequestContext&) {
        auto all = ctx.backend->listApiObjects(k->name);
        if (!all.ok()) return errorResponse(all.error());
        JsonWriter w;
        w.beginObject();
        for (auto& [id, v] : *all) w.key(id).raw(render(ctx, *k, v));
        w.endObject();
        return HttpResponse::json(200, std::move(w).str());
    });
    r.add("GET", base + "/{id}", {k->name, Action::Read, true}, [&ctx, k](RequestContext& rc) {
        auto v = ctx.backend->getApiObject(k->name, rc.params[0]);
        if (!v.ok()) {
            if (v.error().code != model::ErrorCode::NotFound) return errorResponse(v.error());
            return errorResponse(404, k->title + " '" + rc.params[0] + "' not found");
        }
        return HttpResponse::json(200, render(ctx, *k, *v));
    });
    r.add("POST", base, {k->name, Action::Write, true},
          [&ctx, k](RequestContext& rc) { return create(ctx, *k, rc.request); });
    r.add("DELETE", base + "/{id}", {k->name, Action::Write, true}, [&ctx, k](RequestContext& rc) {
        auto st = ctx.backend->deleteApiObject(k->name, rc.params[0]);
        if (st.ok() && (k->name == "noderule" || k->name == "edgerule"))
            unapplyRule(ctx, rc.params[0]);
        if (!st.ok()) {
            if (st.error().code != model::ErrorCode::NotFound) return errorResponse(st.error());
            return errorResponse(404, k->title + " '" + rc.params[0] + "' not found");
        }
        HttpResponse res = HttpResponse::empty(200);
        res.set("Content-Type", "text/plain");
        return res;
    });
    r.add("PATCH", base + "/{id}", {k->name, Action::Write, false}, [&ctx, k](RequestContext& rc) {
        if (!ctx.backend->getApiObject(k->name, rc.params[0]).ok()) return HttpResponse::empty(404);
        return errorResponse(400, "updating resource with patched version: resource not updatable");
    });
}

}  // namespace

void reapplyRules(ApiContext& ctx) {
    for (const char* kind : {"noderule", "edgerule"}) {
        auto rules = ctx.backend->listApiObjects(kind);
        if (!rules.ok()) continue;
        for (const auto& [id, rule] : *rules) {
            if (!rule.isObject()) continue;
            const Object& o = rule.asObject();
            if (std::string_view(kind) == "noderule" && str(o, "Action") == "create") continue;
            applyRule(ctx, kind, o);
        }
    }
}

void registerResourceRoutes(ApiContext& ctx) {
    registerKind(ctx, captureKind());
    registerKind(ctx, alertKind());
    registerKind(ctx, nodeRuleKind());
    registerKind(ctx, edgeRuleKind());
}

}  // namespace skydive::server
