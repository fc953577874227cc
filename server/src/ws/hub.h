#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <skydive/graph/live_graph.h>
#include <skydive/ingest/graph_message.h>
#include <skydive/server/http_server.h>

#include "api/context.h"

namespace skydive::server {

/// One WebSocket client as /api/status reports it (spec §4.1 ConnStatus).
struct ClientInfo {
    std::string endpoint;  ///< /ws/subscriber, /ws/publisher, /ws/agent/topology
    std::string host_id;   ///< X-Host-ID, or the remote ip:port
    std::string client_type;
    std::string addr;
    std::uint16_t port = 0;
    model::Time connect_time = 0;
    std::string origin() const { return client_type + "." + host_id; }
};

class Subscriber;

/// The WebSocket side of the analyzer (spec §5): handshake checks, the subscriber fan-out of
/// live graph events and the publishers/agents that write into the graph.
class Hub {
public:
    /// Bound of the hub's own queue on the live graph; past it every subscriber is dropped
    /// (they resync on reconnect).
    static constexpr std::size_t kGraphEventQueue = 1u << 20;

    Hub(ApiContext& ctx, Auth& cluster_auth);
    ~Hub();

    void start();
    void stop();

    /// The upgrade decision for a /ws/... request (spec §5.1 order: 401, 403, 409).
    WsDecision upgrade(const HttpRequest& request);
    /// The analyzer's /api/status body.
    std::string statusJson() const;

    // Used by the connection handlers.
    ApiContext& context() { return ctx_; }
    void removeClient(const ClientInfo& info);
    void removeSubscriber(const Subscriber* s);
    /// Applies one publisher message; `origin` is the connection's, `overwrite_origin` true on
    /// /ws/publisher. Returns the reply to send, if any.
    std::optional<std::string> applyPublished(const ingest::GraphMessage& msg,
                                              const std::string& origin, bool overwrite_origin);
    /// Deletes every element whose Origin is `origin` (DeleteOnDisconnect, Sync).
    void deleteOrigin(const std::string& origin);
    /// The whole live graph as a SyncReply to `request_uuid`.
    std::string syncReply(const std::string& request_uuid) const;

private:
    void onChange(const model::Change& change);

    ApiContext& ctx_;
    Auth& cluster_auth_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Subscriber>> subscribers_;
    std::map<std::string, std::map<std::string, ClientInfo>> clients_;  ///< endpoint → host → info
    graph::SubscriptionPtr subscription_;
};

}  // namespace skydive::server
