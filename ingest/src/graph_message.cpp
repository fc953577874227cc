// Encoding side of the graph wire protocol (spec §5.1, §5.3).
#include <skydive/ingest/graph_message.h>
#include <skydive/ingest/uuid.h>

#include <skydive/model/json.h>

namespace skydive::ingest {

using model::JsonWriter;

std::string_view graphMessageTypeName(GraphMessageType type) {
    switch (type) {
        case GraphMessageType::SyncRequest: return "SyncRequest";
        case GraphMessageType::SyncReply: return "SyncReply";
        case GraphMessageType::Sync: return "Sync";
        case GraphMessageType::NodeAdded: return "NodeAdded";
        case GraphMessageType::NodeUpdated: return "NodeUpdated";
        case GraphMessageType::NodeDeleted: return "NodeDeleted";
        case GraphMessageType::EdgeAdded: return "EdgeAdded";
        case GraphMessageType::EdgeUpdated: return "EdgeUpdated";
        case GraphMessageType::EdgeDeleted: return "EdgeDeleted";
        case GraphMessageType::NodePartiallyUpdated: return "NodePartiallyUpdated";
        case GraphMessageType::EdgePartiallyUpdated: return "EdgePartiallyUpdated";
    }
    return "";
}

std::optional<GraphMessageType> graphMessageTypeFromName(std::string_view name) {
    for (auto t :
         {GraphMessageType::SyncRequest, GraphMessageType::SyncReply, GraphMessageType::Sync,
          GraphMessageType::NodeAdded, GraphMessageType::NodeUpdated, GraphMessageType::NodeDeleted,
          GraphMessageType::EdgeAdded, GraphMessageType::EdgeUpdated, GraphMessageType::EdgeDeleted,
          GraphMessageType::NodePartiallyUpdated, GraphMessageType::EdgePartiallyUpdated}) {
        if (graphMessageTypeName(t) == name) return t;
    }
    return std::nullopt;
}

std::string encodeEnvelope(std::string_view ns, std::string_view type, std::string_view uuid,
                           std::int64_t status, std::string_view obj_json) {
    JsonWriter w;
    w.beginObject();
    if (!ns.empty()) w.key("Namespace").string(ns);
    if (!type.empty()) w.key("Type").string(type);
    if (!uuid.empty()) w.key("UUID").string(uuid);
    if (status != 0) w.key("Status").integer(status);
    w.key("Obj");
    if (obj_json.empty()) {
        w.null();
    } else {
        w.raw(obj_json);
    }
    w.endObject();
    return std::move(w).str();
}

std::string encodeEnvelope(const Envelope& env) {
    return encodeEnvelope(env.ns, env.type, env.uuid, env.status, model::toJson(env.obj));
}

namespace {

void writeSyncRequest(JsonWriter& w, const SyncRequest& r) {
    w.beginObject();
    if (r.time != 0) w.key("Time").integer(r.time);
    w.key("GremlinFilter");
    if (r.gremlin_filter) {
        w.string(*r.gremlin_filter);
    } else {
        w.null();
    }
    w.endObject();
}

void writePartial(JsonWriter& w, const PartialUpdate& p) {
    w.beginObject();
    w.key("ID").string(p.id);
    w.key("UpdatedAt").integer(p.updated_at);
    w.key("Revision").integer(p.revision);
    w.key("Ops");
    if (p.ops_null) {
        w.null();
    } else {
        w.beginArray();
        for (const PartialOp& op : p.ops) {
            w.beginObject();
            w.key("Type").integer(static_cast<std::int64_t>(op.type));
            w.key("Key").string(op.key);
            if (op.type == PartialOpType::Set) w.key("Value").value(op.value);
            w.endObject();
        }
        w.endArray();
    }
    w.endObject();
}

void writePayload(JsonWriter& w, const GraphMessage::Payload& payload) {
    std::visit(
        [&w](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                w.null();
            } else if constexpr (std::is_same_v<T, SyncRequest>) {
                writeSyncRequest(w, p);
            } else if constexpr (std::is_same_v<T, model::Graph>) {
                model::writeGraph(w, p);
            } else if constexpr (std::is_same_v<T, model::Node>) {
                model::writeNode(w, p);
            } else if constexpr (std::is_same_v<T, model::Edge>) {
                model::writeEdge(w, p);
            } else if constexpr (std::is_same_v<T, PartialUpdate>) {
                writePartial(w, p);
            } else {
                w.string(p);
            }
        },
        payload);
}

}  // namespace

