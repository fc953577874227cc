#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <skydive/graph/graph_image.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/store/keys.h>

namespace skydive::store {

/// One stored revision of a node or an edge (exactly one pointer is set).
struct Version {
    graph::NodePtr node;
    graph::EdgePtr edge;

    explicit operator bool() const { return node || edge; }
    const model::Element& base() const {
        return node ? static_cast<const model::Element&>(*node) : *edge;
    }
    model::ElementKind kind() const {
        return node ? model::ElementKind::Node : model::ElementKind::Edge;
    }
    RevKey ref() const {
        const auto& b = base();
        return RevKey{kind(), b.id.str(), b.created_at, b.updated_at, b.revision};
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
model::Result<Version> decodeRecord(model::ElementKind kind, std::string_view bytes);

/// Puts a version into an image / removes an element from it.
void putVersion(graph::GraphImage& img, const Version& v);
void removeVersion(graph::GraphImage& img, model::ElementKind kind, std::string_view id);
Version findVersion(const graph::GraphImage& img, model::ElementKind kind, std::string_view id);

}  // namespace skydive::store
