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
};

[[nodiscard]] model::Result<Fixture> loadFixture(const std::string& path, model::Time now);

/// A GraphSource over a fixture held in memory. live() shows the graph (or the records without
/// ArchivedAt); at()/slice() apply the visibility rule of spec §2.8 to the records. A graph
/// fixture has no history: at()/slice() fail like upstream's memory backend.
std::shared_ptr<graph::GraphSource> memorySource(const Fixture& fixture);

/// The source the conformance runner and the text tests use: graph fixtures go into a real
/// graph::LiveGraph; history fixtures use memorySource() until the RocksDB store is merged.
[[nodiscard]] model::Result<std::shared_ptr<graph::GraphSource>> makeSource(
    const Fixture& fixture, const model::Clock& clock);

}  // namespace skydive::gremlin::tools
