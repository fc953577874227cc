#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <skydive/model/element.h>
#include <skydive/model/node_rec.h>

#include "pmap.h"
#include "slot_set.h"
#include "slot_table.h"

namespace skydive::graph::detail {

/// What a term index needs to read a node's value: the image's slot table (slot -> record)
/// and the indexed key. Passed to each call, never stored, so image copies need no fixing.
struct TermCtx {
    const SlotTable* table;
    std::string_view key;
    bool plain;  // a top-level metadata key: read in place, no fieldOf copy

    model::NodeRef node(std::uint32_t slot) const {
        return model::NodeRef(reinterpret_cast<const model::detail::RecBlock*>(table->get(slot)));
    }
    /// True when the node at `slot` has exactly `term` as its value of the key.
    bool holds(std::uint32_t slot, const model::Value& term) const {
        const model::NodeRef n = node(slot);
        if (plain) return model::equals(n.field(key), term);
        const model::FieldValue f = model::fieldOf(n, key);
        if (!f) return false;
        return f.isRef() ? model::equals(f.ref(), term) : f.toValue() == term;
    }
};

/// The 31-bit hash a term index files a term under (a single's word has room for 31 bits).
/// termHash of a value whose Value::hash() is `h`.
inline std::uint32_t termHashOf(std::uint64_t h) {
    return static_cast<std::uint32_t>((h ^ (h >> 31) ^ (h >> 62)) & 0x7FFFFFFFu);
}
inline std::uint32_t termHash(const model::Value& v) {
    return termHashOf(v.hash());
}

/// One term of an index and its nodes, in one 8-byte word (ADR 002, seventh round):
/// - a term that names one node whose whole value it is (most `Name`, `TID` terms): that
///   node's slot and the term's hash, `slot << 32 | hash << 1 | 1`; the term itself is not
///   stored, it is read from the node when a lookup compares;
/// - otherwise a pointer to a refcounted `Many` holding the term, its hash and a SlotSet.
class TermEntry {
public:
    struct Many {
        std::atomic<std::uint32_t> refs{1};
        std::uint32_t hash = 0;
        model::Value term;
        SlotSet slots;
    };

