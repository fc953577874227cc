#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <skydive/graph/live_graph.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::store {
class Store;
}

namespace skydive::server {

/// Where the analyzer's graph and API objects live: the RocksDB store (`--data-dir`) or, in
/// memory-only mode, a bare LiveGraph. Writes must go through here so that the store records
/// them; reads and subscriptions use live() and source().
class GraphBackend {
public:
    virtual ~GraphBackend() = default;

    virtual model::Status addNode(model::Node node) = 0;
    virtual model::Status addEdge(model::Edge edge) = 0;
    virtual model::Status deleteNode(std::string_view id) = 0;
    virtual model::Status deleteEdge(std::string_view id) = 0;
    virtual model::Status apply(const model::GraphDelta& delta) = 0;

    virtual graph::LiveGraph& live() = 0;
    virtual const graph::GraphSource& source() const = 0;

    /// API objects (captures, alerts, rules) by kind and ID.
    virtual model::Status putApiObject(std::string_view kind, std::string_view id,
                                       const model::Value& object) = 0;
    virtual model::Result<model::Value> getApiObject(std::string_view kind,
                                                     std::string_view id) const = 0;
    virtual model::Result<std::vector<std::pair<std::string, model::Value>>> listApiObjects(
        std::string_view kind) const = 0;
    virtual model::Status deleteApiObject(std::string_view kind, std::string_view id) = 0;

    /// Makes everything acknowledged durable (graceful shutdown).
    virtual model::Status flush() = 0;
    /// Bytes on disk (0 in memory), for /metrics.
    virtual double storeBytes() const = 0;
};

std::unique_ptr<GraphBackend> makeMemoryBackend(const model::Clock& clock);
std::unique_ptr<GraphBackend> makeStoreBackend(std::unique_ptr<store::Store> store,
                                               std::string data_dir);

}  // namespace skydive::server
