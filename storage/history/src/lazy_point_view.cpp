#include "lazy_point_view.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "image_build.h"

namespace skydive::store {

using model::ElementKind;

namespace {

// IDs read from records the window holds (valid under its lock).
using IdSet = std::unordered_set<std::string_view>;

const model::Str& endpoint(const model::Edge& e, bool out) {
    return out ? e.parent : e.child;
}

ElementRef inImage(const graph::GraphImage& img, ElementKind kind, std::string_view id) {
    switch (kind) {
        case ElementKind::Node: return ElementRef{img.node(id), nullptr};
        case ElementKind::Edge: {
            const graph::EdgePtr* e = img.edge(id);
            return ElementRef{model::NodeRef(), e != nullptr ? e->get() : nullptr};
        }
    }
    return {};
}

}  // namespace

LazyPointView::LazyPointView(Time t, std::shared_ptr<WindowState> window,
                             std::shared_ptr<const graph::GraphImage> latest,
                             std::uint64_t seq_limit, std::shared_ptr<Rocks> rocks,
                             std::shared_ptr<const rocksdb::Snapshot> snap, bool links)
    : t_(t),
      window_(std::move(window)),
      latest_ptr_(std::move(latest)),
      latest_(*latest_ptr_),
      seq_limit_(seq_limit),
      rocks_(std::move(rocks)),
      snap_(std::move(snap)),
      reader_(*rocks_, snap_.get()),
      links_(links) {}

// Runs `fn` on the window under its lock when the window can still answer for t (retention of
// the window may have moved past t since the view was made; the disk answers then).
template <typename Fn>
static bool inWindow(const std::shared_ptr<WindowState>& ws, Time t, Fn&& fn) {
    if (!ws) return false;
    std::lock_guard l(ws->mu);
    if (!ws->window.covers(t)) return false;
    fn(ws->window);
    return true;
}

const graph::GraphImage& LazyPointView::image() const {
    if (built()) return *image_;
    std::lock_guard l(build_mu_);
    if (built()) return *image_;
    bool done = inWindow(window_, t_, [&](const RecentWindow& w) {
        image_ = std::make_unique<graph::GraphImage>(w.imageAt(latest_, t_, seq_limit_));
    });
    if (!done) {
        // An I/O error leaves the view empty: GraphView has no error channel (ADR 017); it is
        // logged and counted in Store::Stats::read_errors.
        auto img = imageFromDisk(reader_, latest_.configPtr(), t_);
        if (!img) rocks_->noteReadError(img.error());
        image_ = std::make_unique<graph::GraphImage>(img ? std::move(*img)
                                                         : graph::GraphImage(latest_.configPtr()));
    }
    built_.store(true, std::memory_order_release);
    return *image_;
}

// Unchanged elements are handed out as pointers into latest_ (alive as long as the view); the
// others are held by the view (hold, diskElement), since callers keep what a view hands out.
ElementRef LazyPointView::find(ElementKind kind, std::string_view id) const {
    if (built()) return inImage(*image_, kind, id);
    ElementRef found;
    if (inWindow(window_, t_, [&](const RecentWindow& w) {
            const ElementRef now = inImage(latest_, kind, id);
            bool unused = false;
            const Version* then = now ? w.rolledBack(now.address(), t_, -1, unused)
                                      : w.changedAt(kind, id, t_, seq_limit_);
            found = then != nullptr ? hold(*then) : now;
        }))
        return found;
    if (auto seek = diskElement(kind, id)) return *seek;
    return inImage(image(), kind, id);
}

// Appended (cheap), deduplicated by address once the list doubles: a view queried many times
// holds each version about once.
ElementRef LazyPointView::hold(const Version& v) const {
    if (!v) return {};
    std::lock_guard l(held_mu_);
    held_.push_back(v);
    if (held_.size() > held_limit_) {
        auto addr = [](const Version& x) { return x.address(); };
        std::sort(held_.begin(), held_.end(),
                  [&](const Version& a, const Version& b) { return addr(a) < addr(b); });
        held_.erase(
            std::unique(held_.begin(), held_.end(),
                        [&](const Version& a, const Version& b) { return addr(a) == addr(b); }),
            held_.end());
        held_limit_ = std::max<std::size_t>(held_limit_, 2 * held_.size());
    }
    return ElementRef::of(v);  // the same element as the copy held
}

// One seek in `rev`, remembered for the view's lifetime (a point view's element never changes).
std::optional<ElementRef> LazyPointView::diskElement(ElementKind kind, std::string_view id) const {
    std::string key(1, kind == ElementKind::Node ? 'N' : 'E');
    key.append(id);
    {
        std::lock_guard l(held_mu_);
        if (auto it = disk_.find(key); it != disk_.end()) return ElementRef::of(it->second);
    }
    // The live incarnation's CreatedAt lets the lookup seek once (ADR 021).
    std::optional<Time> created;
    if (const ElementRef live = inImage(latest_, kind, id))
        created = live.node ? live.node.createdAt() : live.edge->created_at;
    auto seek = reader_.elementAt(kind, id, t_, created);
    if (!seek) return std::nullopt;
    std::lock_guard l(held_mu_);
    const Version& v = disk_.try_emplace(std::move(key), std::move(*seek)).first->second;
    return ElementRef::of(v);
}

void LazyPointView::findNode(std::string_view id, const NodeFn& fn) const {
    if (const ElementRef n = find(ElementKind::Node, id)) fn(model::NodeHandle(n.node));
}

void LazyPointView::findEdge(std::string_view id, const EdgeFn& fn) const {
    if (const ElementRef e = find(ElementKind::Edge, id)) fn(*e.edge);
}

// Every element changed at or after t: one walk of the window's tail after t.
std::shared_ptr<const PointOverlay> LazyPointView::fullOverlay(const RecentWindow& w) const {
    // Collected first (valid under the lock) so that each map gets its exact size.
    std::vector<std::pair<const Version*, const Version*>> changed;
    changed.reserve(w.tailSize(t_));
    std::size_t node_count = 0;
    w.changedElements(t_, seq_limit_, [&](const Version& now, const Version& then) {
        changed.emplace_back(&now, &then);
        node_count += now.node ? 1 : 0;
    });
    auto ov = std::make_shared<PointOverlay>(t_, seq_limit_, latest_ptr_, node_count,
                                             changed.size() - node_count);
    ov->pin = w.pin(t_);  // the `then` versions are the window's changes at or after t
    // `now` is the element the latest image holds (the same pointer): keyed by address. Each
    // put writes a random slot, requested a few elements ahead so that the misses overlap.
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = 0; i < changed.size(); ++i) {
        if (i + kAhead < changed.size() && changed[i + kAhead].first->node)
            ov->nodes.prefetchSlot(changed[i + kAhead].first->node.block());
        auto [now, then] = changed[i];
        if (now->node) {
            ov->nodes.put(now->node.block(), then->node);
        } else if (now->edge) {
            ov->edges.put(now->edge.get(), then->edge.get());
        } else if (then->node) {
            ov->extra_nodes.push_back(then->node);
        } else if (then->edge) {
            ov->extra_edges.push_back(then->edge.get());
        }
    }
    return ov;
}

