#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <skydive/graph/addr_index.h>

#include "record.h"

namespace skydive::store {

/// One change kept in memory: the element before and after it (before is empty for an add,
/// after carries DeletedAt for a delete).
struct LogEntry {
    TimelineKey key;
    TimelineOp op = TimelineOp::Put;
    Version before;
    Version after;
    std::size_t bytes = 0;
    // The same element's previous and next change in the window (set when the window indexes
    // the change, cleared when the other one is trimmed): what lets a walk of the log's tail find
    // each element's newest change and its version at t without hashing its ID.
    const LogEntry* older = nullptr;
    const LogEntry* newer = nullptr;
    Time older_time = 0;                             // older->key.time
    std::uint64_t keys_changed = ~std::uint64_t{0};  // see RecentWindow::keyBit (set when indexed)
    // keys_changed was set by the live graph, which compared the same keys while re-indexing
    // (graph::ChangeVersions): the window keeps it instead of comparing them again.
    bool keys_known = false;
    void* chain = nullptr;  // the window's version chain of this element (set when indexed)
};

/// While alive, keeps the window's changes at or after its moment, and the versions they hold,
/// in memory: trim() stops before them, and what clear() drops is kept until the pin ends. A
/// scan's overlay holds plain pointers to those versions (no refcount change per changed
/// element to build or to free it; ADR 011) and such a pin. Taken by RecentWindow::pin.
class WindowPin {
public:
    WindowPin() = default;
    ~WindowPin() { release(); }
    WindowPin(WindowPin&& o) noexcept { *this = std::move(o); }
    WindowPin& operator=(WindowPin&& o) noexcept {
        if (this != &o) {
            release();
            set_ = std::move(o.set_);
            it_ = o.it_;
            graves_ = std::move(o.graves_);
        }
        return *this;
    }
    WindowPin(const WindowPin&) = delete;
    WindowPin& operator=(const WindowPin&) = delete;

private:
    friend class RecentWindow;
    struct Set {  // the moments of the pins alive
        std::mutex mu;
        std::multiset<Time> times;
    };
    // The set may be the window's old one (clear() starts another): this pin may hold its last
    // reference, so it is freed after its mutex is released, not under it.
    void release() noexcept {
        if (!set_) return;
        const std::shared_ptr<Set> set = std::move(set_);
        std::lock_guard l(set->mu);
        set->times.erase(it_);
    }
    std::shared_ptr<Set> set_;
    std::multiset<Time>::iterator it_;
    std::shared_ptr<const void> graves_;  // what clear() dropped after the pin was taken
};

/// The in-memory recent window (ADR 012): the change log of the last minutes, with a version
/// chain per element and the edge changes indexed by endpoint (ADR 017), bounded by age and by a
/// memory budget. It can answer At(t) for every t > from(): all the changes after such a t are
/// still here.
///
/// `seq_limit` arguments hide the changes committed after a lazy view was taken (their timeline
/// sequence is higher), so such a view keeps answering as of its own moment.
class RecentWindow {
public:
    static constexpr std::uint64_t kAllSeq = std::numeric_limits<std::uint64_t>::max();

    /// `from`: the newest time already out of the window (e.g. the last change on disk).
    explicit RecentWindow(Time from = 0) : from_(from) {}

    /// `config`: the indexed keys; each node change records which of them it changed (the
    /// first config seen fixes the key order). Without one every key counts as changed.
    /// With lazy indexing, the change is only queued (see setLazyIndexing).
    void append(LogEntry e, const graph::IndexConfig* config = nullptr);
    /// Lazy indexing: append() keeps a change without indexing it (its element's chain, the
    /// address of the version it produced, its edge's endpoints, the indexed keys it changed);
    /// the first read that walks or looks up changes builds them for every change not yet indexed,
    /// and indexIfRead() builds them as changes come while reads keep coming. A store that no
    /// one asks about the past then pays only for keeping the changes (ADR 015, eighteenth
    /// round). Off by default: append() indexes each change.
    void setLazyIndexing(bool lazy) { lazy_ = lazy; }
    /// Indexes the changes not yet indexed when some read used the window within `recent` of
    /// `now` (after each commit group: reads soon after a write find nothing left to index).
    void indexIfRead(std::chrono::steady_clock::time_point now,
                     std::chrono::steady_clock::duration recent);
    /// True when every change is indexed.
    bool indexed() const;
    /// Evicts entries older than `min_time` and, oldest first, while over `max_bytes`.
    void trim(Time min_time, std::size_t max_bytes);
    void clear(Time from);

