#include <skydive/graph/graph_image.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <iterator>
#include <thread>
#include <utility>

#include "pmap.h"
#include "term_index.h"

namespace skydive::graph {

using model::Str;
using model::Value;

namespace {

// Hash and equality of a string-like key by its characters, so that a map keyed
// by one can be probed with a string_view.
template <typename S>
struct ViewKeyHash {
    std::size_t operator()(std::string_view s) const noexcept { return model::StrHash{}(s); }
    std::size_t operator()(const S& s) const noexcept { return model::StrHash{}(s.view()); }
};
template <typename S>
struct ViewKeyEq {
    bool operator()(const S& a, std::string_view b) const noexcept { return a.view() == b; }
    bool operator()(const S& a, const S& b) const noexcept { return a == b; }
};
using StrKeyHash = ViewKeyHash<Str>;
using StrKeyEq = ViewKeyEq<Str>;
// Elements keyed by their own ID: the map stores the element handle only (no separate ID key)
// and is looked up by ID.
inline std::string_view idOf(const NodeRec& n) noexcept {
    return n.id();
}
inline std::string_view idOf(const EdgePtr& e) noexcept {
    return e->id.view();
}
template <typename Ptr>
struct ElemHash {
    std::size_t operator()(std::string_view s) const noexcept { return model::StrHash{}(s); }
    std::size_t operator()(const Ptr& e) const noexcept { return model::StrHash{}(idOf(e)); }
};
template <typename Ptr>
struct ElemEq {
    bool operator()(const Ptr& a, std::string_view b) const noexcept { return idOf(a) == b; }
    bool operator()(const Ptr& a, const Ptr& b) const noexcept { return idOf(a) == idOf(b); }
};
struct ValueHash {
    std::size_t operator()(const Value& v) const noexcept { return v.hash(); }
};
struct ValueEq {
    bool operator()(const Value& a, const Value& b) const noexcept { return a == b; }
};

struct Unit {};
using IdSet = detail::PMap<Str, Unit, StrKeyHash, StrKeyEq>;
// Nodes keyed by their own ID, each with its slot in the image's slot table (ADR 002).
using NodeMap = detail::PMap<NodeRec, std::uint32_t, ElemHash<NodeRec>, ElemEq<NodeRec>>;
using NodeEntry = detail::PEntry<NodeRec, std::uint32_t>;  // what a NodeUpdate points at
using EdgeMap = detail::PMap<EdgePtr, Unit, ElemHash<EdgePtr>, ElemEq<EdgePtr>>;
using AdjMap = detail::PMap<Str, IdSet, StrKeyHash, StrKeyEq>;
using detail::SlotSet;
using detail::SlotTable;
using detail::TermCtx;
using detail::TermEntry;
using detail::TermIndex;

// Entries with each one's hash, gathered per loader part.
template <typename Entry>
struct HashedList {
    std::vector<Entry> items;
    std::vector<std::uint64_t> hash;