// The elements changed in [t, base.t]: the others have the same version at t as at base.t.
// Null when one of them is absent from the latest image (base's extra elements may differ at t:
// the caller builds a full overlay then).
std::unique_ptr<PointOverlay> LazyPointView::deltaOverlay(const RecentWindow& w,
                                                          const PointOverlay& base) const {
    std::vector<std::pair<const Version*, const Version*>> changed;
    std::size_t node_count = 0;
    bool extra = false;
    w.changedElementsBetween(t_, base.t, seq_limit_, [&](const Version& now, const Version* then) {
        if (!now) {  // absent now: base's extra elements may be wrong at t
            extra = true;
            return;
        }
        changed.emplace_back(&now, then);
        node_count += now.node ? 1 : 0;
    });
    if (extra) return nullptr;
    auto ov = std::make_unique<PointOverlay>(t_, seq_limit_, latest_ptr_, node_count,
                                             changed.size() - node_count);
    ov->pin = w.pin(t_);
    // An element unchanged at t maps to itself: it hides base's entry of a later moment.
    for (auto [now, then] : changed) {
        const Version& v = then != nullptr ? *then : *now;
        if (now->node)
            ov->nodes.put(now->node.block(), v.node);
        else
            ov->edges.put(now->edge.get(), v.edge.get());
    }
    return ov;
}

