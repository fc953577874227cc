#include "fixture_source.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <skydive/model/json.h>

#include <skydive/graph/live_graph.h>

#include "exec/memory_view.h"

namespace skydive::gremlin::tools {

using model::ErrorCode;
using model::makeError;

model::Result<Fixture> loadFixture(const std::string& path, model::Time now) {
    std::ifstream in(path);
    if (!in) return makeError(ErrorCode::NotFound, "cannot open fixture " + path);
    std::stringstream buf;
    buf << in.rdbuf();
    auto json = model::parseJson(buf.str());
    if (!json) return std::move(json).error();
    Fixture f;
    f.raw = *json;
    const auto* records = json->isObject() ? json->asObject().find("Records") : nullptr;
    if (records == nullptr) {
        auto g = model::graphFromValue(*json, now);
        if (!g) return std::move(g).error();
        f.graph = std::move(*g);
        return f;
    }
    f.history = true;
    if (!records->isList()) return makeError(ErrorCode::InvalidArgument, "Records: not a list");
    for (const auto& r : records->asList()) {
        if (!r.isObject()) return makeError(ErrorCode::InvalidArgument, "Record: not an object");
        const auto* type = r.asObject().find("_Type");
        const auto* archived = r.asObject().find("ArchivedAt");
        Record rec;
        rec.archived_at = archived && archived->isInt() ? archived->asInt() : 0;
        if (type && type->isString() && type->asString() == "edge") {
            auto e = model::edgeFromValue(r, now);
            if (!e) return std::move(e).error();
            rec.element = std::move(*e);
        } else {
            auto n = model::nodeFromValue(r, now);
            if (!n) return std::move(n).error();
            rec.element = std::move(*n);
        }
        f.records.push_back(std::move(rec));
    }
    return f;
}

namespace {

const model::Element& base(const Record& r) {
    return std::visit([](const auto& e) -> const model::Element& { return e; }, r.element);
}

// Visible in [from, to] (spec §2.8; bounds inclusive).
bool visible(const Record& r, model::Time from, model::Time to) {
    const auto& e = base(r);
    return e.created_at <= to && (e.deleted_at == 0 || e.deleted_at >= from) &&
           e.updated_at <= to && (r.archived_at == 0 || r.archived_at >= from);
}

class MemorySource final : public graph::GraphSource {
public:
    explicit MemorySource(const Fixture& f) : fixture_(f) {
        if (f.history) {
            std::vector<const Record*> live;
            for (const auto& r : f.records) {
                if (r.archived_at == 0 && base(r).deleted_at == 0) live.push_back(&r);
            }
            live_ = build(graph::ViewKind::Live, live, 0, 0);
        } else {
            live_ =
                std::make_shared<MemoryView>(graph::ViewKind::Live, f.graph.nodes, f.graph.edges);
        }
    }

    graph::GraphViewPtr live() const override { return live_; }

    model::Result<graph::GraphViewPtr> at(model::Time t) const override {
        if (!fixture_.history) return noHistory();
        // Per ID the visible revision with the highest Revision.
        std::map<std::pair<int, std::string>, const Record*> best;
        for (const auto& r : fixture_.records) {
            if (!visible(r, t, t)) continue;
            auto& slot = best[{static_cast<int>(r.element.index()), base(r).id.str()}];
            if (slot == nullptr || base(*slot).revision < base(r).revision) slot = &r;
        }
        std::vector<const Record*> picked;
        for (const auto& [k, r] : best) picked.push_back(r);
        return build(graph::ViewKind::Point, picked, t, t);
    }

    model::Result<graph::GraphViewPtr> slice(model::Time from, model::Time to) const override {
        if (!fixture_.history) return noHistory();
        std::vector<const Record*> picked;
        for (const auto& r : fixture_.records) {
            if (visible(r, from, to)) picked.push_back(&r);
        }
        std::stable_sort(picked.begin(), picked.end(), [](const Record* a, const Record* b) {
            return base(*a).updated_at < base(*b).updated_at;
        });
        return build(graph::ViewKind::Slice, picked, from, to);
    }

private:
    static model::Error noHistory() {
        return makeError(ErrorCode::Unsupported, "Backend does not support history");
    }

    static graph::GraphViewPtr build(graph::ViewKind kind, const std::vector<const Record*>& rs,
                                     model::Time from, model::Time to) {
        std::vector<model::Node> nodes;
        std::vector<model::Edge> edges;
        for (const auto* r : rs) {
            if (const auto* n = std::get_if<model::Node>(&r->element)) nodes.push_back(*n);
            if (const auto* e = std::get_if<model::Edge>(&r->element)) edges.push_back(*e);
        }
        return std::make_shared<MemoryView>(kind, std::move(nodes), std::move(edges), from, to);
    }

    Fixture fixture_;
    graph::GraphViewPtr live_;
};

}  // namespace

std::shared_ptr<graph::GraphSource> memorySource(const Fixture& fixture) {
    return std::make_shared<MemorySource>(fixture);
}

model::Result<std::shared_ptr<graph::GraphSource>> makeLiveSource(const Fixture& fixture,
                                                                  const model::Clock& clock) {
    if (fixture.history) {
        return makeError(ErrorCode::InvalidArgument,
                         "a history fixture needs a store (tools::makeSource)");
    }
    auto live = std::make_shared<graph::LiveGraph>(clock);
    for (const auto& n : fixture.graph.nodes) {
        if (auto st = live->addNode(n); !st) return st.error();
    }
    for (const auto& e : fixture.graph.edges) {
        if (auto st = live->addEdge(e); !st) return st.error();
    }
    return std::shared_ptr<graph::GraphSource>(std::move(live));
}

}  // namespace skydive::gremlin::tools
