#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <skydive/graph/graph_image.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/store/keys.h>
#include <skydive/store/record_codec.h>

namespace skydive::store {

/// One stored revision of a node or an edge (exactly one of the two is set).
struct Version {
    model::NodeRec node;
    graph::EdgePtr edge;

    explicit operator bool() const { return node || edge; }
    std::string_view id() const { return node ? node.id() : edge->id.view(); }
    model::Time createdAt() const { return node ? node.createdAt() : edge->created_at; }
    model::Time updatedAt() const { return node ? node.updatedAt() : edge->updated_at; }
    model::Time deletedAt() const { return node ? node.deletedAt() : edge->deleted_at; }
    std::int64_t revision() const { return node ? node.revision() : edge->revision; }
    /// The element's address: what identifies this very version in an image.
    const void* address() const {
        return node ? static_cast<const void*>(node.block()) : edge.get();
    }
    model::ElementKind kind() const {
        return node ? model::ElementKind::Node : model::ElementKind::Edge;
    }
    RevKey ref() const {
        const RevKeyView v = refView();
        return RevKey{v.kind, std::string(v.id), v.created_at, v.updated_at, v.revision};
    }
    /// The same, borrowing the ID (valid while this version is held): one walk of a node's
    /// record head, no copy.
    RevKeyView refView() const {
        if (!node)
            return {kind(), edge->id.view(), edge->created_at, edge->updated_at, edge->revision};
        return refOf(node.head());
    }
    /// A node version's key view from its head, for a caller that walked it already.
    static RevKeyView refOf(const model::NodeRef::Head& h) {
        return {model::ElementKind::Node, h.id, h.created_at, h.updated_at, h.revision};
    }
    static Version of(const model::Change& c);
};

/// The version a change produced, sharing the element already held by `after` (the image the
/// change led to) when it is that very revision, so the log and the live graph keep one copy.
Version sharedVersion(const model::Change& c, const graph::GraphImage& after);

/// `rev` value (FORMAT.md): written in binary format 0x02; 0x01 (JSON) records of older stores
/// are still decoded.
std::string encodeRecord(const Version& v);
void encodeRecordTo(std::string& out, const Version& v);
/// `reuse` (optional): an edge shares the metadata of the previous edge decoded with it when
/// the bytes are the same (EdgeMetadataReuse).
model::Result<Version> decodeRecord(model::ElementKind kind, std::string_view bytes,
                                    EdgeMetadataReuse* reuse = nullptr);

/// A `rev` value read under its key `key`: node records of value format 0x05 take their ID,
/// times and revision from the key and their shape from `shapes`; others as decodeRecord.
model::Result<Version> decodeRevRecord(const RevKeyView& key, std::string_view bytes,
                                       const RecordShapes& shapes,
                                       EdgeMetadataReuse* reuse = nullptr);

/// Puts a version into an image / removes an element from it.
void putVersion(graph::GraphImage& img, const Version& v);
void removeVersion(graph::GraphImage& img, model::ElementKind kind, std::string_view id);
Version findVersion(const graph::GraphImage& img, model::ElementKind kind, std::string_view id);

}  // namespace skydive::store
