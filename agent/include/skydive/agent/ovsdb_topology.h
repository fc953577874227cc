#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/agent/topology_graph.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::agent {

/// Splits a byte stream of concatenated JSON texts (OVSDB JSON-RPC has no delimiter) into
/// complete documents. Bounded: a document over `max_bytes` is an error.
class JsonStreamFramer {
public:
    explicit JsonStreamFramer(std::size_t max_bytes = 64u << 20) : max_bytes_(max_bytes) {}
    struct Chunk {
        std::vector<std::string> docs;      ///< documents completed before any error
        std::optional<model::Error> error;  ///< the stream cannot be framed any further
    };
    /// Appends bytes; returns the documents completed by them.
    Chunk push(std::string_view bytes);

private:
    std::string buf_;
    std::size_t scanned_ = 0;
    int depth_ = 0;
    bool in_string_ = false;
    bool escape_ = false;
    std::size_t max_bytes_;
};

/// The OVS topology of spec §7 (ovsdb probe) from OVSDB `monitor` table updates of the
/// Open_vSwitch, Bridge, Port and Interface tables: ovsbridge/ovsport nodes, interface nodes
/// merged into the netlink probe's nodes (same Name, and IfIndex when known) or created, and
/// their ownership/layer2 edges. Not thread-safe: the probe's thread drives it.
class OvsdbTopology {
public:
    OvsdbTopology(TopologyGraph& graph, std::string host_node_id);

    /// Applies a `<table-updates>` object (the monitor reply, or params[1] of an `update`).
    /// Malformed rows are skipped and counted; a non-object is an InvalidArgument error and
    /// changes nothing.
    model::Status apply(const model::Value& table_updates);
    /// Removes everything this probe published (connection lost for good, or stop).
    void clear();
    std::size_t skippedRows() const { return skipped_; }

    /// The monitor request for the tables and columns this class reads.
    static std::string monitorRequest(std::string_view id);

private:
    using Row = model::Object;
    void reconcile();
    std::string interfaceNode(const std::string& uuid, const Row& row);
    void releaseInterface(const std::string& uuid);

    TopologyGraph& graph_;
    std::string host_;
    std::map<std::string, Row> system_;
    std::map<std::string, Row> bridges_;
    std::map<std::string, Row> ports_;
    std::map<std::string, Row> interfaces_;
    std::map<std::string, std::string> node_of_;  ///< row UUID → node ID
    std::set<std::string> own_nodes_;             ///< nodes we created (not netlink's)
    std::set<std::string> edges_;                 ///< edges we created
    std::size_t skipped_ = 0;
};

}  // namespace skydive::agent