    /// Keeps the changes at or after t (and their versions) alive as long as the pin
    /// (WindowPin). REQUIRES: the caller holds the lock that guards the window.
    WindowPin pin(Time t) const;
    /// True while some pin is alive (trim() may stop early).
    bool pinned() const;
    /// The newest time among the changes trim(min_time, max_bytes) would drop if nothing were
    /// pinned (Time's lowest when none): a pin at or before it holds the trim back.
    Time trimmedThrough(Time min_time, std::size_t max_bytes) const;

    bool covers(Time t) const { return t > from_; }
    Time from() const { return from_; }
    std::size_t size() const { return log_.size(); }
    std::size_t bytes() const { return bytes_; }

    /// The live image rolled back to t. REQUIRES: covers(t).
    graph::GraphImage imageAt(graph::GraphImage live, Time t,
                              std::uint64_t seq_limit = kAllSeq) const;
    /// One element at t given its live version (empty when absent). REQUIRES: covers(t).
    Version elementAt(model::ElementKind kind, std::string_view id, const Version& live, Time t,
                      std::uint64_t seq_limit = kAllSeq) const;
    /// The version at t of an element changed after t (in the window, valid under the lock;
    /// may be empty: absent at t), or nullptr when its latest version is t's. REQUIRES: covers(t).
    const Version* changedAt(model::ElementKind kind, std::string_view id, Time t,
                             std::uint64_t seq_limit) const;
    /// The bit of indexed key `key` for changedAt's `key_bit`, or -1 when not tracked.
    int keyBit(std::string_view key) const;
    /// changedAt, and `kept`: true when no change after t touched indexed key `key_bit`, so the
    /// latest version's value of that key is t's (a latest index hit is a hit at t, no re-check).
    const Version* changedAt(model::ElementKind kind, std::string_view id, Time t,
                             std::uint64_t seq_limit, int key_bit, bool& kept) const;
    /// The version at t of the element whose version as of the view is `latest` (the address
    /// of a node or edge of the view's latest image), or nullptr when `latest` is t's version.
    /// An address probe, then the element's changes after t: no ID hashing (ADR 021).
    /// `key_bit`/`kept` as for changedAt. REQUIRES: covers(t).
    const Version* rolledBack(const void* latest, Time t, int key_bit, bool& kept) const;
    /// IDs of the edges with a change at or after t whose Parent or Child (before or after the
    /// change) is `node_id`, newest first, possibly repeated. REQUIRES: covers(t).
    void edgesTouching(std::string_view node_id, Time t, std::uint64_t seq_limit,
                       const std::function<void(const model::Str&)>& fn) const;
    /// Each element changed at or after t, once, newest change first: its latest version as of
    /// seq_limit (empty when deleted) and its version at t (empty: absent at t). Elements whose
    /// version at t is the latest one are skipped. One step per change after t (plus the
    /// element's older changes after t): no ID hashing, no lookup in the latest image.
    /// The versions live in the window: valid under the lock. REQUIRES: covers(t).
    void changedElements(
        Time t, std::uint64_t seq_limit,
        const std::function<void(const Version& now, const Version& then)>& fn) const;
    /// changedElements for the elements with a change in [t, until] only (what a scan at t can
    /// take over from one at `until` >= t: the others have the same version at both moments):
    /// `then` is the version at t, or nullptr when it is the latest one. Each element once.
    /// The versions live in the window: valid under the lock. REQUIRES: covers(t).
    void changedElementsBetween(
        Time t, Time until, std::uint64_t seq_limit,
        const std::function<void(const Version& now, const Version* then)>& fn) const;
    /// The number of changes in [t, until] (the work of changedElementsBetween).
    std::size_t changesBetween(Time t, Time until) const;
    /// The number of changes at or after t (the work of changedElements), found by bisection.
    std::size_t tailSize(Time t) const;
    /// False when no edge changed at or after t (edges at t are the latest ones).
    bool edgesChangedSince(Time t, std::uint64_t seq_limit) const;
    /// Every change at or after t, newest first. REQUIRES: covers(t).
    void changesSince(Time t, std::uint64_t seq_limit,
                      const std::function<void(const LogEntry&)>& fn) const;
    /// The adds and deletes at or after t, newest first (what corrects live counts).
    /// REQUIRES: covers(t).
    void presenceChangesSince(Time t, std::uint64_t seq_limit,
                              const std::function<void(const LogEntry&)>& fn) const;
    /// IDs of the nodes changed at or after t by a change that dropped the index term `value`
    /// of `key` (a Put whose previous version had it, or a delete): the only nodes that can
    /// match at t without matching in the latest image. Possibly repeated. Built by readers,
    /// lazily, over the part of the log they need (each entry is looked at once).
    /// REQUIRES: covers(t), the caller holds the lock that guards the window.
    void lostTermNodes(const graph::IndexConfig& config, std::string_view key,
                       const model::Value& value, Time t, std::uint64_t seq_limit,
                       const std::function<void(std::string_view)>& fn) const;
    /// IDs of the nodes changed at or after t by a change that added the index term `value` of
    /// `key` (an add, or a Put whose field changed to have it): the only nodes that can match
    /// in the latest image without matching at t. Same contract as lostTermNodes.
    void gainedTermNodes(const graph::IndexConfig& config, std::string_view key,
                         const model::Value& value, Time t, std::uint64_t seq_limit,
                         const std::function<void(std::string_view)>& fn) const;
    /// Every version visible in [from, to] given the point image at `from`. REQUIRES: covers(from).
    void sliceVersions(const graph::GraphImage& at_from, Time from, Time to,
                       std::vector<Version>& out) const;

private:
    // Indexes the changes appended since the last call. Called first by every read that walks
    // or looks up changes (imageAt, tailSize, changesBetween and the term postings read the log
    // alone and do not call it), under the lock that guards the window (which readers hold
    // exclusively), so the index members below are `mutable`. A RecentWindow is never a const
    // object: the changes of log_ are updated in place.
    void index() const;  // a read's: counted for indexIfRead
    void catchUp() const;
    void indexEntry(LogEntry& e) const;
    Version finalForm(const Version& v) const;
    struct ChainKey {
        model::ElementKind kind;
        model::Str id;
    };
    struct ChainKeyView {  // for lookups without building a Str
        model::ElementKind kind;
        std::string_view id;
    };
    struct ChainKeyHash {
        using is_transparent = void;
        std::size_t operator()(const ChainKeyView& k) const noexcept {
            return model::StrHash{}(k.id) ^ static_cast<std::size_t>(k.kind);
        }
        std::size_t operator()(const ChainKey& k) const noexcept {
            return (*this)(ChainKeyView{k.kind, k.id.view()});
        }
    };
    struct ChainKeyEq {
        using is_transparent = void;
        static ChainKeyView v(const ChainKey& k) { return {k.kind, k.id.view()}; }
        static ChainKeyView v(const ChainKeyView& k) { return k; }
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const noexcept {
            return v(a).kind == v(b).kind && v(a).id == v(b).id;
        }
    };
    static ChainKey chainKey(const Version& v) { return {v.kind(), model::Str(v.id())}; }
    // For lookups: no copy of the ID (an ID longer than a Str holds inline is an allocation).
    static ChainKeyView chainKeyView(const Version& v) { return {v.kind(), v.id()}; }

