#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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
    bool protobuf = false;  ///< X-Client-Protocol: protobuf (binary StructMessage frames)
    bool partial = false;   ///< X-Update-Policy: partial (exactly; spec §5.3 quirk)
    std::string addr;
    std::uint16_t port = 0;
    model::Time connect_time = 0;
    std::string origin() const { return client_type + "." + host_id; }
};

class Subscriber;
class Replicator;

/// The bytes to send for a JSON envelope on a connection of this protocol (spec §5.1: JSON
/// text, or a protobuf StructMessage whose Obj is the JSON payload).
std::shared_ptr<const std::string> wireMessage(bool protobuf, std::string json);
/// A received data message as JSON envelope text; an error when it does not decode.
model::Result<std::string> jsonMessage(bool protobuf, std::string_view data);

/// One graph event, encoded once for every subscriber of each protocol and update policy.
struct EncodedEvent {
    std::shared_ptr<const std::string> json;
    std::shared_ptr<const std::string> protobuf;  ///< null when no subscriber speaks protobuf
    /// *PartiallyUpdated form of an update; null for other events or without such subscribers.
    std::shared_ptr<const std::string> partial_json;
    std::shared_ptr<const std::string> partial_protobuf;
    const std::shared_ptr<const std::string>& of(bool pb, bool partial) const {
        if (partial && partial_json) return pb ? partial_protobuf : partial_json;
        return pb ? protobuf : json;
    }
};

/// The WebSocket side of the analyzer (spec §5): handshake checks, the subscriber fan-out of
/// live graph events and the publishers/agents that write into the graph.
class Hub {
public:
    /// Bound of the hub's own queue on the live graph; past it every subscriber is dropped
    /// (they resync on reconnect).
    static constexpr std::size_t kGraphEventQueue = 1u << 20;

    /// What the hub runs besides the fan-out. Agents that went away without
    /// DeleteOnDisconnect lose their elements once their last pong is older than `max_age`
    /// (spec §5.3: 5 × (pong_timeout + ping_delay)), checked every `interval`.
    struct Options {
        std::chrono::milliseconds interval{5000};
        std::chrono::milliseconds max_age{35000};
        bool replication = false;  ///< dial the `analyzers` peers (the analyzer only)
        bool rules = false;        ///< re-apply node/edge rules after graph changes
    };

    /// The agent's own API: fan-out only.
    Hub(ApiContext& ctx, Auth& cluster_auth);
    Hub(ApiContext& ctx, Auth& cluster_auth, Options options);
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
    /// `replicated`: the message comes from a peer analyzer and is not replicated further.
    std::optional<std::string> applyPublished(const ingest::GraphMessage& msg,
                                              const std::string& origin, bool overwrite_origin,
                                              bool replicated = false);
    /// Writes a delta; `replicated` marks its events so they are not sent back to peers.
    model::Status apply(const model::GraphDelta& delta, bool replicated);
    /// Deletes every element whose Origin is `origin` (DeleteOnDisconnect, Sync).
    void deleteOrigin(const std::string& origin, bool replicated = false);
    /// The whole live graph as a SyncReply to `request_uuid`.
    std::string syncReply(const std::string& request_uuid) const;
    /// The whole live graph as a Sync message (replication).
    std::string syncMessage() const;
    /// Records that `origin` (an agent or peer) answered a ping or sent a message now.
    void recordPong(const std::string& origin);
    /// One expiry pass; returns the origins whose elements were deleted.
    std::vector<std::string> expireAgents();

private:
    struct Mark {
        int count = 0;
    };
    static constexpr std::size_t kMaxMarks = 1u << 16;

    void onChange(const model::Change& change);
    bool consumeMark(const model::Change& change);
    void startTrackingMetadata();
    /// Keeps node_metadata_ current; returns the partial form of an update event when
    /// `encode`.
    std::optional<std::string> trackMetadata(const model::Change& change, bool encode);

    ApiContext& ctx_;
    Auth& cluster_auth_;
    mutable std::mutex mutex_;
    /// Copy-on-write: the event thread takes the current list with one reference count
    /// instead of copying a hundred shared pointers per event.
    using SubscriberList = std::vector<std::shared_ptr<Subscriber>>;
    std::shared_ptr<const SubscriberList> subscribers_ = std::make_shared<const SubscriberList>();
    std::map<std::string, std::map<std::string, ClientInfo>> clients_;  ///< endpoint → host → info
    graph::SubscriptionPtr subscription_;
    Options options_;
    std::map<std::string, model::Time> pongs_;  ///< origin → last pong (ctx clock)
    std::mutex expiry_mutex_;
    std::condition_variable expiry_cv_;
    bool expiry_stop_ = false;
    std::thread expiry_thread_;
    std::unique_ptr<Replicator> replicator_;
    /// Node/edge rules are re-applied (debounced) after graph changes.
    std::atomic<bool> rules_pending_{false};
    std::condition_variable rules_cv_;
    std::thread rules_thread_;
    /// Node metadata as of the last event, kept once a partial subscriber has connected: the
    /// "before" of NodePartiallyUpdated ops.
    std::mutex metadata_mutex_;
    std::map<std::string, model::Value, std::less<>> node_metadata_;
    std::atomic<bool> metadata_tracked_{false};
    std::mutex marks_mutex_;
    std::map<std::string, Mark> marks_;  ///< changes applied from peers, by "kind:id"
};

}  // namespace skydive::server
