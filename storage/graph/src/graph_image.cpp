#include <skydive/graph/graph_image.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <thread>
#include <utility>

#include <skydive/model/str_ref.h>

#include "pmap.h"

namespace skydive::graph {

using model::Str;
using model::StrRef;
using model::Value;

namespace {

// Hash and equality of a string-like key (Str, StrRef) by its characters, so that a map keyed
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
using RefHash = ViewKeyHash<StrRef>;
using RefEq = ViewKeyEq<StrRef>;
// Elements keyed by their own ID: the map stores the element pointer only (16 bytes per entry,
// not 32 for a separate ID key) and is looked up by ID.
template <typename Ptr>
struct ElemHash {
    std::size_t operator()(std::string_view s) const noexcept { return model::StrHash{}(s); }
    std::size_t operator()(const Ptr& e) const noexcept { return model::StrHash{}(e->id.view()); }
};
template <typename Ptr>
struct ElemEq {
    bool operator()(const Ptr& a, std::string_view b) const noexcept { return a->id.view() == b; }
    bool operator()(const Ptr& a, const Ptr& b) const noexcept { return a->id == b->id; }
};
struct ValueHash {
    std::size_t operator()(const Value& v) const noexcept { return v.hash(); }
};
struct ValueEq {
    bool operator()(const Value& a, const Value& b) const noexcept { return a == b; }
};

struct Unit {};
using IdSet = detail::PMap<Str, Unit, StrKeyHash, StrKeyEq>;
using RefSet = detail::PMap<StrRef, Unit, RefHash, RefEq>;
using NodeMap = detail::PMap<NodePtr, Unit, ElemHash<NodePtr>, ElemEq<NodePtr>>;
using EdgeMap = detail::PMap<EdgePtr, Unit, ElemHash<EdgePtr>, ElemEq<EdgePtr>>;
using AdjMap = detail::PMap<Str, IdSet, StrKeyHash, StrKeyEq>;
// The IDs of one index term. Most terms (Name, MAC, TID...) name one node. A posting is one
// 8-byte word: that one ID as a StrRef (sharing the characters of the element's ID), or, from
// the second ID on, a pointer (tagged with bit 2) to an intrusive, copy-on-write set of
// StrRefs holding every member. No shared_ptr control block, no inline empty set.
class Posting {
public:
    Posting() = default;
    Posting(const Posting& o) noexcept : word_(copyWord(o.word_)) {}
    Posting(Posting&& o) noexcept : word_(std::exchange(o.word_, StrRef::kEmptyWord)) {}
    Posting& operator=(const Posting& o) noexcept {
        if (this != &o) {
            std::uintptr_t w = copyWord(o.word_);
            dropWord(word_);
            word_ = w;
        }
        return *this;
    }
    Posting& operator=(Posting&& o) noexcept {
        if (this != &o) {
            dropWord(word_);
            word_ = std::exchange(o.word_, StrRef::kEmptyWord);
        }
        return *this;
    }
    ~Posting() { dropWord(word_); }

