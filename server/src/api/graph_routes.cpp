// The node and edge collections of spec §4.2 and GET /api/topology, on the live graph.
#include <skydive/model/json.h>

#include "api/context.h"
#include "api/error_status.h"
#include "api/json_patch.h"

namespace skydive::server {

namespace {

using model::Object;
using model::Value;

std::string_view stringField(const Value& metadata, std::string_view key) {
    if (!metadata.isObject()) return {};
    const Value* v = metadata.asObject().find(key);
    return v != nullptr && v->isString() ? v->asString() : std::string_view();
}

/// The JSON-schema checks of statics/schemas/node.schema (spec §4.2).
std::optional<std::string> nodeSchemaError(const Value& doc) {
    const Value* md = doc.asObject().find("Metadata");
    if (md == nullptr || !md->isObject()) return "Metadata is required";
    std::string_view type = stringField(*md, "Type");
    if (stringField(*md, "Name").empty()) return "Metadata.Name: String length must be >= 1";
    if (type == "netns") {
        if (stringField(*md, "Path").empty()) return "Metadata.Path is required";
    } else if (type == "ovsport") {
        if (stringField(*md, "UUID").empty()) return "Metadata.UUID is required";
    } else if (type.empty()) {
        return "Metadata.Type: String length must be >= 1";
    }
    return std::nullopt;
}

std::optional<std::string> edgeSchemaError(const Value& doc) {
    const Object& o = doc.asObject();
    for (const char* key : {"Parent", "Child"}) {
        const Value* v = o.find(key);
        if (v == nullptr || !v->isString() || v->asString().empty())
            return std::string(key) + ": String length must be >= 1";
    }
    const Value* md = o.find("Metadata");
    if (md == nullptr || !md->isObject()) return "Metadata is required";
    if (stringField(*md, "RelationType").empty())
        return "Metadata.RelationType: String length must be >= 1";
    return std::nullopt;
}

/// Parses a REST body into an element document, applying the defaults of spec §4.2: UpdatedAt
/// defaults to CreatedAt, Origin to `api.<host_id>`.
model::Result<Value> parseElementBody(const ApiContext& ctx, std::string_view body) {
    auto doc = model::parseJson(body);
    if (!doc.ok()) return doc.error();
    if (!doc->isObject())
        return model::makeError(model::ErrorCode::InvalidArgument, "body must be a JSON object");
    Object& o = doc->mutableObject();
    const Value* id = o.find("ID");
    if (id == nullptr || !id->isString() || id->asString().empty())
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "ID: String length must be >= 1");
    const Value* created = o.find("CreatedAt");
    const Value* updated = o.find("UpdatedAt");
    if (created != nullptr && created->isInt() && (updated == nullptr || updated->isNull()))
        o.set("UpdatedAt", *created);
    const Value* origin = o.find("Origin");
    if (origin == nullptr || !origin->isString() || origin->asString().empty())
        o.set("Origin", Value("api." + ctx.host_id));
    return doc;
}

template <class Element>
std::string listingJson(const graph::GraphView& view) {
    model::JsonWriter w;
    w.beginObject();
    if constexpr (std::is_same_v<Element, model::Node>) {
        view.forEachNode([&w](model::NodeHandle n) {
            w.key(n.id());
            model::writeNode(w, n);
            return true;
        });
    } else {
        view.forEachEdge([&w](const model::Edge& e) {
            w.key(e.id.view());
            model::writeEdge(w, e);
            return true;
        });
    }
    w.endObject();
    return std::move(w).str();
}

HttpResponse notFound(std::string_view title, std::string_view id) {
    return errorResponse(404, std::string(title) + " '" + std::string(id) + "' not found");
}

template <class Element>
HttpResponse getOne(ApiContext& ctx, std::string_view title, const std::string& id) {
    if (id.empty()) return errorResponse(400, "Bad Request");
    auto view = ctx.graph->snapshot();
    std::optional<std::string> json;
    auto found = [&json](const auto& e) {  // a NodeHandle or an Edge
        json = model::toJson(e);
        return false;
    };
    if constexpr (std::is_same_v<Element, model::Node>) {
        view->findNode(id, found);
    } else {
        view->findEdge(id, found);
    }
    if (!json) return notFound(title, id);
    return HttpResponse::json(200, std::move(*json));
}

HttpResponse createNode(ApiContext& ctx, const HttpRequest& req) {
    auto doc = parseElementBody(ctx, req.body);
    if (!doc.ok()) return errorResponse(400, doc.error().message);
    if (auto err = nodeSchemaError(*doc)) return errorResponse(400, *err);
    auto node = model::nodeFromValue(*doc, ctx.clock->now());
    if (!node.ok()) return errorResponse(400, node.error().message);
    std::string id = node->id.str();
    if (auto st = ctx.backend->addNode(std::move(node).value()); !st.ok())
        return errorResponse(400, st.error().message);
    return [&] {
        auto r = getOne<model::Node>(ctx, "Node", id);
        r.status = 201;
        return r;
    }();
}

HttpResponse createEdge(ApiContext& ctx, const HttpRequest& req) {
    auto doc = parseElementBody(ctx, req.body);
    if (!doc.ok()) return errorResponse(400, doc.error().message);
    if (auto err = edgeSchemaError(*doc)) return errorResponse(400, *err);
    auto edge = model::edgeFromValue(*doc, ctx.clock->now());
    if (!edge.ok()) return errorResponse(400, edge.error().message);
    std::string id = edge->id.str();
    if (auto st = ctx.backend->addEdge(std::move(edge).value()); !st.ok())
        return errorResponse(400, st.error().message);
    auto r = getOne<model::Edge>(ctx, "Edge", id);
    r.status = 201;
    return r;
}

/// PATCH: a JSON Patch on the element's JSON of which only Metadata is kept; on nodes TID, Name
/// and Type keep their current values; 304 when the metadata did not change (spec §4.2).
template <class Element>
HttpResponse patchElement(ApiContext& ctx, std::string_view title, const std::string& id,
                          std::string_view body) {
    std::optional<Element> current;
    if constexpr (std::is_same_v<Element, model::Node>) {
        ctx.graph->snapshot()->findNode(id, [&current](model::NodeHandle n) {
            current = n.toNode();  // one element, copied to be patched
            return false;
        });
    } else {
        ctx.graph->snapshot()->findEdge(id, [&current](const model::Edge& e) {
            current = e;
            return false;
        });
    }
    if (!current) return HttpResponse::empty(404);
    auto patch = model::parseJson(body);
    if (!patch.ok()) return errorResponse(400, "incorrect JSON patch: " + patch.error().message);
    auto doc = model::parseJson(model::toJson(*current));
    if (!doc.ok()) return errorResponse(doc.error());
    if (auto st = applyJsonPatch(*doc, *patch); !st.ok()) return errorResponse(st.error());
    const Value* md = doc->asObject().find("Metadata");
    if (md == nullptr || !md->isObject())
        return errorResponse(400, "validating patched resource: Metadata must be an object");
    Element updated = *current;
    updated.metadata = *md;
    if constexpr (std::is_same_v<Element, model::Node>) {
        for (const char* key : {"TID", "Name", "Type"}) {
            Object& m = updated.metadata.mutableObject();
            if (const Value* old = current->metadata.asObject().find(key)) {
                m.set(key, *old);
            } else {
                m.erase(key);
            }
        }
    }
    if (updated.metadata == current->metadata) return HttpResponse::empty(304);
    updated.revision = current->revision + 1;
    updated.updated_at = ctx.clock->now();
    model::GraphDelta delta;
    delta.changes.push_back(model::Change{std::is_same_v<Element, model::Node>
                                              ? model::ChangeKind::NodeUpdated
                                              : model::ChangeKind::EdgeUpdated,
                                          updated});
    if (auto st = ctx.backend->apply(delta); !st.ok())
        return errorResponse(400, st.error().message);
    return getOne<Element>(ctx, title, id);
}

HttpResponse deleted() {
    HttpResponse r = HttpResponse::empty(200);
    r.set("Content-Type", "text/plain");
    return r;
}

}  // namespace

