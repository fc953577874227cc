#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/value.h>

namespace skydive::agent {

using model::Edge;
using model::Node;

/// The agent's local in-memory graph: the current revision of every node and edge, adjacency,
/// change events, and the TID mapper of spec §1.2 applied on every mutation.
///
/// Thread-safe: every method locks one recursive mutex; lock() lets a probe run a
/// read-check-write sequence atomically. Listeners run synchronously under that lock, in
/// mutation order, and must not mutate the graph (they may read it).
class TopologyGraph {
public:
    using Listener = std::function<void(const model::Change&)>;
    using Lock = std::unique_lock<std::recursive_mutex>;

    /// Elements get Host = `host_id` and Origin = "agent.<host_id>".
    TopologyGraph(std::string host_id, const model::Clock& clock);

    Lock lock() const { return Lock(mu_); }
    const std::string& hostId() const { return host_id_; }
    const model::Clock& clock() const { return clock_; }

    /// Adds a node (Revision 1). False when the ID exists (nothing changes).
    bool addNode(const std::string& id, model::Value metadata);
    /// Replaces the metadata; a new revision unless equal. The TID is kept unless `metadata`
    /// sets one. False when the node does not exist or nothing changed.
    bool setNodeMetadata(const std::string& id, model::Value metadata);
    /// Deletes the node's edges then the node. False when it does not exist.
    bool deleteNode(const std::string& id);

    /// Adds an edge; its ends must exist. False when the ID exists or an end is missing.
    bool addEdge(const std::string& id, const std::string& parent, const std::string& child,
                 model::Value metadata);
    bool deleteEdge(const std::string& id);
    /// Topology helper links (upstream AddOwnershipLink/AddLayer2Link): ID =
    /// UUIDv5(parent + child + relation), metadata {RelationType} merged with `extra`.
    /// Returns the edge ID whether it was created or already there.
    std::string link(const std::string& parent, const std::string& child, std::string_view relation,
                     model::Value extra = model::Value::object());

    std::optional<Node> node(std::string_view id) const;
    std::optional<Edge> edge(std::string_view id) const;
    /// Nodes whose metadata `key` equals `value` (exact typed match).
    std::vector<Node> nodesWhere(std::string_view key, const model::Value& value) const;
    std::vector<Edge> outEdges(std::string_view id) const;
    std::vector<Edge> inEdges(std::string_view id) const;
    /// The ownership parent of a node, if any.
    std::optional<std::string> owner(std::string_view id) const;
    model::Graph snapshot() const;
    std::size_t nodeCount() const;
    std::size_t edgeCount() const;

    /// Registers a listener; returns a token for unsubscribe(). With `snapshot` set, the current
    /// graph is copied there atomically with the registration (no event lost or doubled).
    std::uint64_t subscribe(Listener listener, model::Graph* snapshot = nullptr);
    void unsubscribe(std::uint64_t token);

private:
    void emit(model::ChangeKind kind, const Node& n);
    void emit(model::ChangeKind kind, const Edge& e);
    void stamp(model::Element& e, model::Time now) const;
    // TID mapper (spec §1.2).
    std::optional<std::string> computeTid(const Node& n) const;
    void refreshTid(const std::string& id, int depth);
    void updateNode(Node& n, model::Value metadata);

    std::string host_id_;
    std::string origin_;
    const model::Clock& clock_;
    mutable std::recursive_mutex mu_;
    std::unordered_map<std::string, Node> nodes_;
    std::unordered_map<std::string, Edge> edges_;
    std::unordered_map<std::string, std::unordered_set<std::string>> out_;
    std::unordered_map<std::string, std::unordered_set<std::string>> in_;
    std::string host_tid_;
    std::map<std::uint64_t, Listener> listeners_;
    std::uint64_t next_token_ = 1;
};

}  // namespace skydive::agent
