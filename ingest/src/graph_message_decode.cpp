// Decoding side of the graph wire protocol (spec §5.1, §5.3). Input is untrusted (agents,
// external publishers): every shape error is an InvalidArgument, nothing throws.
#include <skydive/ingest/graph_message.h>

#include <skydive/model/json.h>

namespace skydive::ingest {

using model::ErrorCode;
using model::makeError;
using model::Object;
using model::Result;
using model::Value;

namespace {

model::Error invalid(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

Result<std::string> stringField(const Object& o, std::string_view key) {
    const Value* v = o.find(key);
    if (v == nullptr || v->isNull()) return std::string();
    if (!v->isString()) return invalid("envelope field " + std::string(key) + " must be a string");
    return std::string(v->asString());
}

Result<SyncRequest> decodeSyncRequest(const Value& obj) {
    SyncRequest r;
    if (obj.isNull()) return r;
    if (!obj.isObject()) return invalid("SyncRequest payload must be an object");
    const Object& o = obj.asObject();
    if (const Value* t = o.find("Time"); t != nullptr && !t->isNull()) {
        if (!t->isInt()) return invalid("SyncRequest Time must be an integer (ms)");
        r.time = t->asInt();
    }
    if (const Value* f = o.find("GremlinFilter"); f != nullptr && !f->isNull()) {
        if (!f->isString()) return invalid("SyncRequest GremlinFilter must be a string");
        r.gremlin_filter = std::string(f->asString());
    }
    return r;
}

Result<PartialOp> decodeOp(const Value& v) {
    if (!v.isObject()) return invalid("partial update op must be an object");
    const Object& o = v.asObject();
    const Value* type = o.find("Type");
    if (type == nullptr || !type->isInt() || (type->asInt() != 1 && type->asInt() != 2))
        return invalid("partial update op Type must be 1 (set) or 2 (delete)");
    const Value* key = o.find("Key");
    if (key == nullptr || !key->isString() || key->asString().empty())
        return invalid("partial update op Key must be a non-empty string");
    PartialOp op;
    op.type = type->asInt() == 1 ? PartialOpType::Set : PartialOpType::Delete;
    op.key = std::string(key->asString());
    if (op.type == PartialOpType::Set) {
        if (const Value* value = o.find("Value")) op.value = *value;
    }
    return op;
}

Result<PartialUpdate> decodePartial(const Value& obj) {
    if (!obj.isObject()) return invalid("partial update payload must be an object");
    const Object& o = obj.asObject();
    PartialUpdate p;
    const Value* id = o.find("ID");
    if (id == nullptr || !id->isString() || id->asString().empty())
        return invalid("No ID found for graph element");
    p.id = std::string(id->asString());
    if (const Value* t = o.find("UpdatedAt"); t != nullptr && !t->isNull()) {
        if (!t->isInt()) return invalid("partial update UpdatedAt must be an integer (ms)");
        p.updated_at = t->asInt();
    }
    if (const Value* r = o.find("Revision"); r != nullptr && !r->isNull()) {
        if (!r->isInt()) return invalid("partial update Revision must be an integer");
        p.revision = r->asInt();
    }
    const Value* ops = o.find("Ops");
    if (ops == nullptr || ops->isNull()) {
        p.ops_null = true;
        return p;
    }
    if (!ops->isList()) return invalid("partial update Ops must be a list");
    for (const Value& item : ops->asList()) {
        auto op = decodeOp(item);
        if (!op.ok()) return op.error();
        p.ops.push_back(std::move(op).value());
    }
    return p;
}

template <typename T>
Result<GraphMessage::Payload> wrap(Result<T> r) {
    if (!r.ok()) return invalid(r.error().message);
    return GraphMessage::Payload(std::move(r).value());
}

Result<GraphMessage::Payload> decodePayload(GraphMessageType type, std::int64_t status,
                                            const Value& obj, Time now) {
    switch (type) {
        case GraphMessageType::SyncRequest: return wrap(decodeSyncRequest(obj));
        case GraphMessageType::SyncReply:
            // An error reply carries null (bad context) or the error text (bad filter).
            if (obj.isNull()) return GraphMessage::Payload();
            if (obj.isString()) return GraphMessage::Payload(std::string(obj.asString()));
            return wrap(model::graphFromValue(obj, now));
        case GraphMessageType::Sync:
            if (obj.isNull()) return GraphMessage::Payload(model::Graph{});
            return wrap(model::graphFromValue(obj, now));
        case GraphMessageType::NodeAdded:
        case GraphMessageType::NodeUpdated:
        case GraphMessageType::NodeDeleted: return wrap(model::nodeFromValue(obj, now));
        case GraphMessageType::EdgeAdded:
        case GraphMessageType::EdgeUpdated:
        case GraphMessageType::EdgeDeleted: return wrap(model::edgeFromValue(obj, now));
        case GraphMessageType::NodePartiallyUpdated:
        case GraphMessageType::EdgePartiallyUpdated: return wrap(decodePartial(obj));
    }
    (void)status;
    return invalid("unknown graph message type");
}

}  // namespace

Result<Envelope> decodeEnvelope(std::string_view json) {
    auto doc = model::parseJson(json);
    if (!doc.ok()) return invalid(doc.error().message);
    if (!doc->isObject()) return invalid("message must be a JSON object");
    const Object& o = doc->asObject();
    Envelope env;
    auto ns = stringField(o, "Namespace");
    if (!ns.ok()) return ns.error();
    auto type = stringField(o, "Type");
    if (!type.ok()) return type.error();
    auto uuid = stringField(o, "UUID");
    if (!uuid.ok()) return uuid.error();
    env.ns = std::move(*ns);
    env.type = std::move(*type);
    env.uuid = std::move(*uuid);
    if (const Value* s = o.find("Status"); s != nullptr && !s->isNull()) {
        if (!s->isInt()) return invalid("envelope field Status must be an integer");
        env.status = s->asInt();
    }
    if (const Value* obj = o.find("Obj")) env.obj = *obj;
    return env;
}

Result<GraphMessage> graphMessageFromEnvelope(const Envelope& env, Time now) {
    if (env.ns != kGraphNamespace)
        return invalid("not a Graph namespace message: '" + env.ns + "'");
    auto type = graphMessageTypeFromName(env.type);
    if (!type) return invalid("unknown Graph message type '" + env.type + "'");
    auto payload = decodePayload(*type, env.status, env.obj, now);
    if (!payload.ok()) return payload.error();
    GraphMessage msg;
    msg.type = *type;
    msg.uuid = env.uuid;
    msg.status = env.status;
    msg.payload = std::move(payload).value();
    return msg;
}

Result<GraphMessage> decodeGraphMessage(std::string_view json, Time now) {
    auto env = decodeEnvelope(json);
    if (!env.ok()) return env.error();
    return graphMessageFromEnvelope(*env, now);
}

}  // namespace skydive::ingest