    void indexEndpoints(const LogEntry& e, bool add) const;
    void postChangedTerms(const graph::IndexConfig& config, const LogEntry& e, bool front) const;
    void pruneChangedTerms() const;

    // Lost- and gained-term postings of the log positions [lost_lo_, lost_hi_), counted
    // from the last clear(); items older than the log's front are dropped lazily.
    struct Posted {
        std::uint64_t seq;
        Time time;
        const LogEntry* entry;
    };
    struct TermHash {
        std::size_t operator()(const std::pair<std::size_t, model::Value>& k) const noexcept {
            return k.second.hash() * 31 + k.first;
        }
    };
    using TermMap =
        std::unordered_map<std::pair<std::size_t, model::Value>, std::deque<Posted>, TermHash>;
    void termNodes(const TermMap& map, const graph::IndexConfig& config, std::string_view key,
                   const model::Value& value, Time t, std::uint64_t seq_limit,
                   const std::function<void(std::string_view)>& fn) const;
    mutable TermMap lost_, gained_;  // gained_: the terms changes added (gainedTermNodes)
    mutable std::size_t lost_lo_ = 0, lost_hi_ = 0, term_items_ = 0;
    std::size_t popped_ = 0;
    std::deque<const LogEntry*> presence_;  // adds and deletes, oldest first
    std::deque<const LogEntry*> edge_log_;  // edge changes, oldest first

