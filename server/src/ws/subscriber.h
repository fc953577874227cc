#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <skydive/server/http_server.h>

#include "ws/hub.h"

namespace skydive::server {

/// A /ws/subscriber connection: live events, optionally through a Gremlin filter whose result
/// is diffed against the previous one (spec §5.3).
class Subscriber final : public WsHandler, public std::enable_shared_from_this<Subscriber> {
public:
    /// `no_echo`: events about elements of this connection's own origin are not sent back
    /// (the subscriber half of /ws/pubsub).
    Subscriber(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info,
               std::optional<std::string> filter, bool no_echo = false);

    void onMessage(std::string_view data) override;
    void onClose() override;

    /// Called on the hub's event thread with the event already encoded.
    void deliver(const model::Change& change, const EncodedEvent& event);
    bool protobuf() const { return info_.protobuf; }
    bool filtered() const;
    const ClientInfo& info() const { return info_; }
    WsConnection& connection() { return *conn_; }

    /// Evaluates a filter on the live graph; the error text when it is not a graph query.
    static model::Result<model::Graph> evaluate(ApiContext& ctx, const std::string& filter);

private:
    bool send(std::string text);
    void resetView(const model::Graph& g);

    Hub& hub_;
    std::shared_ptr<WsConnection> conn_;
    ClientInfo info_;
    std::string origin_;
    bool no_echo_;
    mutable std::mutex mutex_;
    std::optional<std::string> filter_;
    std::atomic<bool> has_filter_;              ///< filter_.has_value(), read without the lock
    std::map<std::string, model::Node> nodes_;  ///< current filtered view
    std::map<std::string, model::Edge> edges_;
};

/// A /ws/publisher or /ws/agent/topology connection (spec §5.3 publisher semantics).
class Publisher final : public WsHandler {
public:
    /// `registered`: the connection is listed by the hub under this handler (false for the
    /// publisher half of /ws/pubsub, whose subscriber half is the one listed).
    Publisher(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info, bool overwrite_origin,
              bool delete_on_disconnect, bool registered = true);
    void onMessage(std::string_view data) override;
    void onClose() override;
    void onPong() override;

private:
    Hub& hub_;
    std::shared_ptr<WsConnection> conn_;
    ClientInfo info_;
    bool overwrite_origin_;
    bool delete_on_disconnect_;
    bool registered_;
};

/// A /ws/pubsub connection: a publisher and a subscriber on one socket (spec §5.3). Both halves
/// see every message, so a SyncRequest gets two SyncReply (upstream quirk).
class PubSub final : public WsHandler {
public:
    PubSub(std::shared_ptr<Publisher> pub, std::shared_ptr<Subscriber> sub)
        : pub_(std::move(pub)), sub_(std::move(sub)) {}
    void onMessage(std::string_view data) override {
        pub_->onMessage(data);
        sub_->onMessage(data);
    }
    void onClose() override {
        sub_->onClose();
        pub_->onClose();
    }

private:
    std::shared_ptr<Publisher> pub_;
    std::shared_ptr<Subscriber> sub_;
};

}  // namespace skydive::server
