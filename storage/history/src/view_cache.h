#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

#include <skydive/graph/graph_view.h>
#include <skydive/model/clock.h>

namespace skydive::store {

struct CachedView {
    graph::ViewKind kind;
    model::Time from, to;
    graph::GraphViewPtr view;
};

/// The store's recently used past views (ADR 021): a lookup is one hash probe whatever the
/// capacity, a hit moves the view to the front, an insert past the capacity evicts the least
/// recently used one. Not thread-safe (the store's `mu` guards it).
class ViewCache {
public:
    /// The cached view for (kind, from, to), now the most recently used; null when absent.
    graph::GraphViewPtr find(graph::ViewKind kind, model::Time from, model::Time to) {
        auto it = index_.find(Key{kind, from, to});
        if (it == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->view;
    }

    /// Adds `view` as the most recently used and keeps at most `capacity` views (0: none).
    /// The views it evicts go to `evicted`: the caller drops them once it has released the
    /// store's lock, since freeing a view can take long: a built image, the versions it holds
    /// (its overlay's are the window's since ADR 012's pins; before, ~1 ms at 20k changes).
    void insert(graph::ViewKind kind, model::Time from, model::Time to, graph::GraphViewPtr view,
                std::size_t capacity, std::vector<graph::GraphViewPtr>& evicted) {
        if (capacity == 0) return;
        Key key{kind, from, to};
        if (auto it = index_.find(key); it != index_.end()) {
            evicted.push_back(std::exchange(it->second->view, std::move(view)));
            order_.splice(order_.begin(), order_, it->second);
            return;
        }
        order_.push_front(CachedView{kind, from, to, std::move(view)});
        index_.emplace(key, order_.begin());
        while (order_.size() > capacity) {
            CachedView& last = order_.back();
            evicted.push_back(std::move(last.view));
            index_.erase(Key{last.kind, last.from, last.to});
            order_.pop_back();
        }
    }

    /// Removes the views `pred` selects; with `removed`, hands them there instead of dropping
    /// them (see insert).
    template <typename Pred>
    void remove_if(Pred&& pred, std::vector<graph::GraphViewPtr>* removed = nullptr) {
        for (auto it = order_.begin(); it != order_.end();) {
            if (pred(*it)) {
                if (removed != nullptr) removed->push_back(std::move(it->view));
                index_.erase(Key{it->kind, it->from, it->to});
                it = order_.erase(it);
            } else {
                ++it;
            }
        }
    }

    void clear() {
        index_.clear();
        order_.clear();
    }

    std::size_t size() const { return order_.size(); }

private:
    struct Key {
        graph::ViewKind kind;
        model::Time from, to;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept {
            auto mix = [](std::uint64_t x) {
                x ^= x >> 33;
                x *= 0xff51afd7ed558ccdULL;
                x ^= x >> 33;
                return x;
            };
            return mix(static_cast<std::uint64_t>(k.from) * 31 +
                       mix(static_cast<std::uint64_t>(k.to)) + static_cast<int>(k.kind));
        }
    };
    std::list<CachedView> order_;  // most recently used first
    std::unordered_map<Key, std::list<CachedView>::iterator, KeyHash> index_;
};

}  // namespace skydive::store