// A scan's overlay: the window's last one when it is of the same latest image at a later moment
// not too far (a delta of the changes in between, ADR 021), else a full one that becomes the
// window's last one.
const LazyPointView::Overlay* LazyPointView::overlay() const {
    if (overlaid_.load(std::memory_order_acquire)) return overlay_.get();
    std::lock_guard l(overlay_mu_);
    if (overlaid_.load(std::memory_order_relaxed)) return overlay_.get();
    std::unique_ptr<Overlay> ov;
    bool done = !built() && inWindow(window_, t_, [&](const RecentWindow& w) {
        ov = std::make_unique<Overlay>();
        std::shared_ptr<const PointOverlay>& last = window_->overlay;
        if (last && last->seq_limit == seq_limit_ && last->t >= t_ &&
            last->latest.lock() == latest_ptr_ &&
            4 * w.changesBetween(t_, last->t) <= w.tailSize(t_)) {
            ov->delta = deltaOverlay(w, *last);
            if (ov->delta) ov->base = last;
        }
        if (!ov->base) {
            ov->base = fullOverlay(w);
            last = ov->base;
        }
    });
    if (done) overlay_ = std::move(ov);
    overlaid_.store(true, std::memory_order_release);
    return overlay_.get();
}

// Inside the window a scan streams the latest image through the overlay (about a live scan);
// otherwise it reads the image, built once.
// The first scan streams; a view scanned again builds its image once (the warm case costs a
// live scan from then on).
const LazyPointView::Overlay* LazyPointView::scanOverlay() const {
    if (built() || scans_.fetch_add(1, std::memory_order_relaxed) > 0) return nullptr;
    return overlay();
}

// One overlay walk for nodes and edges: the latest image in batches (one indirect call per
// 256 elements), each element swapped for its version at t when it changed after t, then the
// elements present at t only. One std::function call per visited element.
// `T`: what a batch holds (a node record or an edge pointer); `handOut` turns it, or the
// version the overlay holds, into what the callback takes.
template <typename T, typename Ptr, typename Batches, typename Find, typename Out, typename Fn>
static void overlayWalk(const Batches& batches, const Find& changed, const std::vector<Ptr>& extra,
                        const Out& handOut, const Fn& fn) {
    bool go = true;
    batches([&](std::span<const T> batch) {
        for (const T& x : batch) {
            const Ptr* then = changed(x);
            if (then == nullptr)
                go = fn(handOut(x));
            else if (*then)
                go = fn(handOut(*then));
            if (!go) return false;
        }
        return true;
    });
    for (std::size_t i = 0; go && i < extra.size(); ++i) go = fn(handOut(extra[i]));
}

namespace {
model::NodeHandle handOutNode(model::NodeRef n) {
    return model::NodeHandle(n);
}
}  // namespace

void LazyPointView::forEachNode(const NodeFn& fn) const {
    const Overlay* ov = scanOverlay();
    if (ov == nullptr) return image().forEachNode(fn);
    overlayWalk<model::NodeRef>(
        [&](const graph::GraphImage::NodeBatchFn& b) { latest_.forEachNodeBatch(b); },
        [ov](model::NodeRef x) { return ov->node(x.block()); }, ov->base->extra_nodes, handOutNode,
        fn);
}

void LazyPointView::forEachEdge(const EdgeFn& fn) const {
    const Overlay* ov = built() || scans_.load(std::memory_order_relaxed) > 1 ? nullptr : overlay();
    if (ov == nullptr) return image().forEachEdge(fn);
    if (ov->edgesUnchanged()) return latest_.forEachEdge(fn);
    overlayWalk<const model::Edge*>(
        [&](const graph::GraphImage::EdgeBatchFn& b) { latest_.forEachEdgeBatch(b); },
        [ov](const model::Edge* x) { return ov->edge(x); }, ov->base->extra_edges,
        [](const auto& e) -> const model::Edge& { return *e; }, fn);
}

bool LazyPointView::hasIndex(std::string_view key) const {
    return latest_.config().has(key);
}

