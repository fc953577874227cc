#include <skydive/graph/graph_image.h>

namespace skydive::graph {

namespace {

/// A GraphView over a private O(1) copy of an image: the writer's later changes path-copy
/// around it, so the view stays consistent for its whole lifetime.
class ImageView final : public GraphView {
public:
    ImageView(GraphImage image, ViewKind kind, Time from, Time to)
        : image_(std::move(image)), kind_(kind), from_(from), to_(to) {}

    ViewKind kind() const override { return kind_; }
    Time from() const override { return from_; }
    Time to() const override { return to_; }

    void forEachNode(const NodeFn& fn) const override { image_.forEachNode(fn); }
    void forEachEdge(const EdgeFn& fn) const override { image_.forEachEdge(fn); }
    void findNode(std::string_view id, const NodeFn& fn) const override {
        if (const model::NodeRef n = image_.node(id)) fn(NodeHandle(n));
    }
    void findEdge(std::string_view id, const EdgeFn& fn) const override {
        if (const EdgePtr* e = image_.edge(id)) fn(**e);
    }
    bool hasIndex(std::string_view key) const override { return image_.config().has(key); }
    void nodesByValue(std::string_view key, const model::Value& value,
                      const NodeFn& fn) const override {
        image_.nodesByValue(key, value, fn);
    }
    std::size_t countByValue(std::string_view key, const model::Value& value) const override {
        return image_.countByValue(key, value);
    }
    void outEdges(std::string_view node_id, const EdgeFn& fn) const override {
        image_.outEdgeIds(node_id, [&](const model::Str& id) {
            const EdgePtr* e = image_.edge(id.view());
            return e == nullptr || fn(**e);
        });
    }
    void inEdges(std::string_view node_id, const EdgeFn& fn) const override {
        image_.inEdgeIds(node_id, [&](const model::Str& id) {
            const EdgePtr* e = image_.edge(id.view());
            return e == nullptr || fn(**e);
        });
    }
    std::size_t nodeCount() const override { return image_.nodeCount(); }
    std::size_t edgeCount() const override { return image_.edgeCount(); }

private:
    GraphImage image_;
    ViewKind kind_;
    Time from_;
    Time to_;
};

}  // namespace

GraphViewPtr GraphImage::view(ViewKind kind, Time from, Time to) const {
    return std::make_shared<ImageView>(*this, kind, from, to);
}

}  // namespace skydive::graph
