#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include <skydive/model/value.h>

namespace skydive::gremlin {

/// Where `Flows()` reads flows (spec §3): the agents' live flow tables, or flow storage in a
/// time context. A flow is the JSON object of spec §3.1.
class FlowSource {
public:
    virtual ~FlowSource() = default;
    /// Calls `f` with each flow until it returns false.
    virtual void forEachFlow(const std::function<bool(const model::Value&)>& f) const = 0;
};

/// A fixed list of flows (a pcap import, a test fixture).
class FlowList final : public FlowSource {
public:
    explicit FlowList(std::vector<model::Value> flows) : flows_(std::move(flows)) {}
    void forEachFlow(const std::function<bool(const model::Value&)>& f) const override {
        for (const auto& flow : flows_) {
            if (!f(flow)) return;
        }
    }

private:
    std::vector<model::Value> flows_;
};

/// Node types an agent can capture on (spec §6.1, `flow/probes/capabilities.go`): `Flows()` after
/// nodes asks only these for flows.
bool isCapturableType(std::string_view type);

}  // namespace skydive::gremlin