std::string encodeGraphMessage(const GraphMessage& msg) {
    JsonWriter w;
    w.beginObject();
    w.key("Namespace").string(kGraphNamespace);
    w.key("Type").string(graphMessageTypeName(msg.type));
    if (!msg.uuid.empty()) w.key("UUID").string(msg.uuid);
    if (msg.status != 0) w.key("Status").integer(msg.status);
    w.key("Obj");
    writePayload(w, msg.payload);
    w.endObject();
    return std::move(w).str();
}

GraphMessage messageForChange(const model::Change& change) {
    GraphMessage msg;
    switch (change.kind) {
        case model::ChangeKind::NodeAdded: msg.type = GraphMessageType::NodeAdded; break;
        case model::ChangeKind::NodeUpdated: msg.type = GraphMessageType::NodeUpdated; break;
        case model::ChangeKind::NodeDeleted: msg.type = GraphMessageType::NodeDeleted; break;
        case model::ChangeKind::EdgeAdded: msg.type = GraphMessageType::EdgeAdded; break;
        case model::ChangeKind::EdgeUpdated: msg.type = GraphMessageType::EdgeUpdated; break;
        case model::ChangeKind::EdgeDeleted: msg.type = GraphMessageType::EdgeDeleted; break;
    }
    msg.uuid = newUuid4();
    msg.status = 200;
    std::visit([&msg](const auto& e) { msg.payload = e; }, change.element);
    return msg;
}

namespace {

void diffInto(const model::Value& before, const model::Value& after, const std::string& prefix,
              std::vector<PartialOp>& ops) {
    const model::Object& b = before.asObject();
    const model::Object& a = after.asObject();
    for (const auto& [key, value] : a) {
        std::string path = prefix + std::string(key.view());
        const model::Value* old = b.find(key.view());
        if (old != nullptr && *old == value) continue;
        if (old != nullptr && old->isObject() && value.isObject() && !value.asObject().empty()) {
            diffInto(*old, value, path + ".", ops);
        } else {
            ops.push_back(PartialOp{PartialOpType::Set, std::move(path), value});
        }
    }
    for (const auto& [key, value] : b) {
        if (a.find(key.view()) == nullptr)
            ops.push_back(
                PartialOp{PartialOpType::Delete, prefix + std::string(key.view()), model::Value()});
    }
}

}  // namespace

std::vector<PartialOp> diffMetadata(const model::Value& before, const model::Value& after) {
    std::vector<PartialOp> ops;
    model::Value empty = model::Value::object();
    diffInto(before.isObject() ? before : empty, after.isObject() ? after : empty, "", ops);
    return ops;
}

GraphMessage partialMessageForUpdate(const model::Change& change, const model::Value& before) {
    GraphMessage msg;
    msg.uuid = newUuid4();
    msg.status = 200;
    PartialUpdate p;
    const model::Element& e = change.base();
    p.id = std::string(e.id.view());
    p.updated_at = e.updated_at;
    p.revision = e.revision;
    if (const auto* n = std::get_if<model::Node>(&change.element)) {
        msg.type = GraphMessageType::NodePartiallyUpdated;
        p.ops = diffMetadata(before, n->metadata);
    } else {
        msg.type = GraphMessageType::EdgePartiallyUpdated;
        p.ops_null = true;
    }
    msg.payload = std::move(p);
    return msg;
}

bool applyPartialOps(model::Value& metadata, const std::vector<PartialOp>& ops) {
    if (!metadata.isObject()) metadata = model::Value::object();
    for (const PartialOp& op : ops) {
        switch (op.type) {
            case PartialOpType::Set:
                if (!model::setPath(metadata, op.key, op.value)) return false;
                break;
            case PartialOpType::Delete: model::erasePath(metadata, op.key); break;
        }
    }
    return true;
}

}  // namespace skydive::ingest
