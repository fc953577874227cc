#include "record.h"

#include <skydive/model/json.h>
#include <skydive/store/record_codec.h>

namespace skydive::store {

using model::ElementKind;

Version Version::of(const model::Change& c) {
    Version v;
    if (const auto* n = std::get_if<model::Node>(&c.element))
        v.node = model::NodeRec::encode(*n);
    else
        v.edge = std::make_shared<const model::Edge>(std::get<model::Edge>(c.element));
    return v;
}

namespace {

// The same revision of the same element (IDs, revision and times identify it: a revision
// number is never reused with other content within one incarnation).
bool sameRevision(const model::Element& a, const model::Element& b) {
    return a.revision == b.revision && a.updated_at == b.updated_at &&
           a.created_at == b.created_at && a.deleted_at == b.deleted_at && a.id == b.id;
}
bool sameRevision(model::NodeRef a, const model::Node& b) {
    return a.revision() == b.revision && a.updatedAt() == b.updated_at &&
           a.createdAt() == b.created_at && a.deletedAt() == b.deleted_at && a.id() == b.id.view();
}

}  // namespace

Version sharedVersion(const model::Change& c, const graph::GraphImage& after) {
    Version v;
    if (const auto* n = std::get_if<model::Node>(&c.element)) {
        if (const model::NodeRef p = after.node(n->id.view()); p && sameRevision(p, *n)) {
            v.node = model::NodeRec::share(p);
            return v;
        }
    } else {
        const auto& e = std::get<model::Edge>(c.element);
        if (const auto* p = after.edge(e.id.view()); p && sameRevision(**p, e)) {
            v.edge = *p;
            return v;
        }
    }
    return Version::of(c);
}

std::string encodeRecord(const Version& v) {
    std::string out;
    encodeRecordTo(out, v);
    return out;
}

void encodeRecordTo(std::string& out, const Version& v) {
    if (v.node)
        encodeNodeRecord(out, v.node);
    else
        encodeEdgeRecord(out, *v.edge);
}

namespace {

// Format 0x01 (JSON, stores written before format version 2): still read, never written.
model::Result<Version> decodeJsonRecord(ElementKind kind, std::string_view json_bytes) {
    auto json = model::parseJson(json_bytes);
    if (!json)
        return model::makeError(model::ErrorCode::Corruption,
                                "rev record: " + json.error().message);
    Version v;
    switch (kind) {
        case ElementKind::Node: {
            auto n = model::nodeFromValue(*json, 0);
            if (!n) return model::makeError(model::ErrorCode::Corruption, n.error().message);
            v.node = model::NodeRec::encode(*n);
            break;
        }
        case ElementKind::Edge: {
            auto e = model::edgeFromValue(*json, 0);
            if (!e) return model::makeError(model::ErrorCode::Corruption, e.error().message);
            v.edge = std::make_shared<const model::Edge>(std::move(*e));
            break;
        }
    }
    return v;
}

// The builder of every node record decoded on this thread: it keeps its buffers and last key
// list from record to record.
model::NodeRecBuilder& nodeBuilder() {
    thread_local model::NodeRecBuilder builder;
    return builder;
}

model::Result<Version> nodeVersion(model::Result<model::NodeRec> n) {
    if (!n) return n.error();
    Version v;
    v.node = std::move(*n);
    return v;
}

}  // namespace

model::Result<Version> decodeRecord(ElementKind kind, std::string_view bytes,
                                    EdgeMetadataReuse* reuse) {
    if (!bytes.empty() && static_cast<std::uint8_t>(bytes[0]) == kValueFormat)
        return decodeJsonRecord(kind, bytes.substr(1));
    Version v;
    switch (kind) {
        case ElementKind::Node: return nodeVersion(decodeNodeRecordTo(bytes, nodeBuilder()));
        case ElementKind::Edge: {
            auto e = decodeEdgeRecord(bytes, reuse);
            if (!e) return e.error();
            v.edge = std::make_shared<const model::Edge>(std::move(*e));
            break;
        }
    }
    return v;
}

model::Result<Version> decodeRevRecord(const RevKeyView& key, std::string_view bytes,
                                       const RecordShapes& shapes, EdgeMetadataReuse* reuse) {
    if (key.kind != ElementKind::Node || bytes.empty() ||
        static_cast<std::uint8_t>(bytes[0]) != kShapedNodeRecordFormat)
        return decodeRecord(key.kind, bytes, reuse);
    return nodeVersion(decodeShapedNodeRecordTo(bytes, key.id, key.created_at, key.updated_at,
                                                key.revision, shapes, nodeBuilder()));
}

void putVersion(graph::GraphImage& img, const Version& v) {
    if (v.node)
        img.putNode(v.node);
    else if (v.edge)
        img.putEdge(v.edge);
}

void removeVersion(graph::GraphImage& img, ElementKind kind, std::string_view id) {
    switch (kind) {
        case ElementKind::Node: img.removeNode(id); return;
        case ElementKind::Edge: img.removeEdge(id); return;
    }
}

Version findVersion(const graph::GraphImage& img, ElementKind kind, std::string_view id) {
    Version v;
    switch (kind) {
        case ElementKind::Node:
            if (const model::NodeRef n = img.node(id)) v.node = model::NodeRec::share(n);
            break;
        case ElementKind::Edge:
            if (const auto* e = img.edge(id)) v.edge = *e;
            break;
    }
    return v;
}

}  // namespace skydive::store