    TermEntry() = default;
    static TermEntry single(std::uint32_t slot, std::uint32_t hash) {
        TermEntry e;
        e.word_ = (std::uintptr_t{slot} << 32) | (std::uintptr_t{hash} << 1) | 1u;
        return e;
    }
    static TermEntry makeMany(const model::Value& term, std::uint32_t hash, SlotSet slots) {
        auto* m = new Many;
        m->hash = hash;
        m->term = term;
        m->slots = std::move(slots);
        TermEntry e;
        e.word_ = reinterpret_cast<std::uintptr_t>(m);
        return e;
    }
    TermEntry(const TermEntry& o) noexcept : word_(o.word_) {
        if (!isSingle() && word_ != 0) manyPtr()->refs.fetch_add(1, std::memory_order_relaxed);
    }
    TermEntry(TermEntry&& o) noexcept : word_(std::exchange(o.word_, 0)) {}
    TermEntry& operator=(TermEntry o) noexcept {
        std::swap(word_, o.word_);
        return *this;
    }
    ~TermEntry() {
        if (!isSingle() && word_ != 0 &&
            manyPtr()->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete manyPtr();
    }

    bool isSingle() const noexcept { return (word_ & 1u) != 0; }
    std::uint32_t slot() const noexcept { return static_cast<std::uint32_t>(word_ >> 32); }
    std::uint32_t hash() const noexcept {
        return isSingle() ? static_cast<std::uint32_t>((word_ >> 1) & 0x7FFFFFFFu) : many().hash;
    }
    const Many& many() const noexcept { return *manyPtr(); }
    /// The Many, copied first when another image shares it.
    Many& mutableMany() {
        Many* m = manyPtr();
        if (m->refs.load(std::memory_order_acquire) != 1)
            *this = makeMany(m->term, m->hash, m->slots);
        return *manyPtr();
    }
    std::uintptr_t word() const noexcept { return word_; }

private:
    Many* manyPtr() const noexcept { return reinterpret_cast<Many*>(word_); }
    std::uintptr_t word_ = 0;
};
static_assert(sizeof(TermEntry) == 8);

/// A lookup of `term` in one index (PMap query key).
struct TermQuery {
    const model::Value& term;
    std::uint32_t hash;
    const TermCtx& ctx;
};
struct TermHash {
    std::size_t operator()(const TermEntry& e) const noexcept { return e.hash(); }
    std::size_t operator()(const TermQuery& q) const noexcept { return q.hash; }
};
struct TermEq {
    bool operator()(const TermEntry& a, const TermEntry& b) const noexcept {
        return a.word() == b.word();
    }
    bool operator()(const TermEntry& e, const TermQuery& q) const {
        if (e.hash() != q.hash) return false;
        return e.isSingle() ? q.ctx.holds(e.slot(), q.term) : e.many().term == q.term;
    }
};

/// The postings of one indexed key: term -> slots of the nodes having it (ADR 002).
class TermIndex {
    struct Unit {};
    using Map = PMap<TermEntry, Unit, TermHash, TermEq>;

public:
    /// `whole`: the term is the node's whole (non-list) value, so it may be kept as a single.
    void add(const TermCtx& ctx, const model::Value& term, bool whole, std::uint32_t slot) {
        TermQuery q{term, termHash(term), ctx};
        TermEntry* e = map_.findKeyMut(q);
        if (e == nullptr) {
            map_.set(whole ? TermEntry::single(slot, q.hash)
                           : TermEntry::makeMany(term, q.hash, SlotSet::build({slot})),
                     Unit{});
        } else if (e->isSingle()) {
            if (e->slot() != slot)
                *e = TermEntry::makeMany(term, q.hash, SlotSet::build({e->slot(), slot}));
        } else {
            e->mutableMany().slots.insert(slot);
        }
    }
    /// REQUIRES: the slot table still holds the node the term was added for.
    void remove(const TermCtx& ctx, const model::Value& term, std::uint32_t slot) {
        TermQuery q{term, termHash(term), ctx};
        TermEntry* e = map_.findKeyMut(q);
        if (e == nullptr) return;
        if (e->isSingle()) {
            if (e->slot() == slot) map_.erase(q);
            return;
        }
        TermEntry::Many& m = e->mutableMany();
        m.slots.erase(slot);
        if (m.slots.empty()) {
            map_.erase(q);
        } else if (m.slots.size() == 1 && !term.isList()) {
            std::uint32_t last = 0;
            m.slots.forEach([&](std::uint32_t s) { return last = s, false; });
            if (ctx.holds(last, term)) *e = TermEntry::single(last, q.hash);
        }
    }
    /// Calls fn(slot) for each node having `term` until it returns false.
    template <typename Fn>
    void forEach(const TermCtx& ctx, const model::Value& term, const Fn& fn) const {
        const TermEntry* e = map_.findKey(TermQuery{term, termHash(term), ctx});
        if (e == nullptr) return;
        if (e->isSingle())
            fn(e->slot());
        else
            e->many().slots.forEach(fn);
    }
    std::size_t count(const TermCtx& ctx, const model::Value& term) const {
        const TermEntry* e = map_.findKey(TermQuery{term, termHash(term), ctx});
        if (e == nullptr) return 0;
        return e->isSingle() ? 1 : e->many().slots.size();
    }
    std::size_t termCount() const { return map_.size(); }

    /// An index built at once from distinct terms, each with its hash.
    static TermIndex build(std::vector<PEntry<TermEntry, Unit>>&& entries,
                           const std::vector<std::uint64_t>& hashes) {
        TermIndex t;
        t.map_ = Map::build(std::move(entries), hashes);
        return t;
    }
    using Entry = PEntry<TermEntry, Unit>;

private:
    Map map_;
};

}  // namespace skydive::graph::detail
