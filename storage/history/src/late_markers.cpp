#include "late_markers.h"

#include <mutex>

namespace skydive::store {

void LateMarkers::add(std::string_view incarnation) {
    if (!complete()) return;
    std::unique_lock l(mu_);
    if (set_.contains(std::string(incarnation))) return;
    if (set_.size() >= limit_) {
        complete_.store(false, std::memory_order_release);
        std::unordered_set<std::string>().swap(set_);
        size_.store(0, std::memory_order_relaxed);
        return;
    }
    set_.emplace(incarnation);
    size_.store(set_.size(), std::memory_order_release);
}

bool LateMarkers::mayBeLate(std::string_view incarnation) const {
    if (!complete()) return true;
    if (size_.load(std::memory_order_acquire) == 0) return false;
    std::shared_lock l(mu_);
    return set_.contains(std::string(incarnation));
}

std::string lateIndexKey(std::string_view incarnation) {
    std::string out(kLateIndexPrefix);
    out.append(incarnation);
    return out;
}

}  // namespace skydive::store
