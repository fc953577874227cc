#pragma once

#include <memory>

#include "fixture_source.h"

namespace skydive::gremlin::tools {

/// The source the conformance runner and the time-travel tests use: graph fixtures go into a
/// real graph::LiveGraph (makeLiveSource); history fixtures are imported into a real
/// store::Store (RocksDB) in a temporary directory, removed when the source is destroyed.
/// In its own library (skydive_gremlin_store_fixtures) so that gremlin_test needs no RocksDB.
[[nodiscard]] model::Result<std::shared_ptr<graph::GraphSource>> makeSource(
    const Fixture& fixture, const model::Clock& clock);

}  // namespace skydive::gremlin::tools