    template <typename... Args>
    void add(std::uint64_t h, Args&&... args) {
        items.push_back(Entry{std::forward<Args>(args)...});
        hash.push_back(h);
    }
    // Moves every part's list (picked by `get`) into one, parts in order.
    template <typename Parts, typename Get>
    static HashedList joined(Parts& parts, const Get& get) {
        HashedList all;
        std::size_t n = 0;
        for (auto& p : parts) n += get(*p).items.size();
        all.items.reserve(n);
        all.hash.reserve(n);
        for (auto& p : parts) {
            HashedList& h = get(*p);
            std::move(h.items.begin(), h.items.end(), std::back_inserter(all.items));
            all.hash.insert(all.hash.end(), h.hash.begin(), h.hash.end());
            h = HashedList();
        }
        return all;
    }
};
// (key, element) pairs: links by node ID (edge IDs), index terms (slot codes, see TermCode).
template <typename K, typename Id = Str>
using Hashed = HashedList<std::pair<K, Id>>;
// Element pointers, hashed by their IDs (nodes with their slots).
template <typename Ptr, typename V = Unit>
using HashedElements = HashedList<detail::PEntry<Ptr, V>>;
// An index term's node while loading: its slot (first its index in its part) << 1, | 1 when the
// term is the node's whole value (TermIndex::add's `whole`).
using TermCode = std::uint32_t;

// What groupByKey reads of a key beyond the pair itself: a node ID's characters (compared).
inline void prefetchKey(const Str& s) {
    s.prefetch();
}
template <typename K>
void prefetchKey(const K&) {}

// Calls fn(key, hash, ids) once per distinct key of `in`, with its ids in input order. The
// key and ids are `in`'s own, handed over to be moved from: `in` is consumed (moving a string
// out instead of copying it saves an atomic increment now and a decrement when `in` goes, each
// on a string at a random place).
template <typename K, typename Eq, typename Id, typename Fn>
void groupByKey(Hashed<K, Id>& in, const Fn& fn, const Eq& eq = Eq{}) {
    constexpr auto kTaken = static_cast<std::uint32_t>(-1);
    // Hash order visits the pairs at random: each is fetched this many steps ahead, and the
    // key it points to half as many (by then the pair is in cache).
    constexpr std::size_t kAhead = 16;
    auto& pairs = in.items;
    std::vector<detail::Keyed> order(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i)
        order[i] = {in.hash[i], static_cast<std::uint32_t>(i)};
    detail::sortKeyed(order, 64);
    std::vector<Id> ids;
    for (std::size_t a = 0; a < order.size();) {
        if (a + kAhead < order.size()) __builtin_prefetch(&pairs[order[a + kAhead].second]);
        if (a + kAhead / 2 < order.size()) prefetchKey(pairs[order[a + kAhead / 2].second].first);
        std::size_t b = a + 1;
        while (b < order.size() && order[b].first == order[a].first) ++b;
        for (std::size_t i = a; i < b; ++i) {  // usually one key per hash
            if (order[i].second == kTaken) continue;
            K& key = pairs[order[i].second].first;
            ids.clear();
            ids.push_back(std::move(pairs[order[i].second].second));
            for (std::size_t j = i + 1; j < b; ++j) {
                if (order[j].second == kTaken || !eq(pairs[order[j].second].first, key)) continue;
                ids.push_back(std::move(pairs[order[j].second].second));
                order[j].second = kTaken;
            }
            fn(key, order[a].first, ids);
        }
        a = b;
    }
}

AdjMap adjacencyOf(Hashed<Str> links) {
    std::vector<detail::PEntry<Str, IdSet>> entries;
    std::vector<std::uint64_t> hashes;
    std::vector<detail::PEntry<Str, Unit>> set;  // reused: build() moves the entries out
    groupByKey<Str, StrKeyEq>(links, [&](Str& node, std::uint64_t h, std::vector<Str>& ids) {
        set.clear();
        for (Str& id : ids) set.push_back({std::move(id), Unit{}});
        entries.push_back({std::move(node), IdSet::build(std::move(set))});
        hashes.push_back(h);
    });
    return AdjMap::build(std::move(entries), hashes);
}

// An index term while loading, in one word: a string or integer field of a node read in place
// from the node's record (most terms: no Value built, no string copied), or, top bit set, a
// Value kept by the loading part (list items, `@` fields, other types), by part and index.
using LoadTerm = std::uint64_t;
constexpr LoadTerm kOwnedTerm = LoadTerm{1} << 63;
constexpr unsigned kOwnedPartShift = 40;
constexpr LoadTerm kOwnedIndexMask = (LoadTerm{1} << kOwnedPartShift) - 1;

LoadTerm termOfRef(model::ValueRef r) {
    const auto t = static_cast<LoadTerm>(reinterpret_cast<std::uintptr_t>(r.data()));
    assert((t & kOwnedTerm) == 0);  // x86-64 and AArch64 user addresses (no tagged pointers)
    return t;
}
LoadTerm termOfOwned(unsigned part, std::size_t index) {
    assert(part < (1u << 23) && index <= kOwnedIndexMask);
    return kOwnedTerm | (LoadTerm{part} << kOwnedPartShift) | index;
}
model::ValueRef refOf(LoadTerm t) {
    return model::ValueRef(reinterpret_cast<const unsigned char*>(static_cast<std::uintptr_t>(t)));
}

// Reads load terms back through the parts' owned values: equality (Value equality; the
// in-place terms are strings and integers, whose packed bytes compare alike) and the Value
// an index entry keeps. `Owned` is the parts' list of owned values.
template <typename Owned>
struct TermResolver {
    const Owned& owned;

