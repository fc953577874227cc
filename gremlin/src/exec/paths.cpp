// ShortestPathTo (spec §2.7): unit-weight BFS over edges taken in both directions.
#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>

#include "exec/executor.h"

namespace skydive::gremlin {

using model::Edge;
using model::NodeHandle;

model::Status Executor::shortestPath(const PlanStep& s) {
    const auto sources = std::move(cur_.nodes);
    cur_.nodes.clear();
    cur_.paths.clear();
    cur_.kind = ResultKind::Paths;
    // Upstream looks the target up once: the first node matching the metadata.
    NodeHandle target;
    view_->forEachNode([&](NodeHandle n) {
        if (!s.filter.matches(n)) return tick();
        target = n;
        return false;
    });
    if (target.isNull() || failed()) return {};

    for (const NodeHandle source : sources) {
        // parent handles of the BFS tree, keyed by node ID (a null handle for the source)
        std::unordered_map<std::string_view, NodeHandle> prev;
        std::deque<NodeHandle> queue{source};
        prev.emplace(source.id(), NodeHandle());
        bool found = source.id() == target.id();
        while (!queue.empty() && !found && !failed()) {
            const NodeHandle cur = queue.front();
            queue.pop_front();
            auto follow = [&](const Edge& e, const model::Str& other) {
                if (!tick()) return false;
                if (!s.edge_filter.matches(e) || prev.contains(other.view())) return true;
                NodeHandle next;
                view_->findNode(other, [&](NodeHandle n) {
                    next = n;
                    return false;
                });
                if (next.isNull()) return true;
                prev.emplace(next.id(), cur);
                if (next.id() == target.id()) {
                    found = true;
                    return false;
                }
                queue.push_back(next);
                return true;
            };
            view_->outEdges(cur.id(), [&](const Edge& e) { return follow(e, e.child); });
            if (!found) {
                view_->inEdges(cur.id(), [&](const Edge& e) { return follow(e, e.parent); });
            }
        }
        if (!found) continue;
        std::vector<NodeHandle> path;
        NodeHandle at = target;
        if (source.id() == target.id()) at = source;
        for (; !at.isNull(); at = prev.at(at.id())) path.push_back(at);
        std::reverse(path.begin(), path.end());
        cur_.paths.push_back(std::move(path));
    }
    return {};
}

}  // namespace skydive::gremlin
