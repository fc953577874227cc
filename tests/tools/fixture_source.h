#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <skydive/graph/graph_view.h>
#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>

namespace skydive::gremlin::tools {

/// One stored revision of a history fixture (conformance/README.md "history fixtures"): the
/// element as it was, plus ArchivedAt (0 for the live revision).
struct Record {
    std::variant<model::Node, model::Edge> element;
    model::Time archived_at = 0;
};

/// A loaded fixture: either a graph (`{"Nodes":...,"Edges":...}`) or history records
/// (`{"Records":[...]}`).
struct Fixture {
    bool history = false;
    model::Graph graph;           ///< graph fixtures
    std::vector<Record> records;  ///< history fixtures
    model::Value raw;             ///< the fixture document as loaded
};

[[nodiscard]] model::Result<Fixture> loadFixture(const std::string& path, model::Time now);

/// A GraphSource over a fixture held in memory. live() shows the graph (or the records without
/// ArchivedAt); at()/slice() apply the visibility rule of spec §2.8 to the records. A graph
/// fixture has no history: at()/slice() fail like upstream's memory backend.
std::shared_ptr<graph::GraphSource> memorySource(const Fixture& fixture);

/// A graph fixture in a real graph::LiveGraph (no RocksDB); a history fixture is an error, see
/// makeSource() in store_source.h.
[[nodiscard]] model::Result<std::shared_ptr<graph::GraphSource>> makeLiveSource(
    const Fixture& fixture, const model::Clock& clock);

}  // namespace skydive::gremlin::tools