void registerGraphRoutes(ApiContext& ctx) {
    Router& r = ctx.router;
    r.add("GET", "/api/topology", {"topology", Action::Read, false}, [&ctx](RequestContext&) {
        model::JsonWriter w;
        auto view = ctx.graph->snapshot();
        model::Graph g = graph::materialize(*view);
        model::writeGraph(w, g);
        return HttpResponse::json(200, std::move(w).str());
    });
    r.add("GET", "/api/node", {"node", Action::Read, false}, [&ctx](RequestContext&) {
        return HttpResponse::json(200, listingJson<model::Node>(*ctx.graph->snapshot()));
    });
    r.add("GET", "/api/edge", {"edge", Action::Read, false}, [&ctx](RequestContext&) {
        return HttpResponse::json(200, listingJson<model::Edge>(*ctx.graph->snapshot()));
    });
    r.add("GET", "/api/node/{id}", {"node", Action::Read, true},
          [&ctx](RequestContext& rc) { return getOne<model::Node>(ctx, "Node", rc.params[0]); });
    r.add("GET", "/api/edge/{id}", {"edge", Action::Read, true},
          [&ctx](RequestContext& rc) { return getOne<model::Edge>(ctx, "Edge", rc.params[0]); });
    r.add("POST", "/api/node", {"node", Action::Write, true},
          [&ctx](RequestContext& rc) { return createNode(ctx, rc.request); });
    r.add("POST", "/api/edge", {"edge", Action::Write, true},
          [&ctx](RequestContext& rc) { return createEdge(ctx, rc.request); });
    r.add("PATCH", "/api/node/{id}", {"node", Action::Write, false}, [&ctx](RequestContext& rc) {
        return patchElement<model::Node>(ctx, "Node", rc.params[0], rc.request.body);
    });
    r.add("PATCH", "/api/edge/{id}", {"edge", Action::Write, false}, [&ctx](RequestContext& rc) {
        return patchElement<model::Edge>(ctx, "Edge", rc.params[0], rc.request.body);
    });
    r.add("DELETE", "/api/node/{id}", {"node", Action::Write, true}, [&ctx](RequestContext& rc) {
        const std::string& id = rc.params[0];
        bool exists = false;
        ctx.graph->snapshot()->findNode(id, [&exists](model::NodeHandle) {
            exists = true;
            return false;
        });
        if (!exists) return notFound("Node", id);
        if (auto st = ctx.backend->deleteNode(id); !st.ok()) return errorResponse(st.error());
        return deleted();
    });
    r.add("DELETE", "/api/edge/{id}", {"edge", Action::Write, true}, [&ctx](RequestContext& rc) {
        const std::string& id = rc.params[0];
        bool exists = false;
        ctx.graph->snapshot()->findEdge(id, [&exists](const model::Edge&) {
            exists = true;
            return false;
        });
        if (!exists) return notFound("Edge", id);
        if (auto st = ctx.backend->deleteEdge(id); !st.ok()) return errorResponse(st.error());
        return deleted();
    });
}

}  // namespace skydive::server
