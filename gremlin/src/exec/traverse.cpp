// Navigation steps: Out/In/Both, OutE/InE/BothE, OutV/InV/BothV, Descendants/Ascendants/
// Neighbors and SubGraph.
#include <deque>
#include <limits>
#include <string>
#include <unordered_set>

#include "exec/executor.h"
#include "exec/memory_view.h"
#include "exec/sink.h"

namespace skydive::gremlin {

using model::Edge;
using model::NodeHandle;

model::Status Executor::adjacent(const PlanStep& s) {
    const auto in = std::move(cur_.nodes);
    Sink<NodeHandle> sink(*this, s, cur_.nodes);
    bool go = true;
    auto offer = [&](NodeHandle n) {
        go = s.filter.matches(n) ? sink.add(n) : tick();
        return go;
    };
    for (const NodeHandle n : in) {
        if (s.direction != Direction::In) {
            view_->outEdges(n.id(), [&](const Edge& e) {
                view_->findNode(e.child, offer);
                return go;
            });
        }
        if (go && s.direction != Direction::Out) {
            view_->inEdges(n.id(), [&](const Edge& e) {
                view_->findNode(e.parent, offer);
                return go;
            });
        }
        if (!go) break;
    }
    sink.finish(ResultKind::Nodes);
    return {};
}

model::Status Executor::incidentEdges(const PlanStep& s) {
    const auto in = std::move(cur_.nodes);
    cur_.nodes.clear();
    Sink<const Edge*> sink(*this, s, cur_.edges);
    bool go = true;
    auto offer = [&](const Edge& e) {
        go = s.filter.matches(e) ? sink.add(&e) : tick();
        return go;
    };
    for (const NodeHandle n : in) {
        if (s.direction != Direction::In) view_->outEdges(n.id(), offer);
        if (go && s.direction != Direction::Out) view_->inEdges(n.id(), offer);
        if (!go) break;
    }
    sink.finish(ResultKind::Edges);
    return {};
}

// Upstream's naming is inverted: InV is the Parent, OutV the Child (spec §2.5).
model::Status Executor::edgeEnds(const PlanStep& s) {
    const auto in = std::move(cur_.edges);
    cur_.edges.clear();
    Sink<NodeHandle> sink(*this, s, cur_.nodes);
    bool go = true;
    auto offer = [&](NodeHandle n) {
        go = s.filter.matches(n) ? sink.add(n) : tick();
        return go;
    };
    for (const auto* e : in) {
        if (s.direction != Direction::Out) view_->findNode(e->parent, offer);
        if (go && s.direction != Direction::In) view_->findNode(e->child, offer);
        if (!go) break;
    }
    sink.finish(ResultKind::Nodes);
    return {};
}

// Breadth-first walk from every start node through edges matching the any-of edge filter;
// start nodes included, each node reported once.
model::Status Executor::walk(const PlanStep& s) {
    const bool neighbors = s.step == StepKind::Neighbors;
    const std::int64_t max_depth =
        (s.depth == 0 && !neighbors) ? std::numeric_limits<std::int64_t>::max() : s.depth;
    const auto in = std::move(cur_.nodes);
    cur_.nodes.clear();
    std::unordered_set<std::string_view> seen;
    std::deque<std::pair<NodeHandle, std::int64_t>> queue;
    auto visit = [&](NodeHandle n, std::int64_t depth) {
        if (!tick()) return false;
        if (!seen.insert(n.id()).second) return true;
        if (cur_.nodes.size() >= options_.max_elements) return fail(boundError());
        cur_.nodes.push_back(n);
        queue.emplace_back(n, depth);
        return true;
    };
    for (const NodeHandle start : in) {
        if (!visit(start, 0)) break;
        while (!queue.empty() && !failed()) {
            const auto [node, depth] = queue.front();
            queue.pop_front();
            if (depth >= max_depth) continue;
            auto follow = [&, d = depth + 1](const Edge& e, const model::Str& other) {
                if (!s.edge_filter.matches(e)) return true;
                bool ok = true;
                view_->findNode(other, [&](NodeHandle n) {
                    ok = visit(n, d);
                    return false;  // first revision only
                });
                return ok;
            };
            if (s.direction != Direction::In) {
                view_->outEdges(node.id(), [&](const Edge& e) { return follow(e, e.child); });
            }
            if (s.direction != Direction::Out) {
                view_->inEdges(node.id(), [&](const Edge& e) { return follow(e, e.parent); });
            }
        }
    }
    cur_.kind = ResultKind::Nodes;
    return {};
}

// The nodes of the input (or the ends of the input edges, or the nodes of the paths) and the
// edges between them, as a new in-memory graph.
model::Status Executor::subGraph(const PlanStep& s) {
    std::vector<model::Node> nodes;
    std::vector<Edge> edges;
    std::unordered_set<std::string> node_ids, edge_ids;
    // The subgraph is a new in-memory view: its nodes are copies (a boundary, not a hot path).
    auto addNode = [&](NodeHandle n) {
        if (node_ids.emplace(n.id()).second) nodes.push_back(n.toNode());
    };
    auto addEdge = [&](const Edge& e) {
        if (s.edge_filter.matches(e) && edge_ids.insert(e.id.str()).second) edges.push_back(e);
    };
    if (s.input == ResultKind::Edges) {
        for (const auto* e : cur_.edges) {
            if (!s.edge_filter.matches(*e)) continue;
            addEdge(*e);
            for (const auto* end : {&e->parent, &e->child}) {
                view_->findNode(*end, [&](NodeHandle n) {
                    addNode(n);
                    return false;
                });
            }
        }
    } else {
        if (s.input == ResultKind::Paths) {
            for (const auto& path : cur_.paths) {
                for (const NodeHandle n : path) addNode(n);
            }
        } else {
            for (const NodeHandle n : cur_.nodes) addNode(n);
        }
        for (const auto& n : nodes) {
            view_->outEdges(n.id, [&](const Edge& e) {
                if (node_ids.contains(e.child.str())) addEdge(e);
                return tick();
            });
        }
    }
    if (nodes.size() + edges.size() > options_.max_elements) return boundError();
    auto graph = std::make_shared<MemoryView>(view_->kind(), std::move(nodes), std::move(edges),
                                              view_->from(), view_->to());
    cur_.graph = graph;
    cur_.views.push_back(graph);
    view_ = graph.get();
    cur_.kind = ResultKind::Graph;
    cur_.nodes.clear();
    cur_.edges.clear();
    cur_.paths.clear();
    return {};
}

}  // namespace skydive::gremlin
