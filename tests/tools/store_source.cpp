#include "store_source.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <skydive/store/store.h>

namespace skydive::gremlin::tools {

using model::ErrorCode;
using model::makeError;

namespace {

// A Store in its own temporary directory, deleted with it.
class TempStoreSource final : public graph::GraphSource {
public:
    static model::Result<std::shared_ptr<graph::GraphSource>> create(const model::Value& records,
                                                                     const model::Clock& clock) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "skydive-fixture-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) {
            return makeError(ErrorCode::Unavailable, "cannot create a temporary directory");
        }
        auto self = std::shared_ptr<TempStoreSource>(new TempStoreSource(tmpl));
        store::StoreOptions options;
        options.data_dir = tmpl + "/db";
        auto opened = store::Store::open(options, clock);
        if (!opened) return std::move(opened).error();
        self->store_ = std::move(*opened);
        if (auto st = store::loadHistoryRecords(*self->store_, records); !st) return st.error();
        return std::shared_ptr<graph::GraphSource>(std::move(self));
    }

    ~TempStoreSource() override {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    graph::GraphViewPtr live() const override { return store_->live(); }
    model::Result<graph::GraphViewPtr> at(model::Time t) const override { return store_->at(t); }
    model::Result<graph::GraphViewPtr> slice(model::Time from, model::Time to) const override {
        return store_->slice(from, to);
    }

private:
    explicit TempStoreSource(std::string dir) : dir_(std::move(dir)) {}
    std::string dir_;
    std::unique_ptr<store::Store> store_;
};

}  // namespace

model::Result<std::shared_ptr<graph::GraphSource>> makeSource(const Fixture& fixture,
                                                              const model::Clock& clock) {
    if (fixture.history) return TempStoreSource::create(fixture.raw, clock);
    return makeLiveSource(fixture, clock);
}

}  // namespace skydive::gremlin::tools
