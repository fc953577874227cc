#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace skydive::graph::detail {

/// One map entry. An empty V (a set's unit value) takes no room: a set entry is just its key.
template <typename K, typename V>
struct PEntry {
    K first;
    [[no_unique_address]] V second;
};

/// (key, index) pairs, sorted by a bulk build.
using Keyed = std::pair<std::uint64_t, std::uint32_t>;

inline void radixRun(Keyed* run, Keyed* scratch, std::size_t n, int shift) {
    constexpr std::size_t kSmall = 64;
    if (n <= kSmall || shift < 0) {
        std::sort(run, run + n);
        return;
    }
    std::size_t start[257] = {};
    auto digit = [shift](const Keyed& k) { return (k.first >> shift) & 0xFFu; };
    for (std::size_t i = 0; i < n; ++i) ++start[digit(run[i]) + 1];
    for (unsigned d = 0; d < 256; ++d) start[d + 1] += start[d];
    std::size_t fill[256];
    std::copy(start, start + 256, fill);
    for (std::size_t i = 0; i < n; ++i) scratch[fill[digit(run[i])]++] = run[i];
    std::copy(scratch, scratch + n, run);
    for (unsigned d = 0; d < 256; ++d)
        if (start[d + 1] - start[d] > 1)
            radixRun(run + start[d], scratch + start[d], start[d + 1] - start[d], shift - 8);
}

/// Sorts pairs whose keys use the low `bits` bits exactly as std::sort would (by key, then
/// index), in O(n) passes: a most-significant-digit radix sort on 8-bit digits (each pass
/// stable and sequential), runs of 64 or fewer by std::sort. For 2M entries this is a few
/// passes instead of ~21 comparison rounds (ADR 014).
inline void sortKeyed(std::vector<Keyed>& keys, int bits) {
    std::vector<Keyed> scratch(keys.size());
    radixRun(keys.data(), scratch.data(), keys.size(), bits - 8);
}

/// A persistent hash map (hash array mapped trie, 32-way). Copying a PMap is O(1): both copies
/// share the trie and a mutation copies only the nodes on its path ("path copying"). A node
/// that is referenced by one map only (refcount 1) is updated in place, so a writer that has
/// not shared its map since the last mutation pays no copy at all (ADR 010).
///
/// Each trie node is one allocation: an intrusive refcount and the two bitmaps, then exactly
/// as many entries and child pointers as the bitmaps say (no vector headers, no spare
/// capacity, no shared_ptr control block). Most nodes of a large map hold 2-4 entries, so this
/// layout halves the bytes per entry of the index sets.
///
/// REQUIRES: one thread mutates a given PMap object; copies may be read from any thread.
/// Hash(k) must be deterministic; Eq must accept the lookup key type against K.
template <typename K, typename V, typename Hash, typename Eq>
class PMap {
    using Entry = PEntry<K, V>;
    static constexpr unsigned kBits = 5;
    static constexpr unsigned kMaxShift = 60;  // below this level: a plain collision list

    struct Node {
        std::atomic<std::uint32_t> refs{1};
        std::uint32_t datamap = 0;  // bit set: slot holds an entry
        std::uint32_t nodemap = 0;  // bit set: slot holds a child
        std::uint16_t ndata = 0;    // entries (at kMaxShift: the collision list length)
        std::uint16_t nchild = 0;