// Live hits rolled back and re-checked, then the nodes whose changes after t dropped the term.
// A hit is rolled back by its address: through the overlay once a scan computed it, else
// through the window's index of the versions its changes produced.
void LazyPointView::nodesByValue(std::string_view key, const model::Value& value,
                                 const NodeFn& fn) const {
    // Unchanged hits point into latest_ (alive as long as the view); the view holds the others.
    std::vector<model::NodeRef> found;
    bool done = false;
    if (!built() && hasIndex(key) && window_) {
        std::vector<model::NodeRef> hits;  // latest_ never changes: no lock needed
        latest_.nodesByValue(key, value, [&](model::NodeHandle n) {
            hits.push_back(n.record());
            return true;
        });
        const Overlay* ov = overlaid_.load(std::memory_order_acquire) ? overlay_.get() : nullptr;
        done = inWindow(window_, t_, [&](const RecentWindow& w) {
            if (ov != nullptr) {
                for (model::NodeRef n : hits) {
                    const model::NodeRef* then = ov->node(n.block());  // the window's, pinned
                    if (then == nullptr)
                        found.push_back(n);
                    else if (*then && graph::holdsTerm(*then, key, value))
                        found.push_back(*then);
                }
            } else {
                const int bit = w.keyBit(key);
                for (model::NodeRef n : hits) {
                    bool kept = false;
                    const Version* then = w.rolledBack(n.block(), t_, bit, kept);
                    if (then == nullptr) {
                        found.push_back(n);
                    } else if (then->node && (kept || graph::holdsTerm(then->node, key, value))) {
                        found.push_back(hold(*then).node);
                    }
                }
            }
            IdSet seen;
            w.lostTermNodes(latest_.config(), key, value, t_, seq_limit_, [&](std::string_view id) {
                if (!seen.insert(id).second) return;
                const model::NodeRef live = latest_.node(id);
                if (live && graph::holdsTerm(live, key, value)) return;
                Version now{model::NodeRec::share(live), nullptr};
                Version v = w.elementAt(ElementKind::Node, id, now, t_, seq_limit_);
                if (v.node && graph::holdsTerm(v.node, key, value)) found.push_back(hold(v).node);
            });
        });
        if (!done) found.clear();
    }
    if (!done && (built() || hasIndex(key))) return image().nodesByValue(key, value, fn);
    if (!done) {  // no index: a scan (streamed through the overlay inside the window)
        return forEachNode(
            [&](model::NodeHandle n) { return !graph::holdsTerm(n, key, value) || fn(n); });
    }
    for (model::NodeRef n : found) {
        if (!fn(model::NodeHandle(n))) return;
    }
}

// Inside the window: the latest posting's size, corrected by each node whose changes after t
// dropped or added the term (those that match at t and not live count +1, the reverse -1).
// The cost is the number of that term's changes after t, not its hits; metric-only changes
// post no term. Outside the window (or once built) the image's posting size: building the
// image the first time.
std::size_t LazyPointView::countByValue(std::string_view key, const model::Value& value) const {
    if (built()) return image_->countByValue(key, value);
    if (!hasIndex(key)) return GraphView::countByValue(key, value);
    std::ptrdiff_t delta = 0;
    bool done = inWindow(window_, t_, [&](const RecentWindow& w) {
        IdSet seen;
        auto consider = [&](std::string_view id) {
            if (!seen.insert(id).second) return;
            const model::NodeRef live = latest_.node(id);
            const bool now_match = live && graph::holdsTerm(live, key, value);
            Version now{model::NodeRec::share(live), nullptr};
            Version v = w.elementAt(ElementKind::Node, id, now, t_, seq_limit_);
            const bool then_match = v.node && graph::holdsTerm(v.node, key, value);
            delta +=
                static_cast<std::ptrdiff_t>(then_match) - static_cast<std::ptrdiff_t>(now_match);
        };
        w.lostTermNodes(latest_.config(), key, value, t_, seq_limit_, consider);
        w.gainedTermNodes(latest_.config(), key, value, t_, seq_limit_, consider);
    });
    if (!done) return image().countByValue(key, value);
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(latest_.countByValue(key, value)) +
                                    delta);
}

