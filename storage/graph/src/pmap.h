#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace skydive::graph::detail {

/// A persistent hash map (hash array mapped trie, 32-way). Copying a PMap is O(1): both copies
/// share the trie and a mutation copies only the nodes on its path ("path copying"). A node
/// that is referenced by one map only (use_count == 1) is updated in place, so a writer that
/// has not shared its map since the last mutation pays no copy at all (ADR 010).
///
/// REQUIRES: one thread mutates a given PMap object; copies may be read from any thread.
/// Hash(k) must be deterministic; Eq must accept the lookup key type against K.
template <typename K, typename V, typename Hash, typename Eq>
class PMap {
    struct Node;
    using NodePtr = std::shared_ptr<Node>;
    static constexpr unsigned kBits = 5;
    static constexpr unsigned kMaxShift = 60;  // below this level: a plain collision list

    struct Node {
        std::uint32_t datamap = 0;  // bit set: slot holds an entry of `data`
        std::uint32_t nodemap = 0;  // bit set: slot holds a child in `children`
        std::vector<std::pair<K, V>> data;
        std::vector<NodePtr> children;
    };

public:
    PMap() = default;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    template <typename Q>
    const V* find(const Q& key) const {
        const Node* n = root_.get();
        std::size_t h = Hash{}(key);
        unsigned shift = 0;
        while (n != nullptr) {
            if (shift >= kMaxShift) {
                for (const auto& e : n->data)
                    if (Eq{}(e.first, key)) return &e.second;
                return nullptr;
            }
            std::uint32_t bit = 1u << ((h >> shift) & 31u);
            if (n->datamap & bit) {
                const auto& e = n->data[index(n->datamap, bit)];
                return Eq{}(e.first, key) ? &e.second : nullptr;
            }
            if (!(n->nodemap & bit)) return nullptr;
            n = n->children[index(n->nodemap, bit)].get();
            shift += kBits;
        }
        return nullptr;
    }

    /// A mutable reference to the value of `key`, inserting V{} when missing.
    V& getOrInsert(const K& key, bool* inserted = nullptr) {
        bool added = false;
        if (!root_) root_ = std::make_shared<Node>();
        V& v = upsert(root_, key, Hash{}(key), 0, added);
        if (added) ++size_;
        if (inserted) *inserted = added;
        return v;
    }

    /// Inserts or replaces. Returns true when the key was new.
    bool set(const K& key, V value) {
        bool added = false;
        getOrInsert(key, &added) = std::move(value);
        return added;
    }

    /// Mutable access to an existing value (path made unique), nullptr when missing.
    template <typename Q>
    V* findMut(const Q& key) {
        if (find(key) == nullptr) return nullptr;
        NodePtr* slot = &root_;
        std::size_t h = Hash{}(key);
        for (unsigned shift = 0;; shift += kBits) {
            makeUnique(*slot);
            Node* n = slot->get();
            if (shift >= kMaxShift) {
                for (auto& e : n->data)
                    if (Eq{}(e.first, key)) return &e.second;
                return nullptr;
            }
            std::uint32_t bit = 1u << ((h >> shift) & 31u);
            if (n->datamap & bit) return &n->data[index(n->datamap, bit)].second;
            slot = &n->children[index(n->nodemap, bit)];
        }
    }

    /// Returns true when the key existed.
    template <typename Q>
    bool erase(const Q& key) {
        if (find(key) == nullptr) return false;
        eraseRec(root_, key, Hash{}(key), 0);
        --size_;
        if (size_ == 0) root_.reset();
        return true;
    }

    /// Visits every entry (hash order); fn returns false to stop. Returns false when stopped.
    template <typename Fn>
    bool forEach(const Fn& fn) const {
        return root_ ? visit(*root_, fn) : true;
    }

private:
    static unsigned index(std::uint32_t map, std::uint32_t bit) {
        return static_cast<unsigned>(std::popcount(map & (bit - 1)));
    }
    static void makeUnique(NodePtr& p) {
        if (p.use_count() != 1) p = std::make_shared<Node>(*p);
    }

    static V& upsert(NodePtr& slot, const K& key, std::size_t h, unsigned shift, bool& added) {
        makeUnique(slot);
        Node* n = slot.get();
        if (shift >= kMaxShift) {
            for (auto& e : n->data)
                if (Eq{}(e.first, key)) return e.second;
            added = true;
            n->data.emplace_back(key, V{});
            return n->data.back().second;
        }
        std::uint32_t bit = 1u << ((h >> shift) & 31u);
        if (n->datamap & bit) {
            unsigned i = index(n->datamap, bit);
            if (Eq{}(n->data[i].first, key)) return n->data[i].second;
            // Push the existing entry down into a new child, then insert there.
            auto child = std::make_shared<Node>();
            auto moved = std::move(n->data[i]);
            n->data.erase(n->data.begin() + i);
            n->datamap &= ~bit;
            std::size_t mh = Hash{}(moved.first);
            unsigned next = shift + kBits;
            if (next >= kMaxShift) {
                child->data.push_back(std::move(moved));
            } else {
                std::uint32_t mbit = 1u << ((mh >> next) & 31u);
                child->datamap = mbit;
                child->data.push_back(std::move(moved));
            }
            unsigned ci = index(n->nodemap, bit);
            n->nodemap |= bit;
            n->children.insert(n->children.begin() + ci, std::move(child));
            return upsert(n->children[ci], key, h, next, added);
        }
        if (n->nodemap & bit)
            return upsert(n->children[index(n->nodemap, bit)], key, h, shift + kBits, added);
        unsigned i = index(n->datamap, bit);
        n->datamap |= bit;
        added = true;
        auto it = n->data.emplace(n->data.begin() + i, key, V{});
        return it->second;
    }

    template <typename Q>
    static void eraseRec(NodePtr& slot, const Q& key, std::size_t h, unsigned shift) {
        makeUnique(slot);
        Node* n = slot.get();
        if (shift >= kMaxShift) {
            for (auto it = n->data.begin(); it != n->data.end(); ++it)
                if (Eq{}(it->first, key)) {
                    n->data.erase(it);
                    return;
                }
            return;
        }
        std::uint32_t bit = 1u << ((h >> shift) & 31u);
        if (n->datamap & bit) {
            n->data.erase(n->data.begin() + index(n->datamap, bit));
            n->datamap &= ~bit;
            return;
        }
        unsigned ci = index(n->nodemap, bit);
        eraseRec(n->children[ci], key, h, shift + kBits);
        Node* c = n->children[ci].get();
        if (c->data.empty() && c->children.empty()) {
            n->children.erase(n->children.begin() + ci);
            n->nodemap &= ~bit;
        }
    }

    template <typename Fn>
    static bool visit(const Node& n, const Fn& fn) {
        for (const auto& e : n.data)
            if (!fn(e.first, e.second)) return false;
        for (const auto& c : n.children)
            if (!visit(*c, fn)) return false;
        return true;
    }

    NodePtr root_;
    std::size_t size_ = 0;
};

}  // namespace skydive::graph::detail