    bool empty() const {
        return isMany(word_) ? manyOf(word_)->ids.empty() : word_ == StrRef::kEmptyWord;
    }
    void add(const Str& id) {
        if (word_ == StrRef::kEmptyWord) {
            word_ = StrRef(id).releaseWord();
        } else if (!isMany(word_)) {
            if (singleView() == id.view()) return;
            auto* m = new Many;
            m->ids.set(StrRef::adoptWord(word_), Unit{});
            m->ids.set(StrRef(id), Unit{});
            word_ = reinterpret_cast<std::uintptr_t>(m) | kManyTag;
        } else {
            mutableMany().set(StrRef(id), Unit{});
        }
    }
    void remove(const Str& id) {
        if (!isMany(word_)) {
            if (word_ != StrRef::kEmptyWord && singleView() == id.view()) {
                dropWord(word_);
                word_ = StrRef::kEmptyWord;
            }
        } else if (manyOf(word_)->ids.find(id.view()) != nullptr) {
            mutableMany().erase(id.view());
        }
    }
    /// The posting of `ids` (in order, repeats allowed) built at once (GraphImage::build).
    static Posting of(const std::vector<Str>& ids) {
        Posting p;
        std::vector<detail::PEntry<StrRef, Unit>> all;
        for (const Str& id : ids)
            if (id != ids.front() || all.empty()) all.push_back({StrRef(id), Unit{}});
        if (all.size() == 1) {
            p.word_ = all.front().first.releaseWord();
        } else {
            auto* m = new Many;
            m->ids = RefSet::build(std::move(all));
            p.word_ = reinterpret_cast<std::uintptr_t>(m) | kManyTag;
        }
        return p;
    }
    std::size_t size() const {
        if (isMany(word_)) return manyOf(word_)->ids.size();
        return word_ == StrRef::kEmptyWord ? 0 : 1;
    }
    /// Calls fn(std::string_view id) per member until it returns false.
    template <typename Fn>
    void forEach(const Fn& fn) const {
        if (isMany(word_))
            manyOf(word_)->ids.forEach(
                [&](const StrRef& id, const Unit&) { return fn(id.view()); });
        else if (word_ != StrRef::kEmptyWord)
            fn(singleView());
    }

private:
    struct alignas(8) Many {
        std::atomic<std::uint32_t> refs{1};
        RefSet ids;
    };
    // A StrRef word has bit 0 set (inline) or is 8-aligned; a Many* is tagged with bit 2.
    static constexpr std::uintptr_t kManyTag = 4;
    static bool isMany(std::uintptr_t w) noexcept { return (w & 5u) == kManyTag; }
    static Many* manyOf(std::uintptr_t w) noexcept {
        return reinterpret_cast<Many*>(w & ~std::uintptr_t{7});
    }
    static std::uintptr_t copyWord(std::uintptr_t w) noexcept {
        if (isMany(w)) {
            manyOf(w)->refs.fetch_add(1, std::memory_order_relaxed);
            return w;
        }
        StrRef borrowed = StrRef::adoptWord(w);
        StrRef copy = borrowed;
        (void)borrowed.releaseWord();
        return copy.releaseWord();
    }
    static void dropWord(std::uintptr_t w) noexcept {
        if (!isMany(w)) {
            StrRef drop = StrRef::adoptWord(w);  // released as it goes out of scope
        } else if (Many* m = manyOf(w); m->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete m;
        }
    }
    std::string_view singleView() const noexcept { return StrRef::viewOfWord(word_); }
    RefSet& mutableMany() {
        Many* m = manyOf(word_);
        if (m->refs.load(std::memory_order_acquire) != 1) {
            auto* copy = new Many;
            copy->ids = m->ids;  // O(1): the trie is shared, path-copied on write
            dropWord(word_);
            word_ = reinterpret_cast<std::uintptr_t>(copy) | kManyTag;
            m = copy;
        }
        return m->ids;
    }

