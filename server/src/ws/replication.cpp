// Analyzer ↔ analyzer replication, dialing side (spec §5.2 /ws/replication).
#include "ws/replication.h"

#include <spdlog/spdlog.h>

#include <skydive/client/http_client.h>

#include "ws/hub.h"

namespace skydive::server {

using namespace std::chrono_literals;

struct Replicator::Peer {
    std::string address;
    std::deque<std::shared_ptr<const std::string>> queue;
    bool overflowed = false;
    bool connected = false;
    bool is_self = false;
    std::string remote_host;
    std::thread thread;
};

Replicator::Replicator(Hub& hub, std::vector<std::string> peers, std::string self_listen)
    : hub_(hub) {
    for (auto& address : peers) {
        if (address == self_listen) continue;
        auto p = std::make_unique<Peer>();
        p->address = std::move(address);
        peers_.push_back(std::move(p));
    }
}

Replicator::~Replicator() {
    stop();
}

void Replicator::start() {
    for (auto& p : peers_) p->thread = std::thread([this, peer = p.get()] { run(*peer); });
}

void Replicator::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& p : peers_)
        if (p->thread.joinable()) p->thread.join();
}

void Replicator::publish(const std::shared_ptr<const std::string>& event) {
    if (peers_.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (auto& p : peers_) {
            if (!p->connected || p->overflowed) continue;  // the next Sync carries it
            if (p->queue.size() >= kQueueLimit) {
                p->overflowed = true;
                p->queue.clear();
            } else {
                p->queue.push_back(event);
            }
        }
    }
    cv_.notify_all();
}

std::vector<std::string> Replicator::connectedPeers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& p : peers_)
        if (p->connected) out.push_back(p->remote_host);
    return out;
}

void Replicator::run(Peer& peer) {
    ApiContext& ctx = hub_.context();
    client::ClientOptions options;
    options.address = peer.address;
    options.timeout = 5s;
    client::Headers headers{{"X-Client-Type", "analyzer"}, {"X-Host-ID", ctx.host_id}};
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        auto ws = client::WsClient::connect(options, "/ws/replication", headers);
        lock.lock();
        if (!ws.ok()) {
            spdlog::debug("replication to {}: {}", peer.address, ws.error().message);
            cv_.wait_for(lock, 1s, [this] { return stopping_; });  // upstream retries every 1 s
            continue;
        }
        const auto& hs = (*ws)->handshakeHeaders();
        peer.remote_host = peer.address;
        for (const auto& [name, value] : hs)
            if (name == "x-host-id") peer.remote_host = value;
        if (peer.remote_host == ctx.host_id) {
            spdlog::info("replication: {} is this analyzer, not dialing it", peer.address);
            peer.is_self = true;
            return;
        }
        // Events from now on are queued; the Sync below covers everything before.
        peer.connected = true;
        peer.overflowed = false;
        peer.queue.clear();
        lock.unlock();
        std::string sync = hub_.syncMessage();
        bool ok = (*ws)->send(sync).ok();
        spdlog::info("replication to {} ({}): connected", peer.address, peer.remote_host);
        lock.lock();
        while (ok && !stopping_ && !peer.overflowed) {
            if (peer.queue.empty()) {
                // Reading lets the client answer the peer's keep-alive pings (the peer closes a
                // connection that stays silent past its idle timeout).
                lock.unlock();
                auto r = (*ws)->receive(50ms);
                ok = r.ok() || r.error().code == model::ErrorCode::Timeout;
                lock.lock();
                continue;
            }
            auto batch = std::move(peer.queue);
            peer.queue.clear();
            lock.unlock();
            for (const auto& e : batch) {
                if (!(ok = (*ws)->send(*e).ok())) break;
            }
            lock.lock();
        }
        peer.connected = false;
        if (!ok) spdlog::warn("replication to {}: connection lost", peer.address);
    }
}

}  // namespace skydive::server
