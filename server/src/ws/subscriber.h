#pragma once

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
    Subscriber(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info,
               std::optional<std::string> filter);

    void onMessage(std::string_view text) override;
    void onClose() override;

    /// Called on the hub's event thread. `msg` is the event already encoded.
    void deliver(const model::Change& change, const std::shared_ptr<const std::string>& msg);
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
    mutable std::mutex mutex_;
    std::optional<std::string> filter_;
    std::map<std::string, model::Node> nodes_;  ///< current filtered view
    std::map<std::string, model::Edge> edges_;
};

/// A /ws/publisher or /ws/agent/topology connection (spec §5.3 publisher semantics).
class Publisher final : public WsHandler {
public:
    Publisher(Hub& hub, std::shared_ptr<WsConnection> conn, ClientInfo info, bool overwrite_origin,
              bool delete_on_disconnect);
    void onMessage(std::string_view text) override;
    void onClose() override;

private:
    Hub& hub_;
    std::shared_ptr<WsConnection> conn_;
    ClientInfo info_;
    bool overwrite_origin_;
    bool delete_on_disconnect_;
};

}  // namespace skydive::server