// Live adjacency rolled back per edge, plus the edges of that node changed after t.
void LazyPointView::adjacent(std::string_view node_id, bool out, const EdgeFn& fn) const {
    if (edges_static_.load(std::memory_order_acquire) < 0 && !built()) {
        int fixed = -1;
        inWindow(window_, t_, [&](const RecentWindow& w) {
            fixed = w.edgesChangedSince(t_, seq_limit_) ? 0 : 1;
        });
        if (fixed >= 0) edges_static_.store(fixed, std::memory_order_release);
    }
    if (edges_static_.load(std::memory_order_acquire) == 1) {  // the latest adjacency is t's
        auto visit = [&](const model::Str& id) {
            const graph::EdgePtr* e = latest_.edge(id.view());
            return e == nullptr || fn(**e);
        };
        return out ? latest_.outEdgeIds(node_id, visit) : latest_.inEdgeIds(node_id, visit);
    }
    std::vector<const model::Edge*> found;  // into latest_ or held by the view
    bool done = !built() && inWindow(window_, t_, [&](const RecentWindow& w) {
        auto consider = [&](std::string_view id) {
            const graph::EdgePtr* e = latest_.edge(id);
            bool unused = false;
            const Version* then = e != nullptr ? w.rolledBack(e->get(), t_, -1, unused)
                                               : w.changedAt(ElementKind::Edge, id, t_, seq_limit_);
            if (then == nullptr) {
                if (e != nullptr && endpoint(**e, out) == node_id) found.push_back(e->get());
            } else if (then->edge && endpoint(*then->edge, out) == node_id) {
                hold(*then);
                found.push_back(then->edge.get());
            }
        };
        auto live = [&](const model::Str& id) { return consider(id.view()), true; };
        if (out)
            latest_.outEdgeIds(node_id, live);
        else
            latest_.inEdgeIds(node_id, live);
        std::vector<model::Str> extra;
        w.edgesTouching(node_id, t_, seq_limit_,
                        [&](const model::Str& id) { extra.push_back(id); });
        if (extra.empty()) return;
        std::sort(extra.begin(), extra.end());
        extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
        for (const model::Str& id : extra) {
            const graph::EdgePtr* e = latest_.edge(id.view());
            if (e != nullptr && endpoint(**e, out) == node_id) continue;  // seen as live
            consider(id.view());
        }
    });
    if (!done && !built() && links_) done = adjacentOnDisk(node_id, out, found);
    if (!done) {
        const graph::GraphImage& img = image();
        auto visit = [&](const model::Str& id) {
            const graph::EdgePtr* e = img.edge(id.view());
            return e == nullptr || fn(**e);
        };
        return out ? img.outEdgeIds(node_id, visit) : img.inEdgeIds(node_id, visit);
    }
    for (const auto& e : found) {
        if (!fn(*e)) return;
    }
}

// The node's link keys up to t, each edge then read at t with one seek (ADR 017).
bool LazyPointView::adjacentOnDisk(std::string_view node_id, bool out,
                                   std::vector<const model::Edge*>& found) const {
    std::vector<std::string> ids;
    if (!reader_.linkedEdges(node_id, t_, [&](std::string_view id) { ids.emplace_back(id); }))
        return false;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::string& id : ids) {
        auto v = diskElement(ElementKind::Edge, id);
        if (!v) return found.clear(), false;
        const model::Edge* e = v->edge;
        if (e != nullptr && endpoint(*e, out) == node_id) found.push_back(e);
    }
    return true;
}

void LazyPointView::outEdges(std::string_view node_id, const EdgeFn& fn) const {
    adjacent(node_id, true, fn);
}

void LazyPointView::inEdges(std::string_view node_id, const EdgeFn& fn) const {
    adjacent(node_id, false, fn);
}

// Live counts corrected by each element changed after t: present at t but not live, or back.
void LazyPointView::countChanges() const {
    if (counted_.load(std::memory_order_acquire)) return;
    std::lock_guard l(count_mu_);
    if (counted_.load(std::memory_order_relaxed)) return;
    std::ptrdiff_t delta[2] = {0, 0};
    bool done = !built() && inWindow(window_, t_, [&](const RecentWindow& w) {
        IdSet seen[2];
        w.presenceChangesSince(t_, seq_limit_, [&](const LogEntry& e) {
            ElementKind kind = e.after.kind();
            int k = kind == ElementKind::Node ? 0 : 1;
            const std::string_view id = e.after.id();
            if (!seen[k].insert(id).second) return;
            Version now = findVersion(latest_, kind, id);
            bool then = static_cast<bool>(w.elementAt(kind, id, now, t_, seq_limit_));
            delta[k] += static_cast<std::ptrdiff_t>(then) - static_cast<std::ptrdiff_t>(bool(now));
        });
    });
    const graph::GraphImage& img = done ? latest_ : image();
    node_count_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(img.nodeCount()) + delta[0]);
    edge_count_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(img.edgeCount()) + delta[1]);
    counted_.store(true, std::memory_order_release);
}

std::size_t LazyPointView::nodeCount() const {
    if (built()) return image_->nodeCount();
    countChanges();
    return node_count_;
}

std::size_t LazyPointView::edgeCount() const {
    if (built()) return image_->edgeCount();
    countChanges();
    return edge_count_;
}

}  // namespace skydive::store
