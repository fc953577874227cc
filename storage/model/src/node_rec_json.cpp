// JSON over a flat record: the same bytes as writeNode(const Node&) (json_writer.cpp), field
// for field, without materialising the node.
#include <skydive/model/json.h>
#include <skydive/model/node_rec.h>

namespace skydive::model {

void writeValue(JsonWriter& w, ValueRef v) {
    switch (v.type()) {
        case ValueType::Null: w.null(); return;
        case ValueType::Bool: w.boolean(v.asBool()); return;
        case ValueType::Int: w.integer(v.asInt()); return;
        case ValueType::Double: w.number(v.asDouble()); return;
        case ValueType::String: w.string(v.asString()); return;
        case ValueType::List:
            w.beginArray();
            for (ValueRef item : v.asList()) writeValue(w, item);
            w.endArray();
            return;
        case ValueType::Object:
            w.beginObject();
            for (auto [k, child] : v.asObject()) {
                w.key(k);
                writeValue(w, child);
            }
            w.endObject();
            return;
    }
}

void writeNode(JsonWriter& w, NodeRef n) {
    w.beginObject();
    w.key("ID").string(n.id());
    w.key("Metadata").beginObject();
    for (auto [k, v] : n.fields()) {
        w.key(k);
        writeValue(w, v);
    }
    w.endObject();
    w.key("Host").string(n.host());
    w.key("Origin").string(n.origin());
    w.key("CreatedAt").time(n.createdAt());
    w.key("UpdatedAt").time(n.updatedAt());
    w.key("DeletedAt").time(n.deletedAt());
    w.key("Revision").integer(n.revision());
    w.endObject();
}

std::string toJson(NodeRef n) {
    JsonWriter w;
    writeNode(w, n);
    return std::move(w).str();
}

}  // namespace skydive::model