        Entry* data() noexcept { return reinterpret_cast<Entry*>(this + 1); }
        Node** children() noexcept { return reinterpret_cast<Node**>(data() + ndata); }
    };
    static_assert(sizeof(Node) % alignof(Entry) == 0 && alignof(Entry) <= alignof(Node*) * 2);

public:
    PMap() = default;
    PMap(const PMap& o) noexcept : root_(o.root_), size_(o.size_) { retain(root_); }
    PMap(PMap&& o) noexcept : root_(std::exchange(o.root_, nullptr)), size_(o.size_) {
        o.size_ = 0;
    }
    PMap& operator=(const PMap& o) noexcept {
        if (this != &o) {
            retain(o.root_);
            release(root_);
            root_ = o.root_;
            size_ = o.size_;
        }
        return *this;
    }
    PMap& operator=(PMap&& o) noexcept {
        if (this != &o) {
            release(root_);
            root_ = std::exchange(o.root_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ~PMap() { release(root_); }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    template <typename Q>
    const V* find(const Q& key) const {
        const Entry* e = findEntry(key);
        return e != nullptr ? &e->second : nullptr;
    }

    /// The stored key equal to `key`, nullptr when missing (a set keyed by the element that
    /// holds its own ID: the lookup key is the ID, the stored key the element).
    template <typename Q>
    const K* findKey(const Q& key) const {
        const Entry* e = findEntry(key);
        return e != nullptr ? &e->first : nullptr;
    }
    /// The same, given Hash{}(key) (a probe computed it).
    template <typename Q>
    const K* findKey(const Q& key, std::uint64_t hash) const {
        const Entry* e = findEntry(key, hash);
        return e != nullptr ? &e->first : nullptr;
    }

    /// Mutable access to the stored key equal to `key` (path made unique), nullptr when
    /// missing. REQUIRES: what is stored there hashes and compares as the old key did.
    template <typename Q>
    K* findKeyMut(const Q& key) {
        bool copied;
        Entry* e = findEntryMutable(key, copied);
        return e != nullptr ? &e->first : nullptr;
    }

    /// Mutable access to the stored entry equal to `key` (path made unique), nullptr when
    /// missing. REQUIRES: a key stored there hashes and compares as the old key did.
    template <typename Q>
    Entry* findEntryMut(const Q& key) {
        bool copied;
        return findEntryMutable(key, copied);
    }
    /// The same, given Hash{}(key), telling whether a node of the path was copied (it was
    /// shared).
    template <typename Q>
    Entry* findEntryMut(const Q& key, std::uint64_t hash, bool& copied) {
        return findEntryMutable(key, hash, copied);
    }

    /// A mutable reference to the value of `key`, inserting V{} when missing.
    V& getOrInsert(const K& key, bool* inserted = nullptr) {
        bool added = false;
        if (root_ == nullptr) root_ = allocate(0, 0);
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
        bool copied;
        Entry* e = findEntryMutable(key, copied);
        return e != nullptr ? &e->second : nullptr;
    }

    /// Returns true when the key existed.
    template <typename Q>
    bool erase(const Q& key) {
        if (find(key) == nullptr) return false;
        eraseRec(root_, key, Hash{}(key), 0);
        --size_;
        if (size_ == 0) {
            release(root_);
            root_ = nullptr;
        }
        return true;
    }

    /// Builds a map from `entries` at once (loading a graph): entries are sorted by trie path
    /// and every trie node is allocated once at its final size, where set() per entry would
    /// reallocate the nodes on its path at every insert. A repeated key keeps its last entry.
    /// The trie is the one the same entries inserted with set() would give.
    static PMap build(std::vector<Entry>&& entries) {
        if (entries.size() <= kSmallBuild) return buildSmall(entries);
        std::vector<std::uint64_t> hashes(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) hashes[i] = Hash{}(entries[i].first);
        return build(std::move(entries), hashes);
    }
    /// The same with each entry's Hash worked out already (hashes[i] for entries[i]).
    static PMap build(std::vector<Entry>&& entries, const std::vector<std::uint64_t>& hashes) {
        PMap m;
        if (entries.empty()) return m;
        std::vector<Ordered> order(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i)
            order[i] = {pathKey(hashes[i]), static_cast<std::uint32_t>(i)};
        sortKeyed(order, 60);
        order.resize(dropRepeats(entries, order.data(), order.size()));
        m.size_ = order.size();
        m.root_ = buildRec(entries, order.data(), order.data() + order.size(), 0);
        return m;
    }

    /// A lookup done in steps, one trie level per step(), each fetching into the cache what
    /// the next one reads: a loop over many keys starts the probe of a key some iterations
    /// before it looks the key up and steps every probe once per iteration, so that neither
    /// the trie's nodes nor the entry's key are cold by then (the map's nodes and keys are
    /// spread over more memory than the cache keeps for one thread among its other work).
    struct Probe {
        using Node = PMap::Node;
        const Node* node = nullptr;  // to read at the next step; nullptr: done
        std::uint64_t hash = 0;
        unsigned shift = 0;
        explicit operator bool() const noexcept { return node != nullptr; }
    };
    template <typename Q>
    Probe probe(const Q& key) const noexcept {
        Probe p{root_, Hash{}(key), 0};
        if (p.node != nullptr) fetchNode(p.node);
        return p;
    }
    /// One level down. At the key's slot, `fetch(entry)` is called with the entry found there
    /// (which may hold another key) and the probe ends.
    template <typename Fetch>
    void step(Probe& p, const Fetch& fetch) const noexcept {
        Node* n = const_cast<Node*>(p.node);
        p.node = nullptr;
        if (p.shift >= kMaxShift) return;
        const std::uint32_t bit = 1u << ((p.hash >> p.shift) & 31u);
        if (n->datamap & bit) return fetch(n->data()[index(n->datamap, bit)]);
        if (!(n->nodemap & bit)) return;
        p.node = n->children()[index(n->nodemap, bit)];
        p.shift += kBits;
        fetchNode(p.node);
    }

    /// Visits every entry (hash order); fn returns false to stop. Returns false when stopped.
    template <typename Fn>
    bool forEach(const Fn& fn) const {
        return root_ ? visit(*root_, fn) : true;
    }

private:
    // A node's header and its first entries or children: the slot a lookup reads is in these
    // lines for nearly every node of a large map (2-4 entries, ADR 010).
    static void fetchNode(const Node* n) noexcept {
        const char* b = reinterpret_cast<const char*>(n);
        __builtin_prefetch(b);
        __builtin_prefetch(b + 64);
    }

    template <typename Q>
    const Entry* findEntry(const Q& key) const {
        return findEntry(key, Hash{}(key));
    }
    template <typename Q>
    const Entry* findEntry(const Q& key, std::size_t h) const {
        Node* n = root_;
        unsigned shift = 0;
        while (n != nullptr) {
            if (shift >= kMaxShift) {
                for (unsigned i = 0; i < n->ndata; ++i)
                    if (Eq{}(n->data()[i].first, key)) return &n->data()[i];
                return nullptr;
            }
            std::uint32_t bit = 1u << ((h >> shift) & 31u);
            if (n->datamap & bit) {
                const Entry& e = n->data()[index(n->datamap, bit)];
                return Eq{}(e.first, key) ? &e : nullptr;
            }
            if (!(n->nodemap & bit)) return nullptr;
            n = n->children()[index(n->nodemap, bit)];
            shift += kBits;
        }
        return nullptr;
    }

    template <typename Q>
    Entry* findEntryMutable(const Q& key, bool& copied) {
        return findEntryMutable(key, Hash{}(key), copied);
    }
    template <typename Q>
    Entry* findEntryMutable(const Q& key, const std::size_t h, bool& copied) {
        copied = false;
        if (findEntry(key, h) == nullptr) return nullptr;  // absent: no path copied
        Node** slot = &root_;
        for (unsigned shift = 0;; shift += kBits) {
            copied |= makeUnique(*slot);
            Node* n = *slot;
            if (shift >= kMaxShift) {
                for (unsigned i = 0; i < n->ndata; ++i)
                    if (Eq{}(n->data()[i].first, key)) return &n->data()[i];
                return nullptr;
            }
            std::uint32_t bit = 1u << ((h >> shift) & 31u);
            if (n->datamap & bit) return &n->data()[index(n->datamap, bit)];
            slot = &n->children()[index(n->nodemap, bit)];
        }
    }

    using Ordered = Keyed;  // (trie path, entry index)

    // The hash's 5-bit slots, first level in the high bits: sorting by it groups by trie path.
    static std::uint64_t pathKey(std::size_t h) {
        std::uint64_t k = 0;
        for (unsigned shift = 0; shift < kMaxShift; shift += kBits)
            k = (k << kBits) | ((h >> shift) & 31u);
        return k;
    }
    static unsigned slotAt(std::uint64_t path, unsigned shift) {
        return static_cast<unsigned>((path >> (kMaxShift - kBits - shift)) & 31u);
    }

    // The build of a few entries (an adjacency set, most often one or two edges): the order on
    // the stack instead of two vectors on the heap.
    static constexpr std::size_t kSmallBuild = 16;
    static PMap buildSmall(std::vector<Entry>& entries) {
        PMap m;
        if (entries.empty()) return m;
        std::array<Ordered, kSmallBuild> order;
        const std::size_t n = entries.size();
        for (std::size_t i = 0; i < n; ++i)
            order[i] = {pathKey(Hash{}(entries[i].first)), static_cast<std::uint32_t>(i)};
        std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n));
        m.size_ = dropRepeats(entries, order.data(), n);
        m.root_ = buildRec(entries, order.data(), order.data() + m.size_, 0);
        return m;
    }

    // Keeps in `order` (n entries) only the entries whose key does not appear again later
    // (equal keys have equal paths, and a run of one path is sorted by entry index); returns
    // how many are kept.
    static std::size_t dropRepeats(const std::vector<Entry>& entries, Ordered* order,
                                   std::size_t n) {
        std::size_t out = 0;
        for (std::size_t a = 0; a < n;) {
            std::size_t b = a + 1;
            while (b < n && order[b].first == order[a].first) ++b;
            for (std::size_t i = a; i < b; ++i) {
                bool later = false;
                for (std::size_t j = i + 1; j < b && !later; ++j)
                    later = Eq{}(entries[order[j].second].first, entries[order[i].second].first);
                if (!later) order[out++] = order[i];
            }
            a = b;
        }
        return out;
    }

    // Builds the node at `shift` for a sorted run of distinct entries sharing the path above.
    static Node* buildRec(std::vector<Entry>& entries, const Ordered* lo, const Ordered* hi,
                          unsigned shift) {
        if (shift >= kMaxShift) {  // equal paths: a collision list
            Node* n = allocate(static_cast<unsigned>(hi - lo), 0);
            for (unsigned i = 0; lo + i != hi; ++i)
                new (&n->data()[i]) Entry(std::move(entries[lo[i].second]));
            return n;
        }
        unsigned nd = 0;
        unsigned nc = 0;
        forEachSlotRun(lo, hi, shift, [&](unsigned, const Ordered* it, const Ordered* end) {
            ++(end - it == 1 ? nd : nc);
        });
        Node* n = allocate(nd, nc);
        unsigned di = 0;
        unsigned ci = 0;
        forEachSlotRun(lo, hi, shift, [&](unsigned slot, const Ordered* it, const Ordered* end) {
            if (end - it == 1) {
                n->datamap |= 1u << slot;
                new (&n->data()[di++]) Entry(std::move(entries[it->second]));
            } else {
                n->nodemap |= 1u << slot;
                n->children()[ci++] = buildRec(entries, it, end, shift + kBits);
            }
        });
        return n;
    }

    // Calls fn(slot, first, end) for each run of entries of [lo, hi) in the same slot at `shift`.
    template <typename Fn>
    static void forEachSlotRun(const Ordered* lo, const Ordered* hi, unsigned shift, Fn&& fn) {
        for (const Ordered* it = lo; it != hi;) {
            const unsigned slot = slotAt(it->first, shift);
            const Ordered* end = it + 1;
            while (end != hi && slotAt(end->first, shift) == slot) ++end;
            fn(slot, it, end);
            it = end;
        }
    }

    static unsigned index(std::uint32_t map, std::uint32_t bit) {
        return static_cast<unsigned>(std::popcount(map & (bit - 1)));
    }

    static Node* allocate(unsigned ndata, unsigned nchild) {
        std::size_t bytes = sizeof(Node) + ndata * sizeof(Entry) + nchild * sizeof(Node*);
        Node* n = new (::operator new(bytes)) Node;
        n->ndata = static_cast<std::uint16_t>(ndata);
        n->nchild = static_cast<std::uint16_t>(nchild);
        return n;
    }
    // Copying or releasing a shared node changes a refcount per entry (when the key is a reference
    // to a shared block, as a NodeRec is) and per child: ~10 cache misses on scattered lines for
    // each node a group's first update of an element copies. Asking for all of those lines
    // before the first refcount change lets the misses overlap instead of running one after
    // the other (the live apply's copy-on-write was 10% of an ingesting caller; ADR 015).
    static void prefetchShared(Node* n) noexcept {
        if constexpr (requires(const K& k) { k.block(); })
            for (unsigned i = 0; i < n->ndata; ++i)
                __builtin_prefetch(n->data()[i].first.block(), 1);
        for (unsigned i = 0; i < n->nchild; ++i) __builtin_prefetch(n->children()[i], 1);
    }
    static void retain(Node* n) noexcept {
        if (n) n->refs.fetch_add(1, std::memory_order_relaxed);
    }
    static void release(Node* n) noexcept {
        if (n == nullptr || n->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        prefetchShared(n);
        destroy(n);
    }
    // Frees a node whose refcount reached 0 (or that was never shared).
    static void destroy(Node* n) noexcept {
        for (unsigned i = 0; i < n->ndata; ++i) n->data()[i].~Entry();
        for (unsigned i = 0; i < n->nchild; ++i) release(n->children()[i]);
        n->~Node();
        ::operator delete(n);
    }

    // Builds a copy of `old` with one entry inserted at `ins` (constructed from `add`) and/or
    // one removed at `del` (-1: none), and one child inserted at `cins` (from `cadd`) and/or
    // removed at `cdel`. Entries are moved and children stolen when `old` is unique (then
    // freed), copied and retained otherwise (then released).
    static Node* rebuild(Node*& slot, int ins, Entry* add, int del, int cins, Node* cadd,
                         int cdel) {
        Node* old = slot;
        bool unique = old->refs.load(std::memory_order_acquire) == 1;
        unsigned nd = old->ndata + (ins >= 0) - (del >= 0);
        unsigned nc = old->nchild + (cins >= 0) - (cdel >= 0);
        if (!unique) prefetchShared(old);
        Node* n = allocate(nd, nc);
        n->datamap = old->datamap;
        n->nodemap = old->nodemap;
        unsigned o = 0;
        for (unsigned i = 0; i < nd; ++i) {
            if (static_cast<int>(i) == ins) {
                new (&n->data()[i]) Entry(std::move(*add));
                continue;
            }
            if (static_cast<int>(o) == del) ++o;
            if (unique)
                new (&n->data()[i]) Entry(std::move(old->data()[o]));
            else
                new (&n->data()[i]) Entry(old->data()[o]);
            ++o;
        }
        o = 0;
        for (unsigned i = 0; i < nc; ++i) {
            if (static_cast<int>(i) == cins) {
                n->children()[i] = cadd;
                continue;
            }
            if (static_cast<int>(o) == cdel) ++o;
            n->children()[i] = old->children()[o];
            if (unique)
                old->children()[o] = nullptr;  // stolen
            else
                retain(n->children()[i]);
            ++o;
        }
        if (unique) {
            if (cdel >= 0) release(old->children()[cdel]);
            for (unsigned i = 0; i < old->nchild; ++i) old->children()[i] = nullptr;
            destroy(old);
        } else {
            release(old);
        }
        slot = n;
        return n;
    }

    // Returns true when the node was shared, and so replaced by a copy.
    static bool makeUnique(Node*& slot) {
        if (slot->refs.load(std::memory_order_acquire) == 1) return false;
        rebuild(slot, -1, nullptr, -1, -1, nullptr, -1);
        return true;
    }

    static V& upsert(Node*& slot, const K& key, std::size_t h, unsigned shift, bool& added) {
        makeUnique(slot);
        Node* n = slot;
        if (shift >= kMaxShift) {
            for (unsigned i = 0; i < n->ndata; ++i)
                if (Eq{}(n->data()[i].first, key)) return n->data()[i].second;
            added = true;
            Entry e{key, V{}};
            n = rebuild(slot, n->ndata, &e, -1, -1, nullptr, -1);
            return n->data()[n->ndata - 1].second;
        }
        std::uint32_t bit = 1u << ((h >> shift) & 31u);
        if (n->datamap & bit) {
            unsigned i = index(n->datamap, bit);
            if (Eq{}(n->data()[i].first, key)) return n->data()[i].second;
            // Push the existing entry down into a new child, then insert there.
            unsigned next = shift + kBits;
            Node* child = allocate(1, 0);
            new (&child->data()[0]) Entry(std::move(n->data()[i]));
            if (next < kMaxShift) {
                std::size_t mh = Hash{}(child->data()[0].first);
                child->datamap = 1u << ((mh >> next) & 31u);
            }
            unsigned ci = index(n->nodemap, bit);
            n = rebuild(slot, -1, nullptr, static_cast<int>(i), static_cast<int>(ci), child, -1);
            n->datamap &= ~bit;
            n->nodemap |= bit;
            return upsert(n->children()[ci], key, h, next, added);
        }
        if (n->nodemap & bit)
            return upsert(n->children()[index(n->nodemap, bit)], key, h, shift + kBits, added);
        unsigned i = index(n->datamap, bit);
        added = true;
        Entry e{key, V{}};
        n = rebuild(slot, static_cast<int>(i), &e, -1, -1, nullptr, -1);
        n->datamap |= bit;
        return n->data()[i].second;
    }

    template <typename Q>
    static void eraseRec(Node*& slot, const Q& key, std::size_t h, unsigned shift) {
        makeUnique(slot);
        Node* n = slot;
        if (shift >= kMaxShift) {
            for (unsigned i = 0; i < n->ndata; ++i)
                if (Eq{}(n->data()[i].first, key)) {
                    rebuild(slot, -1, nullptr, static_cast<int>(i), -1, nullptr, -1);
                    return;
                }
            return;
        }
        std::uint32_t bit = 1u << ((h >> shift) & 31u);
        if (n->datamap & bit) {
            n = rebuild(slot, -1, nullptr, static_cast<int>(index(n->datamap, bit)), -1, nullptr,
                        -1);
            n->datamap &= ~bit;
            return;
        }
        unsigned ci = index(n->nodemap, bit);
        eraseRec(n->children()[ci], key, h, shift + kBits);
        Node* c = n->children()[ci];
        if (c->ndata == 0 && c->nchild == 0) {
            n = rebuild(slot, -1, nullptr, -1, -1, nullptr, static_cast<int>(ci));
            n->nodemap &= ~bit;
        }
    }

    template <typename Fn>
    static bool visit(Node& n, const Fn& fn) {
        // A whole-map walk misses in the cache on nearly every node of a large map: the
        // children's first lines are requested before this node's entries are visited, so
        // that the misses of siblings overlap instead of following one another.
        for (unsigned i = 0; i < n.nchild; ++i) __builtin_prefetch(n.children()[i]);
        for (unsigned i = 0; i < n.ndata; ++i)
            if (!fn(std::as_const(n.data()[i].first), std::as_const(n.data()[i].second)))
                return false;
        for (unsigned i = 0; i < n.nchild; ++i)
            if (!visit(*n.children()[i], fn)) return false;
        return true;
    }

    Node* root_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace skydive::graph::detail
