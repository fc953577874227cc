#include "recent_window.h"

#include <algorithm>
#include <unordered_set>

namespace skydive::store {

std::size_t versionBytes(const Version& v) {
    if (!v) return 0;
    if (v.node) return 64 + v.node.blockBytes();
    return 160 + v.edge->metadata.heapBytes() + v.edge->id.heapBytes();
}

namespace {

// The oldest change at or after t (the log is in time order).
std::deque<LogEntry>::const_iterator firstAtOrAfter(const std::deque<LogEntry>& log, Time t) {
    return std::partition_point(log.begin(), log.end(),
                                [t](const LogEntry& e) { return e.key.time < t; });
}

// The version at t of an element whose newest visible change `e` is at or after t (changedAt's
// rule): the first change after t gives it (its `before`, or a delete's deleted form); without
// one, a delete at exactly t leaves its deleted form visible; nullptr: e's version is t's.
// older_time is kept inline so that an element without another change after t costs no visit
// of its older entry.
const Version* versionAt(const LogEntry& e, Time t) {
    if (e.key.time <= t) return e.op == TimelineOp::Delete ? &e.after : nullptr;
    const LogEntry* first = &e;
    while (first->older != nullptr && first->older_time > t) first = first->older;
    return first->op == TimelineOp::Delete ? &first->after : &first->before;
}

}  // namespace

std::uint64_t RecentWindow::keysChanged(const LogEntry& e) const {
    if (!e.after.node || !e.before.node || e.op == TimelineOp::Delete || mask_keys_.empty())
        return ~std::uint64_t{0};
    std::uint64_t mask = 0;
    for (std::size_t k = 0; k < mask_keys_.size(); ++k) {
        if (!model::sameField(e.before.node, e.after.node, mask_keys_[k]))
            mask |= std::uint64_t{1} << k;
    }
    return mask;
}

int RecentWindow::keyBit(std::string_view key) const {
    for (std::size_t k = 0; k < mask_keys_.size(); ++k) {
        if (mask_keys_[k] == key) return static_cast<int>(k);
    }
    return -1;
}

void RecentWindow::append(LogEntry e, const graph::IndexConfig* config) {
    if (config != nullptr && mask_keys_.empty()) {
        mask_keys_.assign(config->keys.begin(),
                          config->keys.begin() + std::min<std::size_t>(config->keys.size(), 64));
    }
    // Undo walks the log newest first and stops at the first change before t, so the log must
    // be in time order. A change dated before the previous one (a skewed agent clock, imported
    // data) restarts the window after the newest time seen; RocksDB serves earlier moments.
    if (!log_.empty() && e.key.time < log_.back().key.time)
        clear(std::max(from_, log_.back().key.time));
    if (e.bytes == 0) e.bytes = sizeof(LogEntry) + versionBytes(e.after);
    bytes_ += e.bytes;
    log_.push_back(std::move(e));
    LogEntry& back = log_.back();
    if (back.after.edge) edge_log_.push_back(&back);
    if (back.op == TimelineOp::Delete || !back.before) presence_.push_back(&back);
    if (!lazy_) catchUp();
}

void RecentWindow::indexIfRead(std::chrono::steady_clock::time_point now,
                               std::chrono::steady_clock::duration recent) {
    if (reads_ != reads_seen_) {
        reads_seen_ = reads_;
        last_read_ = now;
    }
    if (now - last_read_ < recent) catchUp();
}

bool RecentWindow::indexed() const {
    return indexed_end_ == popped_ + log_.size();
}

void RecentWindow::index() const {
    ++reads_;
    catchUp();
}

void RecentWindow::catchUp() const {
    if (indexed()) return;
    auto& log = const_cast<std::deque<LogEntry>&>(log_);  // never a const object (see header)
    // trim() and clear() keep indexed_end_ >= popped_: the changes popped were indexed or dropped.
    for (std::size_t i = indexed_end_ - popped_; i < log.size(); ++i) indexEntry(log[i]);
    indexed_end_ = popped_ + log_.size();
}

// What readers find the entry by: its element's chain (linked to the element's previous change
// in the window), the address of the version it produced, its edge's endpoints, and which
// indexed keys it changed.
void RecentWindow::indexEntry(LogEntry& e) const {
    if (!e.keys_known) e.keys_changed = keysChanged(e);
    if (e.op == TimelineOp::Put) produced_.put(e.after.address(), &e);
    // The element's chain without hashing its ID when its previous version is the one an
    // entry of the window produced (every update after the first in the window).
    Chain* known = nullptr;
    if (e.before) {
        if (const LogEntry* prev = produced_.find(e.before.address())) known = chainOf(*prev);
    }
    if (known == nullptr) {
        auto found = chains_.find(chainKeyView(e.after));
        known = found != chains_.end() ? &found->second : &chains_[chainKey(e.after)];
    }
    Chain& chain = *known;
    e.chain = &chain;  // unordered_map elements keep their address
    if (!chain.empty()) {
        auto* prev = const_cast<LogEntry*>(chain.back().entry);  // an entry of log_
        prev->newer = &e;
        e.older = prev;
        e.older_time = prev->key.time;
    }
    chain.push_back({e.key.time, e.key.seq, &e, e.keys_changed});
    if (e.after.edge) indexEndpoints(e, true);
}

// The distinct endpoints of an edge change (before and after may name different nodes).
void RecentWindow::indexEndpoints(const LogEntry& e, bool add) const {
    const model::Str* ends[4] = {&e.after.edge->parent, &e.after.edge->child, nullptr, nullptr};
    if (e.before.edge) {
        ends[2] = &e.before.edge->parent;
        ends[3] = &e.before.edge->child;
    }
    for (int i = 0; i < 4; ++i) {
        if (ends[i] == nullptr) continue;
        bool dup = false;
        for (int j = 0; j < i; ++j) dup = dup || (ends[j] != nullptr && *ends[j] == *ends[i]);
        if (dup) continue;
        if (add) {
            endpoints_[*ends[i]].push_back(&e);
            continue;
        }
        auto it = endpoints_.find(ends[i]->view());
        if (it == endpoints_.end()) continue;
        if (!it->second.empty() && it->second.front() == &e) it->second.pop_front();
        if (it->second.empty()) endpoints_.erase(it);
    }
}

void RecentWindow::edgesTouching(std::string_view node_id, Time t, std::uint64_t seq_limit,
                                 const std::function<void(const model::Str&)>& fn) const {
    index();
    auto it = endpoints_.find(node_id);
    if (it == endpoints_.end()) return;
    for (auto e = it->second.rbegin(); e != it->second.rend() && (*e)->key.time >= t; ++e) {
        if ((*e)->key.seq <= seq_limit) fn((*e)->after.edge->id);
    }
}

void RecentWindow::presenceChangesSince(Time t, std::uint64_t seq_limit,
                                        const std::function<void(const LogEntry&)>& fn) const {
    index();
    for (auto it = presence_.rbegin(); it != presence_.rend() && (*it)->key.time >= t; ++it) {
        if ((*it)->key.seq <= seq_limit) fn(**it);
    }
}

void RecentWindow::changesSince(Time t, std::uint64_t seq_limit,
                                const std::function<void(const LogEntry&)>& fn) const {
    index();
    for (auto it = log_.rbegin(); it != log_.rend() && it->key.time >= t; ++it) {
        if (it->key.seq <= seq_limit) fn(*it);
    }
}

WindowPin RecentWindow::pin(Time t) const {
    WindowPin p;
    std::lock_guard l(pins_->mu);
    p.it_ = pins_->times.insert(t);
    p.set_ = pins_;
    p.graves_ = grave_;
    return p;
}

bool RecentWindow::pinned() const {
    std::lock_guard l(pins_->mu);
    return !pins_->times.empty();
}

Time RecentWindow::trimmedThrough(Time min_time, std::size_t max_bytes) const {
    Time through = std::numeric_limits<Time>::min();
    std::size_t bytes = bytes_;
    for (const LogEntry& e : log_) {
        if (e.key.time >= min_time && bytes <= max_bytes) break;
        through = e.key.time;
        bytes -= e.bytes;
    }
    return through;
}

// Oldest first, up to the oldest pinned moment: a pin at t needs the changes at or after t.
void RecentWindow::trim(Time min_time, std::size_t max_bytes) {
    Time oldest_pin = std::numeric_limits<Time>::max();
    {
        std::lock_guard l(pins_->mu);
        if (!pins_->times.empty()) oldest_pin = *pins_->times.begin();
    }
    // Popping releases each entry's versions, whose reference counts are cold by now: they
    // are fetched some entries ahead (ADR 015, twenty-seventh round).
    constexpr std::size_t kAhead = 8;
    while (!log_.empty() && (log_.front().key.time < min_time || bytes_ > max_bytes) &&
           log_.front().key.time < oldest_pin) {
        if (log_.size() > kAhead) {
            const LogEntry& ahead = log_[kAhead];
            __builtin_prefetch(ahead.before.node.block(), 1);
            __builtin_prefetch(ahead.after.node.block(), 1);
        }
        const LogEntry& front = log_.front();
        if (popped_ < indexed_end_) {  // else never indexed: nothing refers to it
            if (front.newer != nullptr) const_cast<LogEntry*>(front.newer)->older = nullptr;
            if (front.op == TimelineOp::Put) produced_.erase(front.after.address(), &front);
            if (Chain* chain = chainOf(front)) {
                chain->erase(chain->begin());
                if (chain->empty()) {
                    if (auto it = chains_.find(chainKeyView(front.after)); it != chains_.end())
                        chains_.erase(it);
                }
            }
            if (front.after.edge) indexEndpoints(front, false);
        }
        if (!edge_log_.empty() && edge_log_.front() == &front) edge_log_.pop_front();
        if (!presence_.empty() && presence_.front() == &front) presence_.pop_front();
        ++popped_;
        indexed_end_ = std::max(indexed_end_, popped_);
        from_ = std::max(from_, front.key.time);
        bytes_ -= front.bytes;
        log_.pop_front();
    }
}

void RecentWindow::clear(Time from) {
    // The pins' versions stay with them. Later pins get a graveyard and a pin set of their
    // own: the earlier pins' moments must not hold back the trims of the new log.
    if (pinned()) {
        if (!log_.empty()) grave_->logs.push_back(std::move(log_));
        grave_ = std::make_shared<Graveyard>();
        pins_ = std::make_shared<WindowPin::Set>();
    }
    chains_.clear();
    produced_.clear();
    endpoints_.clear();
    presence_.clear();
    edge_log_.clear();
    lost_.clear();
    gained_.clear();
    lost_lo_ = lost_hi_ = term_items_ = popped_ = indexed_end_ = 0;
    log_.clear();
    bytes_ = 0;
    from_ = from;
}

// Undo, newest first, every change after t; a delete is undone by putting back its deleted
// form (the stored final form of that revision). Deletes at exactly t stay visible (inclusive
// bounds, spec §2.8), so they are put back too.
graph::GraphImage RecentWindow::imageAt(graph::GraphImage img, Time t,
                                        std::uint64_t seq_limit) const {
    for (auto it = log_.rbegin(); it != log_.rend() && it->key.time >= t; ++it) {
        const LogEntry& e = *it;
        if (e.key.seq > seq_limit) continue;
        if (e.op == TimelineOp::Delete) {
            putVersion(img, e.after);
        } else if (e.key.time > t) {
            if (e.before)
                putVersion(img, e.before);
            else
                removeVersion(img, e.after.kind(), e.after.id());
        }
    }
    return img;
}

// `live` is the element as of seq_limit; the chain's entries past seq_limit are its tail.
const Version* RecentWindow::changedAt(const Chain& chain, Time t, std::uint64_t seq_limit) {
    const ChainItem* last = nullptr;
    for (const ChainItem& c : chain) {
        if (c.seq > seq_limit) break;
        if (c.time > t)
            return c.entry->op == TimelineOp::Delete ? &c.entry->after : &c.entry->before;
        last = &c;
    }
    if (last != nullptr && last->time == t && last->entry->op == TimelineOp::Delete)
        return &last->entry->after;
    return nullptr;
}

const Version* RecentWindow::changedAt(model::ElementKind kind, std::string_view id, Time t,
                                       std::uint64_t seq_limit) const {
    index();
    auto it = chains_.find(ChainKeyView{kind, id});
    return it == chains_.end() ? nullptr : changedAt(it->second, t, seq_limit);
}

const Version* RecentWindow::changedAt(model::ElementKind kind, std::string_view id, Time t,
                                       std::uint64_t seq_limit, int key_bit, bool& kept) const {
    index();
    kept = false;
    auto it = chains_.find(ChainKeyView{kind, id});
    if (it == chains_.end()) return nullptr;
    const Chain& chain = it->second;
    std::size_t i = 0;
    while (i < chain.size() && chain[i].seq <= seq_limit && chain[i].time <= t) ++i;
    if (i == chain.size() || chain[i].seq > seq_limit || key_bit < 0)
        return changedAt(chain, t, seq_limit);
    // chain[i] is the first change after t: its `before` is t's version (or a delete's `after`).
    const std::uint64_t bit = std::uint64_t{1} << key_bit;
    kept = true;
    for (std::size_t j = i; j < chain.size() && chain[j].seq <= seq_limit; ++j)
        kept = kept && (chain[j].keys_changed & bit) == 0;
    const LogEntry* e = chain[i].entry;
    return e->op == TimelineOp::Delete ? &e->after : &e->before;
}

const Version* RecentWindow::rolledBack(const void* latest, Time t, int key_bit, bool& kept) const {
    index();
    kept = false;
    const LogEntry* e = produced_.find(latest);
    if (e == nullptr || e->key.time <= t) return nullptr;
    // e made `latest`, so it is the element's newest change the view sees; walk back to its
    // first change after t (same rule as changedAt).
    const std::uint64_t bit = key_bit >= 0 ? std::uint64_t{1} << key_bit : ~std::uint64_t{0};
    const LogEntry* first = e;
    std::uint64_t touched = 0;
    for (const LogEntry* c = e; c != nullptr && c->key.time > t; c = c->older) {
        first = c;
        touched |= c->keys_changed;
    }
    kept = key_bit >= 0 && (touched & bit) == 0;
    return first->op == TimelineOp::Delete ? &first->after : &first->before;
}

Version RecentWindow::elementAt(model::ElementKind kind, std::string_view id, const Version& live,
                                Time t, std::uint64_t seq_limit) const {
    const Version* then = changedAt(kind, id, t, seq_limit);
    return then != nullptr ? *then : live;
}

// Newest first; an entry stands for its element when no newer change of it is visible.
void RecentWindow::changedElements(
    Time t, std::uint64_t seq_limit,
    const std::function<void(const Version& now, const Version& then)>& fn) const {
    index();
    static const Version kAbsent;
    for (auto it = log_.rbegin(); it != log_.rend() && it->key.time >= t; ++it) {
        const LogEntry& e = *it;
        if (e.key.seq > seq_limit) continue;
        if (e.newer != nullptr && e.newer->key.seq <= seq_limit) continue;
        if (const Version* then = versionAt(e, t))
            fn(e.op == TimelineOp::Delete ? kAbsent : e.after, *then);
    }
}

void RecentWindow::changedElementsBetween(
    Time t, Time until, std::uint64_t seq_limit,
    const std::function<void(const Version& now, const Version* then)>& fn) const {
    index();
    static const Version kAbsent;
    auto it = firstAtOrAfter(log_, t);
    std::unordered_set<const LogEntry*> done;  // each element's newest change, once
    for (; it != log_.end() && it->key.time <= until; ++it) {
        if (it->key.seq > seq_limit) continue;
        // The element's newest change as of seq_limit, then the same rule as changedElements.
        const LogEntry* e = &*it;
        while (e->newer != nullptr && e->newer->key.seq <= seq_limit) e = e->newer;
        if (!done.insert(e).second) continue;
        fn(e->op == TimelineOp::Delete ? kAbsent : e->after, versionAt(*e, t));
    }
}

std::size_t RecentWindow::changesBetween(Time t, Time until) const {
    auto lo = firstAtOrAfter(log_, t);
    auto hi = std::partition_point(lo, log_.end(),
                                   [until](const LogEntry& e) { return e.key.time <= until; });
    return static_cast<std::size_t>(hi - lo);
}

std::size_t RecentWindow::tailSize(Time t) const {
    auto it = firstAtOrAfter(log_, t);
    return static_cast<std::size_t>(log_.end() - it);
}

bool RecentWindow::edgesChangedSince(Time t, std::uint64_t seq_limit) const {
    index();
    for (auto it = edge_log_.rbegin(); it != edge_log_.rend(); ++it) {
        if ((*it)->key.seq <= seq_limit) return (*it)->key.time >= t;
    }
    return false;
}

// A revision that was deleted later is stored in its deleted form (DeletedAt set).
Version RecentWindow::finalForm(const Version& v) const {
    auto it = chains_.find(chainKeyView(v));
    if (it == chains_.end()) return v;
    for (const ChainItem& c : it->second) {
        const LogEntry* e = c.entry;
        if (e->op != TimelineOp::Delete) continue;
        const Version& d = e->after;
        if (d.revision() == v.revision() && d.createdAt() == v.createdAt()) return e->after;
    }
    return v;
}

void RecentWindow::sliceVersions(const graph::GraphImage& at_from, Time from, Time to,
                                 std::vector<Version>& out) const {
    index();
    at_from.forEachNodeBatch([&](std::span<const model::NodeRef> batch) {
        for (model::NodeRef n : batch) out.push_back(Version{model::NodeRec::share(n), nullptr});
        return true;
    });
    at_from.forEachEdge([&](const model::Edge& e) {
        out.push_back(Version{model::NodeRec(), *at_from.edge(e.id.view())});
        return true;
    });
    for (const LogEntry& e : log_) {
        if (e.key.time < from || e.key.time > to) continue;
        out.push_back(e.op == TimelineOp::Put ? finalForm(e.after) : e.after);
        if (e.key.time == from && e.op == TimelineOp::Put && e.before) out.push_back(e.before);
    }
}

}  // namespace skydive::store