    const Value* ownedOf(LoadTerm t) const {
        if ((t & kOwnedTerm) == 0) return nullptr;
        return &owned((t & ~kOwnedTerm) >> kOwnedPartShift)[t & kOwnedIndexMask];
    }
    bool operator()(LoadTerm a, LoadTerm b) const {
        const Value* va = ownedOf(a);
        const Value* vb = ownedOf(b);
        if (va != nullptr && vb != nullptr) return *va == *vb;
        if (va != nullptr) return model::equals(refOf(b), *va);
        if (vb != nullptr) return model::equals(refOf(a), *vb);
        return refOf(a) == refOf(b);
    }
    Value value(LoadTerm t) const {
        const Value* v = ownedOf(t);
        return v != nullptr ? *v : refOf(t).toValue();
    }
};

// Terms hashed with detail::termHash, codes holding global slots.
template <typename Owned>
TermIndex termIndexOf(Hashed<LoadTerm, TermCode> terms, const TermResolver<Owned>& res) {
    std::vector<TermIndex::Entry> entries;
    std::vector<std::uint64_t> hashes;
    std::vector<std::uint32_t> slots;
    groupByKey<LoadTerm, TermResolver<Owned>>(
        terms,
        [&](LoadTerm& term, std::uint64_t h, const std::vector<TermCode>& codes) {
            const auto h31 = static_cast<std::uint32_t>(h);
            if (codes.size() == 1 && (codes[0] & 1u) != 0) {
                entries.push_back({TermEntry::single(codes[0] >> 1, h31), {}});
            } else {
                slots.clear();
                for (TermCode c : codes) slots.push_back(c >> 1);
                entries.push_back(
                    {TermEntry::makeMany(res.value(term), h31, SlotSet::build(slots)), {}});
            }
            hashes.push_back(h);
        },
        res);
    return TermIndex::build(std::move(entries), hashes);
}

template <typename Map, typename Ptr, typename V = Unit, typename Parts, typename Get>
Map elementsOf(Parts& parts, const Get& get) {
    auto all = HashedElements<Ptr, V>::joined(parts, get);
    return Map::build(std::move(all.items), all.hash);
}

// Runs the tasks on up to `threads` threads (this one included), each task once.
void runTasks(const std::vector<std::function<void()>>& tasks, unsigned threads) {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i = next++; i < tasks.size(); i = next++) tasks[i]();
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < tasks.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
}

}  // namespace

