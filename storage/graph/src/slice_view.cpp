#include <skydive/graph/slice_view.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace skydive::graph {

namespace {

// Ascending UpdatedAt, then Revision, then ID.
struct RevisionOrder {
    static auto key(const NodeRec& n) { return std::tuple(n.updatedAt(), n.revision(), n.id()); }
    static auto key(const EdgePtr& e) {
        return std::tuple(e->updated_at, e->revision, e->id.view());
    }
    template <typename T>
    bool operator()(const T& a, const T& b) const {
        return key(a) < key(b);
    }
};

template <typename T>
void sortRevisions(std::vector<T>& v) {
    std::stable_sort(v.begin(), v.end(), RevisionOrder{});
}

NodeHandle handleOf(const NodeRec& n) {
    return NodeHandle(n);
}
const Edge& handleOf(const EdgePtr& e) {
    return *e;
}

using Positions = std::unordered_map<std::string_view, std::vector<std::size_t>>;

class SliceView final : public GraphView {
public:
    SliceView(std::vector<NodeRec> nodes, std::vector<EdgePtr> edges, Time from, Time to,
              std::shared_ptr<const IndexConfig> config)
        : nodes_(std::move(nodes)),
          edges_(std::move(edges)),
          from_(from),
          to_(to),
          config_(std::move(config)) {
        sortRevisions(nodes_);
        sortRevisions(edges_);
        for (std::size_t i = 0; i < nodes_.size(); ++i) node_pos_[nodes_[i].id()].push_back(i);
        for (std::size_t i = 0; i < edges_.size(); ++i) {
            edge_pos_[edges_[i]->id.view()].push_back(i);
            out_pos_[edges_[i]->parent.view()].push_back(i);
            in_pos_[edges_[i]->child.view()].push_back(i);
        }
    }

    ViewKind kind() const override { return ViewKind::Slice; }
    Time from() const override { return from_; }
    Time to() const override { return to_; }

    void forEachNode(const NodeFn& fn) const override {
        for (const auto& n : nodes_)
            if (!fn(NodeHandle(n))) return;
    }
    void forEachEdge(const EdgeFn& fn) const override {
        for (const auto& e : edges_)
            if (!fn(*e)) return;
    }
    void findNode(std::string_view id, const NodeFn& fn) const override {
        visit(node_pos_, nodes_, id, fn);
    }
    void findEdge(std::string_view id, const EdgeFn& fn) const override {
        visit(edge_pos_, edges_, id, fn);
    }
    bool hasIndex(std::string_view) const override { return false; }
    void nodesByValue(std::string_view key, const model::Value& value,
                      const NodeFn& fn) const override {
        for (const auto& n : nodes_)
            if (holdsTerm(n, key, value) && !fn(NodeHandle(n))) return;
    }
    void outEdges(std::string_view node_id, const EdgeFn& fn) const override {
        visit(out_pos_, edges_, node_id, fn);
    }
    void inEdges(std::string_view node_id, const EdgeFn& fn) const override {
        visit(in_pos_, edges_, node_id, fn);
    }
    std::size_t nodeCount() const override { return nodes_.size(); }
    std::size_t edgeCount() const override { return edges_.size(); }

private:
    template <typename T, typename Fn>
    static void visit(const Positions& pos, const std::vector<T>& v, std::string_view id,
                      const Fn& fn) {
        auto it = pos.find(id);
        if (it == pos.end()) return;
        for (std::size_t i : it->second)
            if (!fn(handleOf(v[i]))) return;
    }

    std::vector<NodeRec> nodes_;
    std::vector<EdgePtr> edges_;
    Time from_, to_;
    std::shared_ptr<const IndexConfig> config_;
    Positions node_pos_, edge_pos_, out_pos_, in_pos_;
};

}  // namespace

GraphViewPtr makeSliceView(std::vector<NodeRec> nodes, std::vector<EdgePtr> edges, Time from,
                           Time to, std::shared_ptr<const IndexConfig> config) {
    return std::make_shared<SliceView>(std::move(nodes), std::move(edges), from, to,
                                       std::move(config));
}

}  // namespace skydive::graph