    std::deque<LogEntry> log_;
    // Pins alive (shared with them), and where clear() puts the log while some are: a pin
    // holds the graveyard current when it was taken, which clear() then replaces.
    std::shared_ptr<WindowPin::Set> pins_ = std::make_shared<WindowPin::Set>();
    struct Graveyard {
        std::vector<std::deque<LogEntry>> logs;
    };
    mutable std::shared_ptr<Graveyard> grave_ = std::make_shared<Graveyard>();
    // The address of each Put's new version → that entry: what rolledBack probes.
    mutable graph::AddrIndex<LogEntry> produced_;
    // Edge changes by endpoint node ID, oldest first.
    mutable std::unordered_map<model::Str, std::deque<const LogEntry*>, model::StrHash,
                               std::equal_to<>>
        endpoints_;
    // Oldest first; short (the changes of one element inside the window).
    // Time and sequence kept inline: a roll-back walks the chain without touching the entries.
    struct ChainItem {
        Time time;
        std::uint64_t seq;
        const LogEntry* entry;
        std::uint64_t keys_changed;  // bit k: mask_keys_[k] differs before/after (all: add/delete)
    };
    using Chain = std::vector<ChainItem>;
    static Chain* chainOf(const LogEntry& e) { return static_cast<Chain*>(e.chain); }
    mutable std::unordered_map<ChainKey, Chain, ChainKeyHash, ChainKeyEq> chains_;
    /// The version at t inside the chain, or nullptr when the latest one is t's.
    static const Version* changedAt(const Chain& chain, Time t, std::uint64_t seq_limit);
    std::uint64_t keysChanged(const LogEntry& e) const;
    std::vector<std::string> mask_keys_;  // the indexed keys keys_changed bits stand for
    std::size_t bytes_ = 0;
    Time from_;
    // Lazy indexing: the changes at log positions below indexed_end_ (counted like popped_)
    // are indexed; reads_ counts index() calls, for indexIfRead.
    bool lazy_ = false;
    mutable std::size_t indexed_end_ = 0;
    mutable std::uint64_t reads_ = 0;
    std::uint64_t reads_seen_ = 0;
    std::chrono::steady_clock::time_point last_read_{};
};

/// Approximate memory held by one version (for the window's budget).
std::size_t versionBytes(const Version& v);

}  // namespace skydive::store
