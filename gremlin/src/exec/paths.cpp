// ShortestPathTo (spec §2.7): unit-weight BFS over edges taken in both directions.
#include <algorithm>
#include <deque>
#include <string>
#include <unordered_map>

#include "exec/executor.h"

namespace skydive::gremlin {

using model::Edge;
using model::Node;

model::Status Executor::shortestPath(const PlanStep& s) {
    const auto sources = std::move(cur_.nodes);
    cur_.nodes.clear();
    cur_.paths.clear();
    cur_.kind = ResultKind::Paths;
    // Upstream looks the target up once: the first node matching the metadata.
    const Node* target = nullptr;
    view_->forEachNode([&](const Node& n) {
        if (!s.filter.matches(n)) return tick();
        target = &n;
        return false;
    });
    if (target == nullptr || failed()) return {};

    for (const auto* source : sources) {
        // parent pointers of the BFS tree, keyed by node ID
        std::unordered_map<std::string_view, const Node*> prev;
        std::deque<const Node*> queue{source};
        prev.emplace(source->id.view(), nullptr);
        bool found = source->id == target->id;
        while (!queue.empty() && !found && !failed()) {
            const Node* cur = queue.front();
            queue.pop_front();
            auto follow = [&](const Edge& e, const model::Str& other) {
                if (!tick()) return false;
                if (!s.edge_filter.matches(e) || prev.contains(other.view())) return true;
                const Node* next = nullptr;
                view_->findNode(other, [&](const Node& n) {
                    next = &n;
                    return false;
                });
                if (next == nullptr) return true;
                prev.emplace(next->id.view(), cur);
                if (next->id == target->id) {
                    found = true;
                    return false;
                }
                queue.push_back(next);
                return true;
            };
            view_->outEdges(cur->id, [&](const Edge& e) { return follow(e, e.child); });
            if (!found) {
                view_->inEdges(cur->id, [&](const Edge& e) { return follow(e, e.parent); });
            }
        }
        if (!found) continue;
        std::vector<const Node*> path;
        const Node* at = target;
        if (source->id == target->id) at = source;
        for (; at != nullptr; at = prev.at(at->id.view())) path.push_back(at);
        std::reverse(path.begin(), path.end());
        cur_.paths.push_back(std::move(path));
    }
    return {};
}

}  // namespace skydive::gremlin
