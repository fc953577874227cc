#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <skydive/agent/agent.h>
#include <skydive/model/clock.h>
#include <skydive/model/result.h>
#include <skydive/server/config.h>

namespace skydive::server {

/// The agent's own API on `agent.listen` (spec §0, §4.1, §5.2): GET /api, POST /login,
/// GET/POST /api/topology (Gremlin over the agent's LiveGraph), GET /api/status in the agent's
/// shape, and WebSocket /ws/subscriber. Served by the same transport, router and hub as the
/// analyzer; the graph is read-only here (the probes own it), so node/edge writes answer 501.
class AgentApi {
public:
    /// Reads agent.listen and agent.auth.api.backend. `agent` must outlive the API.
    static model::Result<std::unique_ptr<AgentApi>> create(const Config& config,
                                                           agent::Agent& agent,
                                                           const model::Clock& clock,
                                                           std::string version);
    ~AgentApi();
    AgentApi(const AgentApi&) = delete;
    AgentApi& operator=(const AgentApi&) = delete;

    /// Binds and serves; returns the bound port.
    model::Result<std::uint16_t> start();
    /// Closes connections and stops the transport. Idempotent.
    void stop();

private:
    AgentApi();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::server
