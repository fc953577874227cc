#pragma once

#include <cstdint>
#include <vector>

#include "exec/executor.h"

namespace skydive::gremlin {

template <typename Item>
class Executor::Sink {
public:
    Sink(Executor& ex, const PlanStep& s, std::vector<Item>& out) : ex_(ex), step_(s), out_(out) {
        out_.clear();
    }

    /// Offers one result; false when the producer should stop (window full, error). Producers
    /// call Executor::tick() for the elements they reject, so that the deadline holds even when
    /// a filter rejects everything.
    bool add(Item element) {
        if (!ex_.tick()) return false;
        const std::int64_t i = index_++;
        if (step_.window) {
            if (i < step_.window->from) return true;
            if (i >= step_.window->to) return !step_.stop_early;
        }
        if (step_.count_only) {
            ++count_;
            return true;
        }
        if (out_.size() >= ex_.options_.max_elements) return ex_.fail(ex_.boundError());
        out_.push_back(element);
        return true;
    }

    /// Finishes the step: a Number result in count-only mode.
    void finish(ResultKind kind) {
        if (step_.count_only) {
            ex_.cur_.kind = ResultKind::Number;
            ex_.cur_.value = model::Value(static_cast<long long>(count_));
        } else {
            ex_.cur_.kind = kind;
        }
    }

private:
    Executor& ex_;
    const PlanStep& step_;
    std::vector<Item>& out_;
    std::int64_t index_ = 0;
    std::int64_t count_ = 0;
};

}  // namespace skydive::gremlin
