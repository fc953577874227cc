// Interface metrics from the live graph to the store's metric table (spec §3.6).
#include "metric_recorder.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <unordered_map>

#include <skydive/store/store.h>

namespace skydive::server {

namespace {

// Deep enough for a burst of resyncs from many agents; an overflow stops the recording.
constexpr std::size_t kQueueCapacity = 1u << 20;

}  // namespace

struct MetricRecorder::Impl {
    store::Store* store = nullptr;
    // Node ID → Last of the period recorded most recently (dispatch thread only).
    std::unordered_map<std::string, model::Time> recorded;
    graph::SubscriptionPtr subscription;

    void onChange(const model::Change& change) {
        switch (change.kind) {
            case model::ChangeKind::NodeAdded:
            case model::ChangeKind::NodeUpdated:
                record(std::get<model::Node>(change.element));
                return;
            case model::ChangeKind::NodeDeleted:
                recorded.erase(std::get<model::Node>(change.element).id.str());
                return;
            case model::ChangeKind::EdgeAdded:
            case model::ChangeKind::EdgeUpdated:
            case model::ChangeKind::EdgeDeleted: return;
        }
    }

    void record(const model::Node& node) {
        if (!node.metadata.isObject()) return;
        const model::Value* metric = node.metadata.asObject().find("LastUpdateMetric");
        if (metric == nullptr || !metric->isObject()) return;
        const model::Value* start = metric->asObject().find("Start");
        const model::Value* last = metric->asObject().find("Last");
        if (start == nullptr || last == nullptr || !start->isInt() || !last->isInt() ||
            last->asInt() < start->asInt()) {
            spdlog::warn("node {}: LastUpdateMetric without a valid Start/Last, not stored",
                         node.id.view());
            return;
        }
        auto [it, inserted] = recorded.try_emplace(node.id.str(), last->asInt());
        if (!inserted) {
            if (it->second == last->asInt()) return;  // same period, another key changed
            it->second = last->asInt();
        }
        if (auto st = store->putMetric(node.id.view(), start->asInt(), last->asInt(), *metric);
            !st.ok()) {
            spdlog::error("storing the metric of node {}: {}", node.id.view(), st.error().message);
        }
    }
};

MetricRecorder::MetricRecorder(graph::LiveGraph& graph, store::Store& store)
    : impl_(std::make_unique<Impl>()) {
    impl_->store = &store;
    graph::SubscribeOptions options;
    options.queue_capacity = kQueueCapacity;
    options.on_overflow = [] {
        spdlog::error(
            "interface metric recorder fell behind the graph: metrics are no longer "
            "stored until the analyzer restarts");
    };
    impl_->subscription = graph.subscribe(
        [impl = impl_.get()](const model::Change& c) { impl->onChange(c); }, std::move(options));
}

MetricRecorder::~MetricRecorder() = default;

bool MetricRecorder::drain(std::chrono::milliseconds timeout) {
    return impl_->subscription->drain(timeout);
}

}  // namespace skydive::server
