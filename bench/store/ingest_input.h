#pragma once

// The ingest benchmarks' input, built before the timed loops (issue 3, benchmark 1): a delta
// decoded from an agent message is the store's input; building it is not store cost.
#include <cstdint>
#include <string>
#include <vector>

#include <skydive/model/element.h>

#include "bench_env.h"

namespace skydive::bench {

inline constexpr model::Time kIngestT0 = 1600000000000;  // the clock at the first revision
inline constexpr std::size_t kIngestBatch = 1000;        // revisions per delta / WriteBatch
inline constexpr std::size_t kIngestNodes = 10000;
// Two passes over the nodes: kIngestRing deltas of kIngestBatch updates.
inline constexpr std::size_t kIngestRing = 2 * kIngestNodes / kIngestBatch;

inline model::GraphDelta ingestSeed() {
    model::GraphDelta seed;
    for (std::size_t i = 0; i < kIngestNodes; ++i)
        seed.changes.push_back({model::ChangeKind::NodeAdded, interfaceNode(i)});
    return seed;
}

/// The updates ring: delta k updates nodes k*kIngestBatch.. (mod kIngestNodes), each with its
/// 8 keys and a "Seq" counter. Revisions are set per use by setRevisions().
inline std::vector<model::GraphDelta> ingestUpdateRing() {
    std::vector<model::GraphDelta> ring(kIngestRing);
    std::size_t next = 0;
    for (auto& d : ring) {
        d.changes.reserve(kIngestBatch);
        for (std::size_t i = 0; i < kIngestBatch; ++i, ++next) {
            auto n = interfaceNode(next % kIngestNodes);
            n.metadata.mutableObject().set("Seq", static_cast<std::int64_t>(next));
            d.changes.push_back({model::ChangeKind::NodeUpdated, std::move(n)});
        }
    }
    return ring;
}

/// Stamps the revisions of the `first`-th.. revisions of the run into a ring delta (one integer
/// store per change: what an agent's message carries): each node's revision grows by one per
/// pass over the nodes.
inline void setRevisions(model::GraphDelta& d, std::size_t first) {
    for (auto& c : d.changes)
        std::get<model::Node>(c.element).revision =
            static_cast<std::int64_t>(first++ / kIngestNodes + 2);
}

/// kIngestBatch new nodes numbered from `first`.
inline model::GraphDelta ingestAdds(std::size_t first) {
    model::GraphDelta d;
    d.changes.reserve(kIngestBatch);
    for (std::size_t i = 0; i < kIngestBatch; ++i)
        d.changes.push_back({model::ChangeKind::NodeAdded, interfaceNode(first + i)});
    return d;
}

}  // namespace skydive::bench
