#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace skydive::server {

class Hub;

/// The dialing side of /ws/replication (spec §5.2): one connection per peer address of
/// `analyzers`, a full `Sync` of the local graph on each (re)connection, then every live event
/// that did not itself come from a peer (so nothing loops). Peers apply what they receive as a
/// publisher that keeps the elements' Origin.
class Replicator {
public:
    /// Bound of a peer's event queue; past it the peer is re-synced from scratch.
    static constexpr std::size_t kQueueLimit = 100000;

    Replicator(Hub& hub, std::vector<std::string> peers, std::string self_listen);
    ~Replicator();

    void start();
    void stop();
    /// Queues an event (already a JSON envelope) for every peer; called by the hub.
    void publish(const std::shared_ptr<const std::string>& event);
    /// Peers that are currently connected (host ids), for /api/status.
    std::vector<std::string> connectedPeers() const;

private:
    struct Peer;
    void run(Peer& peer);

    Hub& hub_;
    std::vector<std::unique_ptr<Peer>> peers_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
};

}  // namespace skydive::server