bool IndexConfig::has(std::string_view key) const {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool holdsTerm(NodeHandle n, std::string_view key, const Value& value) {
    const model::FieldValue f = model::fieldOf(n, key);
    if (!f) return false;
    if (f.isRef() && !f.ref().isList()) return model::equals(f.ref(), value);
    bool match = false;
    forEachIndexTerm(f.toValue(), [&](const Value& term) { match = match || term == value; });
    return match;
}

void forEachIndexTerm(const Value& v, const std::function<void(const Value&)>& fn) {
    fn(v);
    if (v.isList())
        for (const Value& item : v.asList()) fn(item);
}

struct GraphImage::Impl {
    std::shared_ptr<const IndexConfig> config;
    NodeMap nodes;
    // Names the layout of `nodes`' trie for NodeProbes: replaced by a value never used before,
    // in any image, whenever a trie node may have been freed or replaced (an insert, a removal,
    // a shared path copied, a copy of the image), so that a probe started before never reads
    // one.
    std::uint64_t node_epoch = freshEpoch();
    static std::uint64_t freshEpoch() noexcept {
        static std::atomic<std::uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
    }
    EdgeMap edges;
    AdjMap out;
    AdjMap in;
    SlotTable slots;               // node slot -> record block (owned by `nodes`)
    std::vector<TermIndex> index;  // one per config->keys entry
    std::vector<bool> plain;       // per key: a top-level metadata key (no `@`, `.` or prefix)
    // The position of each plain indexed key in the key list of `n` (keyCount() when absent),
    // kept per thread for the last key list and config seen. The cache holds both (a record
    // of that key list, which keeps the interned list alive), so neither can be replaced by
    // another at the same address while cached.
    const std::size_t* plainPositions(model::NodeRef n) const {
        struct Cache {
            std::shared_ptr<const IndexConfig> config;
            model::NodeRec holder;
            std::vector<std::size_t> at;
        };
        thread_local Cache cache;
        if (cache.config != config || !cache.holder || !cache.holder.sameKeys(n)) {
            cache.config = config;
            cache.holder = model::NodeRec::share(n);
            cache.at.assign(config->keys.size(), n.keyCount());
            for (std::size_t i = 0; i < config->keys.size(); ++i)
                if (plain[i]) cache.at[i] = n.fieldIndex(config->keys[i]);
        }
        return cache.at.data();
    }

    TermCtx ctx(std::size_t i) const { return TermCtx{&slots, config->keys[i], plain[i]}; }
    static std::uintptr_t word(model::NodeRef n) {
        return reinterpret_cast<std::uintptr_t>(n.block());
    }

    void link(AdjMap& adj, const Str& node_id, const Str& edge_id) {
        adj.getOrInsert(node_id).set(edge_id, Unit{});
    }
    void unlink(AdjMap& adj, const Str& node_id, const Str& edge_id) {
        IdSet* s = adj.findMut(node_id);
        if (s == nullptr) return;
        s->erase(edge_id);
        if (s->empty()) adj.erase(node_id);
    }
    // Removals need the slot table to hold the node the terms were added for, additions the
    // node they are added for (a single term is read from its node).
    void indexValue(std::size_t i, std::uint32_t slot, const Value& v, bool add) {
        const TermCtx c = ctx(i);
        forEachIndexTerm(v, [&](const Value& term) {
            if (add)
                index[i].add(c, term, &term == &v && !v.isList(), slot);
            else
                index[i].remove(c, term, slot);
        });
    }
    void indexNode(model::NodeRef n, std::uint32_t slot, bool add) {
        for (std::size_t i = 0; i < config->keys.size(); ++i)
            if (auto v = model::fieldOf(n, config->keys[i])) indexValue(i, slot, v.toValue(), add);
    }
    // Replaces the node at `slot`, re-indexing only the keys whose value changed (most updates
    // touch no indexed key): old terms out while the table holds the old node, then new in.
    // Returns the changed keys' bits (key i < 64: bit i).
    std::uint64_t replaceNode(model::NodeRef old_node, model::NodeRef n, std::uint32_t slot) {
        std::vector<std::pair<std::size_t, Value>> added;
        const std::uint64_t changed = reindexNode(old_node, n, slot, added);
        slots.set(slot, word(n));
        for (const auto& [i, v] : added) indexValue(i, slot, v, true);
        return changed;
    }
    std::uint64_t reindexNode(model::NodeRef old_node, model::NodeRef n, std::uint32_t slot,
                              std::vector<std::pair<std::size_t, Value>>& added) {
        std::uint64_t changed = 0;
        // Records of one key list (an update that adds or drops no key) compare the plain keys'
        // values by position: the positions are found once per key list, not per record.
        const std::size_t* at = old_node.sameKeys(n) ? plainPositions(n) : nullptr;
        const std::uint64_t differ =
            at != nullptr ? old_node.differingValues(n, at, config->keys.size()) : 0;
        for (std::size_t i = 0; i < config->keys.size(); ++i) {
            std::string_view key = config->keys[i];
            if (at != nullptr && plain[i] && i < 64) {
                if ((differ >> i & 1) == 0) continue;
            } else if (model::sameField(old_node, n, key)) {
                continue;
            }
            const model::FieldValue before = model::fieldOf(old_node, key);
            const model::FieldValue after = model::fieldOf(n, key);
            if (i < 64) changed |= std::uint64_t{1} << i;
            if (before) indexValue(i, slot, before.toValue(), false);
            if (after) added.emplace_back(i, after.toValue());
        }
        return changed;
    }
};

GraphImage::GraphImage(std::shared_ptr<const IndexConfig> config) : impl_(new Impl) {
    if (!config) config = std::make_shared<IndexConfig>();
    impl_->index.resize(config->keys.size());
    for (const std::string& k : config->keys)
        impl_->plain.push_back(!k.empty() && k[0] != '@' && k.find('.') == std::string::npos &&
                               k != "Metadata");
    impl_->config = std::move(config);
}
GraphImage::GraphImage(const GraphImage& other) : impl_(new Impl(*other.impl_)) {
    impl_->node_epoch = Impl::freshEpoch();
}
GraphImage::GraphImage(GraphImage&& other) noexcept = default;
GraphImage& GraphImage::operator=(const GraphImage& other) {
    if (this != &other) {
        impl_ = std::make_unique<Impl>(*other.impl_);
        impl_->node_epoch = Impl::freshEpoch();
    }
    return *this;
}
GraphImage& GraphImage::operator=(GraphImage&& other) noexcept = default;
GraphImage::~GraphImage() = default;

GraphImage GraphImage::build(std::shared_ptr<const IndexConfig> config, std::vector<NodeRec> nodes,
                             std::vector<EdgePtr> edges, unsigned threads) {
    threads = std::max(threads, 1u);
    GraphImageLoader loader(std::move(config), threads);
    // Part t gets the t-th slice of each list, so the parts in order keep the input order.
    std::vector<std::function<void()>> tasks;
    for (unsigned t = 0; t < threads; ++t)
        tasks.emplace_back([&, t] {
            for (std::size_t i = nodes.size() * t / threads; i < nodes.size() * (t + 1) / threads;
                 ++i)
                loader.addNode(t, std::move(nodes[i]));
            for (std::size_t i = edges.size() * t / threads; i < edges.size() * (t + 1) / threads;
                 ++i)
                loader.addEdge(t, std::move(edges[i]));
        });
    runTasks(tasks, threads);
    return loader.build(threads);
}

struct GraphImageLoader::Part {
    HashedElements<NodeRec, std::uint32_t> nodes;  // slots set by build()
    HashedElements<EdgePtr> edges;
    Hashed<Str> out;
    Hashed<Str> in;
    std::vector<Hashed<LoadTerm, TermCode>> terms;  // one per config->keys entry
    std::vector<Value> owned_terms;                 // the terms not read in place
};

GraphImageLoader::GraphImageLoader(std::shared_ptr<const IndexConfig> config, unsigned parts)
    : config_(config ? std::move(config) : std::make_shared<IndexConfig>()) {
    for (unsigned i = 0; i < std::max(parts, 1u); ++i) {
        parts_.push_back(std::make_unique<Part>());
        parts_.back()->terms.resize(config_->keys.size());
    }
}
GraphImageLoader::~GraphImageLoader() = default;

void GraphImageLoader::addNode(unsigned part, NodeRec node) {
    Part& p = *parts_[part];
    const auto local = static_cast<TermCode>(p.nodes.items.size() << 1);
    for (std::size_t k = 0; k < config_->keys.size(); ++k) {
        const model::FieldValue f = model::fieldOf(node, config_->keys[k]);
        if (!f) continue;
        if (f.isRef()) {
            // A string or integer read in place, hashed as the Value it stands for.
            const model::ValueRef r = f.ref();
            const model::ValueType type = r.type();
            if (type == model::ValueType::String || type == model::ValueType::Int) {
                const std::size_t h = type == model::ValueType::String
                                          ? Value::hashOfString(r.asString())
                                          : Value::hashOfInt(r.asInt());
                p.terms[k].add(detail::termHashOf(h), termOfRef(r), local | TermCode{1});
                continue;
            }
        }
        const Value v = f.toValue();
        forEachIndexTerm(v, [&](const Value& term) {
            const bool whole = &term == &v && !v.isList();
            p.owned_terms.push_back(term);
            p.terms[k].add(detail::termHash(term), termOfOwned(part, p.owned_terms.size() - 1),
                           local | TermCode{whole});
        });
    }
    const auto h = model::StrHash{}(node.id());
    p.nodes.add(h, std::move(node), 0u);
}

void GraphImageLoader::addEdge(unsigned part, EdgePtr edge) {
    Part& p = *parts_[part];
    p.out.add(model::StrHash{}(edge->parent.view()), edge->parent, edge->id);
    p.in.add(model::StrHash{}(edge->child.view()), edge->child, edge->id);
    const auto h = model::StrHash{}(edge->id.view());
    p.edges.add(h, std::move(edge), Unit{});
}

GraphImage GraphImageLoader::build(unsigned threads) {
    GraphImage img(config_);
    GraphImage::Impl& im = *img.impl_;
    std::size_t node_count = 0;
    std::size_t edge_count = 0;
    // Slots in part order: node i of all parts, in order, gets SlotTable::slotOf(i).
    std::vector<std::uintptr_t> words;
    for (const auto& p : parts_) {
        const std::size_t first = node_count;
        for (auto& e : p->nodes.items) {
            e.second = SlotTable::slotOf(words.size());
            words.push_back(GraphImage::Impl::word(e.first));
        }
        for (auto& terms : p->terms)
            for (auto& t : terms.items)
                t.second = (SlotTable::slotOf(first + (t.second >> 1)) << 1) | (t.second & 1u);
        node_count += p->nodes.items.size();
        edge_count += p->edges.items.size();
    }
    im.slots = SlotTable::build(words);
    // Largest first, so the last task to start is a short one.
    std::vector<std::function<void()>> tasks;
    tasks.emplace_back([&] {
        im.edges = elementsOf<EdgeMap, EdgePtr>(
            parts_, [](Part & p) -> auto& { return p.edges; });
    });
    // Every version of the nodes, a replaced one too (a repeated ID), lives until the tasks
    // end: the index tasks read terms in place from their records.
    HashedElements<NodeRec, std::uint32_t> all_nodes;
    tasks.emplace_back([&] {
        all_nodes = HashedElements<NodeRec, std::uint32_t>::joined(
            parts_, [](Part & p) -> auto& { return p.nodes; });
        im.nodes = NodeMap::build(std::move(all_nodes.items), all_nodes.hash);
        im.node_epoch = GraphImage::Impl::freshEpoch();
    });
    tasks.emplace_back([&] {
        im.out = adjacencyOf(Hashed<Str>::joined(
            parts_, [](Part & p) -> auto& { return p.out; }));
    });
    tasks.emplace_back([&] {
        im.in = adjacencyOf(Hashed<Str>::joined(
            parts_, [](Part & p) -> auto& { return p.in; }));
    });
    auto owned = [this](std::size_t part) -> const std::vector<Value>& {
        return parts_[part]->owned_terms;
    };
    const TermResolver<decltype(owned)> resolver{owned};
    for (std::size_t k = 0; k < config_->keys.size(); ++k)
        tasks.emplace_back([&, k] {
            im.index[k] = termIndexOf(Hashed<LoadTerm, TermCode>::joined(
                                          parts_, [k](Part & p) -> auto& { return p.terms[k]; }),
                                      resolver);
        });
    runTasks(tasks, std::max(threads, 1u));
    all_nodes = {};
    parts_.clear();
    if (im.nodes.size() == node_count && im.edges.size() == edge_count) return img;
    // A repeated ID: the element maps kept the last version of each ID, which is what inserting
    // one by one leaves (a replacement re-indexes and re-links), but the links and terms of the
    // replaced versions are in the other tries. Build again from the maps' elements alone.
    std::vector<NodeRec> nodes;
    std::vector<EdgePtr> edges;
    im.nodes.forEach([&](const NodeRec& n, std::uint32_t) {
        nodes.push_back(n);
        return true;
    });
    im.edges.forEach([&](const EdgePtr& e, const Unit&) {
        edges.push_back(e);
        return true;
    });
    return GraphImage::build(config_, std::move(nodes), std::move(edges), threads);
}

model::NodeRef GraphImage::node(std::string_view id) const {
    return node(id, ElemHash<NodeRec>{}(id));
}
GraphImage::NodeProbe GraphImage::probeNode(std::string_view id) const noexcept {
    const NodeMap::Probe p = impl_->nodes.probe(id);
    return {p.node, p.hash, p.shift, impl_->node_epoch};
}

bool GraphImage::stepNodeProbe(NodeProbe& probe) const noexcept {
    // A probe of a trie since changed may point at a node that is gone: it just ends.
    if (probe.node == nullptr || probe.epoch != impl_->node_epoch) {
        probe.node = nullptr;
        return false;
    }
    NodeMap::Probe p;
    p.node = static_cast<const NodeMap::Probe::Node*>(probe.node);
    p.hash = probe.hash;
    p.shift = probe.shift;
    impl_->nodes.step(p, [](const NodeEntry& e) { __builtin_prefetch(e.first.block()); });
    probe.node = p.node;
    probe.shift = p.shift;
    return probe.node != nullptr;
}
const EdgePtr* GraphImage::edge(std::string_view id) const {
    return impl_->edges.findKey(id);
}

model::NodeRef GraphImage::NodeUpdate::current() const noexcept {
    return static_cast<const NodeEntry*>(entry_)->first;
}

GraphImage::NodeUpdate GraphImage::updateNode(std::string_view id) {
    return updateNode(id, ElemHash<NodeRec>{}(id));
}

GraphImage::NodeUpdate GraphImage::updateNode(std::string_view id, std::uint64_t hash) {
    NodeUpdate u;
    bool copied;
    u.entry_ = impl_->nodes.findEntryMut(id, hash, copied);
    if (copied) impl_->node_epoch = Impl::freshEpoch();
    return u;
}

model::NodeRef GraphImage::node(std::string_view id, std::uint64_t hash) const {
    const NodeRec* n = impl_->nodes.findKey(id, hash);
    return n != nullptr ? model::NodeRef(*n) : model::NodeRef();
}

std::uint64_t GraphImage::replace(NodeUpdate u, NodeRec node) {
    auto* e = static_cast<NodeEntry*>(u.entry_);
    const std::uint64_t changed = impl_->replaceNode(e->first, node, e->second);
    e->first = std::move(node);  // the same ID: hashes and compares as the old key
    return changed;
}

std::uint64_t GraphImage::putNode(NodeRec node) {
    Impl& im = *impl_;
    if (NodeUpdate u = updateNode(node.id())) return replace(u, std::move(node));
    const std::uint32_t slot = im.slots.acquire(Impl::word(node));
    im.indexNode(node, slot, true);
    im.node_epoch = Impl::freshEpoch();
    im.nodes.set(std::move(node), slot);
    return ~std::uint64_t{0};
}

void GraphImage::putEdge(EdgePtr edge) {
    Impl& im = *impl_;
    EdgePtr* old = im.edges.findKeyMut(edge->id.view());
    if (old != nullptr) {
        if ((*old)->parent != edge->parent || (*old)->child != edge->child) {
            im.unlink(im.out, (*old)->parent, edge->id);
            im.unlink(im.in, (*old)->child, edge->id);
        }
    }
    im.link(im.out, edge->parent, edge->id);
    im.link(im.in, edge->child, edge->id);
    if (old != nullptr)
        *old = std::move(edge);  // the same ID: hashes and compares as the old key
    else
        im.edges.set(std::move(edge), Unit{});
}

void GraphImage::adoptEdges(GraphImage&& other) {
    impl_->edges = std::move(other.impl_->edges);
    impl_->out = std::move(other.impl_->out);
    impl_->in = std::move(other.impl_->in);
}

bool GraphImage::removeNode(std::string_view id) {
    const std::uint32_t* slot = impl_->nodes.find(id);
    if (slot == nullptr) return false;
    const std::uint32_t s = *slot;
    impl_->indexNode(*impl_->nodes.findKey(id), s, false);
    impl_->node_epoch = Impl::freshEpoch();
    impl_->nodes.erase(id);
    impl_->slots.releaseSlot(s);
    return true;
}

bool GraphImage::removeEdge(std::string_view id) {
    const EdgePtr* old = impl_->edges.findKey(id);
    if (old == nullptr) return false;
    EdgePtr keep = *old;
    impl_->unlink(impl_->out, keep->parent, keep->id);
    impl_->unlink(impl_->in, keep->child, keep->id);
    impl_->edges.erase(id);
    return true;
}

std::size_t GraphImage::nodeCount() const {
    return impl_->nodes.size();
}
std::size_t GraphImage::edgeCount() const {
    return impl_->edges.size();
}
const IndexConfig& GraphImage::config() const {
    return *impl_->config;
}
std::shared_ptr<const IndexConfig> GraphImage::configPtr() const {
    return impl_->config;
}

void GraphImage::forEachNode(const GraphView::NodeFn& fn) const {
    impl_->nodes.forEach([&](const NodeRec& n, std::uint32_t) { return fn(NodeHandle(n)); });
}
void GraphImage::forEachEdge(const GraphView::EdgeFn& fn) const {
    impl_->edges.forEach([&](const EdgePtr& e, const Unit&) { return fn(*e); });
}

namespace {
// Calls fn with spans of up to 256 items, `item(element)` each.
template <typename T, typename Map, typename Item, typename Fn>
void visitBatches(const Map& map, const Item& item, const Fn& fn) {
    std::array<T, 256> batch;
    std::size_t n = 0;
    bool go = true;
    map.forEach([&](const auto& e, const auto&) {
        batch[n++] = item(e);
        if (n == batch.size()) {
            go = fn(std::span<const T>(batch.data(), n));
            n = 0;
        }
        return go;
    });
    if (go && n > 0) fn(std::span<const T>(batch.data(), n));
}
}  // namespace

void GraphImage::forEachNodeBatch(const NodeBatchFn& fn) const {
    visitBatches<model::NodeRef>(
        impl_->nodes, [](const NodeRec& n) { return model::NodeRef(n); }, fn);
}
void GraphImage::forEachEdgeBatch(const EdgeBatchFn& fn) const {
    visitBatches<const Edge*>(
        impl_->edges, [](const EdgePtr& e) { return e.get(); }, fn);
}

void GraphImage::outEdgeIds(std::string_view node_id,
                            const std::function<bool(const Str&)>& fn) const {
    if (const IdSet* s = impl_->out.find(node_id))
        s->forEach([&](const Str& id, const Unit&) { return fn(id); });
}
void GraphImage::inEdgeIds(std::string_view node_id,
                           const std::function<bool(const Str&)>& fn) const {
    if (const IdSet* s = impl_->in.find(node_id))
        s->forEach([&](const Str& id, const Unit&) { return fn(id); });
}

void GraphImage::nodesByValue(std::string_view key, const Value& value,
                              const GraphView::NodeFn& fn) const {
    const auto& keys = impl_->config->keys;
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it != keys.end()) {
        const auto i = static_cast<std::size_t>(it - keys.begin());
        const TermCtx c = impl_->ctx(i);
        impl_->index[i].forEach(c, value, [&](std::uint32_t slot) { return fn(c.node(slot)); });
        return;
    }
    forEachNode([&](NodeHandle n) { return !holdsTerm(n, key, value) || fn(n); });
}

std::size_t GraphImage::countByValue(std::string_view key, const Value& value) const {
    const auto& keys = impl_->config->keys;
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
        std::size_t n = 0;
        nodesByValue(key, value, [&](NodeHandle) { return ++n, true; });
        return n;
    }
    const auto i = static_cast<std::size_t>(it - keys.begin());
    return impl_->index[i].count(impl_->ctx(i), value);
}

}  // namespace skydive::graph
