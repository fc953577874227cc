#include "api/backend.h"

#include <filesystem>

#include <skydive/store/store.h>

namespace skydive::server {

namespace {

using model::Status;

class MemoryBackend final : public GraphBackend {
public:
    explicit MemoryBackend(const model::Clock& clock) : graph_(clock) {}

    Status addNode(model::Node n) override { return graph_.addNode(std::move(n)); }
    Status addEdge(model::Edge e) override { return graph_.addEdge(std::move(e)); }
    Status deleteNode(std::string_view id) override { return graph_.deleteNode(id); }
    Status deleteEdge(std::string_view id) override { return graph_.deleteEdge(id); }
    Status apply(const model::GraphDelta& d) override { return graph_.apply(d); }
    graph::LiveGraph& live() override { return graph_; }
    const graph::GraphSource& source() const override { return graph_; }

    Status putApiObject(std::string_view kind, std::string_view id,
                        const model::Value& object) override {
        std::lock_guard lock(mutex_);
        api_[std::string(kind)][std::string(id)] = object;
        return {};
    }
    model::Result<model::Value> getApiObject(std::string_view kind,
                                             std::string_view id) const override {
        std::lock_guard lock(mutex_);
        auto k = api_.find(std::string(kind));
        if (k != api_.end()) {
            if (auto it = k->second.find(std::string(id)); it != k->second.end()) return it->second;
        }
        return model::makeError(model::ErrorCode::NotFound, "no such object");
    }
    model::Result<std::vector<std::pair<std::string, model::Value>>> listApiObjects(
        std::string_view kind) const override {
        std::lock_guard lock(mutex_);
        std::vector<std::pair<std::string, model::Value>> out;
        if (auto k = api_.find(std::string(kind)); k != api_.end())
            out.assign(k->second.begin(), k->second.end());
        return out;
    }
    Status deleteApiObject(std::string_view kind, std::string_view id) override {
        std::lock_guard lock(mutex_);
        auto k = api_.find(std::string(kind));
        if (k == api_.end() || k->second.erase(std::string(id)) == 0)
            return model::makeError(model::ErrorCode::NotFound, "no such object");
        return {};
    }
    Status flush() override { return {}; }
    double storeBytes() const override { return 0; }

private:
    graph::LiveGraph graph_;
    mutable std::mutex mutex_;
    std::map<std::string, std::map<std::string, model::Value>> api_;
};

class StoreBackend final : public GraphBackend {
public:
    StoreBackend(std::unique_ptr<store::Store> s, std::string dir)
        : store_(std::move(s)), dir_(std::move(dir)) {}

    Status addNode(model::Node n) override { return store_->addNode(std::move(n)); }
    Status addEdge(model::Edge e) override { return store_->addEdge(std::move(e)); }
    Status deleteNode(std::string_view id) override { return store_->deleteNode(id); }
    Status deleteEdge(std::string_view id) override { return store_->deleteEdge(id); }
    Status apply(const model::GraphDelta& d) override { return store_->apply(d); }
    graph::LiveGraph& live() override { return store_->liveGraph(); }
    const graph::GraphSource& source() const override { return *store_; }

    Status putApiObject(std::string_view kind, std::string_view id,
                        const model::Value& object) override {
        return store_->putApiObject(kind, id, object);
    }
    model::Result<model::Value> getApiObject(std::string_view kind,
                                             std::string_view id) const override {
        return store_->getApiObject(kind, id);
    }
    model::Result<std::vector<std::pair<std::string, model::Value>>> listApiObjects(
        std::string_view kind) const override {
        return store_->listApiObjects(kind);
    }
    Status deleteApiObject(std::string_view kind, std::string_view id) override {
        return store_->deleteApiObject(kind, id);
    }
    Status flush() override { return store_->sync(); }
    double storeBytes() const override {
        std::error_code ec;
        std::uintmax_t total = 0;
        for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec)) total += it->file_size(ec);
        }
        return static_cast<double>(total);
    }

private:
    std::unique_ptr<store::Store> store_;
    std::string dir_;
};

}  // namespace

std::unique_ptr<GraphBackend> makeMemoryBackend(const model::Clock& clock) {
    return std::make_unique<MemoryBackend>(clock);
}

std::unique_ptr<GraphBackend> makeStoreBackend(std::unique_ptr<store::Store> store,
                                               std::string data_dir) {
    return std::make_unique<StoreBackend>(std::move(store), std::move(data_dir));
}

}  // namespace skydive::server