    std::uintptr_t word_ = StrRef::kEmptyWord;
};
static_assert(sizeof(Posting) == 8);
using Postings = detail::PMap<Value, Posting, ValueHash, ValueEq>;

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
// (key, element ID) pairs: links by node ID, index terms.
template <typename K>
using Hashed = HashedList<std::pair<K, Str>>;
// Element pointers, hashed by their IDs.
template <typename Ptr>
using HashedElements = HashedList<detail::PEntry<Ptr, Unit>>;

// Calls fn(key, hash, ids) once per distinct key of `in`, with its ids in input order.
template <typename K, typename Eq, typename Fn>
void groupByKey(const Hashed<K>& in, const Fn& fn) {
    constexpr auto kTaken = static_cast<std::uint32_t>(-1);
    const auto& pairs = in.items;
    std::vector<detail::Keyed> order(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i)
        order[i] = {in.hash[i], static_cast<std::uint32_t>(i)};
    detail::sortKeyed(order, 64);
    std::vector<Str> ids;
    for (std::size_t a = 0; a < order.size();) {
        std::size_t b = a + 1;
        while (b < order.size() && order[b].first == order[a].first) ++b;
        for (std::size_t i = a; i < b; ++i) {  // usually one key per hash
            if (order[i].second == kTaken) continue;
            const K& key = pairs[order[i].second].first;
            ids.clear();
            ids.push_back(pairs[order[i].second].second);
            for (std::size_t j = i + 1; j < b; ++j) {
                if (order[j].second == kTaken || !Eq{}(pairs[order[j].second].first, key)) continue;
                ids.push_back(pairs[order[j].second].second);
                order[j].second = kTaken;
            }
            fn(key, order[a].first, ids);
        }
        a = b;
    }
}

AdjMap adjacencyOf(const Hashed<Str>& links) {
    std::vector<detail::PEntry<Str, IdSet>> entries;
    std::vector<std::uint64_t> hashes;
    groupByKey<Str, StrKeyEq>(links,
                              [&](const Str& node, std::uint64_t h, const std::vector<Str>& ids) {
                                  std::vector<detail::PEntry<Str, Unit>> set;
                                  set.reserve(ids.size());
                                  for (const Str& id : ids) set.push_back({id, Unit{}});
                                  entries.push_back({node, IdSet::build(std::move(set))});
                                  hashes.push_back(h);
                              });
    return AdjMap::build(std::move(entries), hashes);
}

Postings postingsOf(const Hashed<Value>& terms) {
    std::vector<detail::PEntry<Value, Posting>> entries;
    std::vector<std::uint64_t> hashes;
    groupByKey<Value, ValueEq>(
        terms, [&](const Value& term, std::uint64_t h, const std::vector<Str>& ids) {
            entries.push_back({term, Posting::of(ids)});
            hashes.push_back(h);
        });
    return Postings::build(std::move(entries), hashes);
}

template <typename Map, typename Ptr, typename Parts, typename Get>
Map elementsOf(Parts& parts, const Get& get) {
    auto all = HashedElements<Ptr>::joined(parts, get);
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

void forEachIndexTerm(const Value& v, const std::function<void(const Value&)>& fn) {
    fn(v);
    if (v.isList())
        for (const Value& item : v.asList()) fn(item);
}

struct GraphImage::Impl {
    std::shared_ptr<const IndexConfig> config;
    NodeMap nodes;
    EdgeMap edges;
    AdjMap out;
    AdjMap in;
    std::vector<Postings> index;  // one per config->keys entry
    std::vector<bool> plain;      // per key: a top-level metadata key (no `@`, `.` or prefix)

    void link(AdjMap& adj, const Str& node_id, const Str& edge_id) {
        adj.getOrInsert(node_id).set(edge_id, Unit{});
    }
    void unlink(AdjMap& adj, const Str& node_id, const Str& edge_id) {
        IdSet* s = adj.findMut(node_id);
        if (s == nullptr) return;
        s->erase(edge_id);
        if (s->empty()) adj.erase(node_id);
    }
    void indexValue(std::size_t i, const Str& id, const Value& v, bool add) {
        forEachIndexTerm(v, [&](const Value& term) {
            if (add) {
                index[i].getOrInsert(term).add(id);
            } else if (Posting* p = index[i].findMut(term)) {
                p->remove(id);
                if (p->empty()) index[i].erase(term);
            }
        });
    }
    void indexNode(const Node& n, bool add) {
        for (std::size_t i = 0; i < config->keys.size(); ++i)
            if (auto v = model::fieldOf(n, config->keys[i])) indexValue(i, n.id, *v, add);
    }
    // Re-indexes only the keys whose value changed (most updates touch no indexed key).
    void reindexNode(const Node& old_node, const Node& n) {
        const model::Object& old_md = old_node.metadata.asObject();
        const model::Object& new_md = n.metadata.asObject();
        for (std::size_t i = 0; i < config->keys.size(); ++i) {
            std::string_view key = config->keys[i];
            if (plain[i]) {  // a top-level metadata key: compare in place, no copies
                const Value* a = old_md.find(key);
                const Value* b = new_md.find(key);
                if (a == nullptr ? b == nullptr : b != nullptr && *a == *b) continue;
            }
            auto before = model::fieldOf(old_node, config->keys[i]);
            auto after = model::fieldOf(n, config->keys[i]);
            if (before == after) continue;
            if (before) indexValue(i, n.id, *before, false);
            if (after) indexValue(i, n.id, *after, true);
        }
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
GraphImage::GraphImage(const GraphImage& other) : impl_(new Impl(*other.impl_)) {}
GraphImage::GraphImage(GraphImage&& other) noexcept = default;
GraphImage& GraphImage::operator=(const GraphImage& other) {
    if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
    return *this;
}
GraphImage& GraphImage::operator=(GraphImage&& other) noexcept = default;
GraphImage::~GraphImage() = default;

GraphImage GraphImage::build(std::shared_ptr<const IndexConfig> config, std::vector<NodePtr> nodes,
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
    HashedElements<NodePtr> nodes;
    HashedElements<EdgePtr> edges;
    Hashed<Str> out;
    Hashed<Str> in;
    std::vector<Hashed<Value>> terms;  // one per config->keys entry
};

GraphImageLoader::GraphImageLoader(std::shared_ptr<const IndexConfig> config, unsigned parts)
    : config_(config ? std::move(config) : std::make_shared<IndexConfig>()) {
    for (unsigned i = 0; i < std::max(parts, 1u); ++i) {
        parts_.push_back(std::make_unique<Part>());
        parts_.back()->terms.resize(config_->keys.size());
    }
}
GraphImageLoader::~GraphImageLoader() = default;

void GraphImageLoader::addNode(unsigned part, NodePtr node) {
    Part& p = *parts_[part];
    for (std::size_t k = 0; k < config_->keys.size(); ++k)
        if (auto v = model::fieldOf(*node, config_->keys[k]))
            forEachIndexTerm(
                *v, [&](const Value& term) { p.terms[k].add(term.hash(), term, node->id); });
    const auto h = model::StrHash{}(node->id.view());
    p.nodes.add(h, std::move(node), Unit{});
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
    for (const auto& p : parts_) {
        node_count += p->nodes.items.size();
        edge_count += p->edges.items.size();
    }
    // Largest first, so the last task to start is a short one.
    std::vector<std::function<void()>> tasks;
    tasks.emplace_back([&] {
        im.edges = elementsOf<EdgeMap, EdgePtr>(
            parts_, [](Part & p) -> auto& { return p.edges; });
    });
    tasks.emplace_back([&] {
        im.nodes = elementsOf<NodeMap, NodePtr>(
            parts_, [](Part & p) -> auto& { return p.nodes; });
    });
    tasks.emplace_back([&] {
        im.out = adjacencyOf(Hashed<Str>::joined(
            parts_, [](Part & p) -> auto& { return p.out; }));
    });
    tasks.emplace_back([&] {
        im.in = adjacencyOf(Hashed<Str>::joined(
            parts_, [](Part & p) -> auto& { return p.in; }));
    });
    for (std::size_t k = 0; k < config_->keys.size(); ++k)
        tasks.emplace_back([&, k] {
            im.index[k] = postingsOf(Hashed<Value>::joined(
                parts_, [k](Part & p) -> auto& { return p.terms[k]; }));
        });
    runTasks(tasks, std::max(threads, 1u));
    parts_.clear();
    if (im.nodes.size() == node_count && im.edges.size() == edge_count) return img;
    // A repeated ID: the element maps kept the last version of each ID, which is what inserting
    // one by one leaves (a replacement re-indexes and re-links), but the links and terms of the
    // replaced versions are in the other tries. Build again from the maps' elements alone.
    std::vector<NodePtr> nodes;
    std::vector<EdgePtr> edges;
    im.nodes.forEach([&](const NodePtr& n, const Unit&) {
        nodes.push_back(n);
        return true;
    });
    im.edges.forEach([&](const EdgePtr& e, const Unit&) {
        edges.push_back(e);
        return true;
    });
    return GraphImage::build(config_, std::move(nodes), std::move(edges), threads);
}

const NodePtr* GraphImage::node(std::string_view id) const {
    return impl_->nodes.findKey(id);
}
const EdgePtr* GraphImage::edge(std::string_view id) const {
    return impl_->edges.findKey(id);
}

void GraphImage::putNode(NodePtr node) {
    Impl& im = *impl_;
    if (NodePtr* slot = im.nodes.findKeyMut(node->id.view())) {
        im.reindexNode(**slot, *node);
        *slot = std::move(node);  // the same ID: hashes and compares as the old key
        return;
    }
    im.indexNode(*node, true);
    im.nodes.set(std::move(node), Unit{});
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
    const NodePtr* old = impl_->nodes.findKey(id);
    if (old == nullptr) return false;
    impl_->indexNode(**old, false);
    impl_->nodes.erase(id);
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
    impl_->nodes.forEach([&](const NodePtr& n, const Unit&) { return fn(*n); });
}
void GraphImage::forEachEdge(const GraphView::EdgeFn& fn) const {
    impl_->edges.forEach([&](const EdgePtr& e, const Unit&) { return fn(*e); });
}

namespace {
template <typename T, typename Map, typename Fn>
void visitBatches(const Map& map, const Fn& fn) {
    std::array<const T*, 256> batch;
    std::size_t n = 0;
    bool go = true;
    map.forEach([&](const std::shared_ptr<const T>& p, const Unit&) {
        batch[n++] = p.get();
        if (n == batch.size()) {
            go = fn(std::span<const T* const>(batch.data(), n));
            n = 0;
        }
        return go;
    });
    if (go && n > 0) fn(std::span<const T* const>(batch.data(), n));
}
}  // namespace

void GraphImage::forEachNodeBatch(const NodeBatchFn& fn) const {
    visitBatches<Node>(impl_->nodes, fn);
}
void GraphImage::forEachEdgeBatch(const EdgeBatchFn& fn) const {
    visitBatches<Edge>(impl_->edges, fn);
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
        const Postings& p = impl_->index[static_cast<std::size_t>(it - keys.begin())];
        if (const Posting* s = p.find(value)) {
            s->forEach([&](std::string_view id) {
                const NodePtr* n = impl_->nodes.findKey(id);
                return n == nullptr || fn(**n);
            });
        }
        return;
    }
    forEachNode([&](const Node& n) {
        auto v = model::fieldOf(n, key);
        if (!v) return true;
        bool match = false;
        forEachIndexTerm(*v, [&](const Value& term) { match = match || term == value; });
        return !match || fn(n);
    });
}

std::size_t GraphImage::countByValue(std::string_view key, const Value& value) const {
    const auto& keys = impl_->config->keys;
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
        std::size_t n = 0;
        nodesByValue(key, value, [&](const Node&) { return ++n, true; });
        return n;
    }
    const Postings& p = impl_->index[static_cast<std::size_t>(it - keys.begin())];
    const Posting* s = p.find(value);
    return s != nullptr ? s->size() : 0;
}

}  // namespace skydive::graph
