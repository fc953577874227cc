#pragma once

#include <atomic>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace skydive::graph::detail {

/// A persistent array of words indexed by a dense 4-byte slot (ADR 002, seventh round): a
/// 32-way radix tree whose copies are O(1) and whose writer path-copies the (at most
/// log32(n)) nodes it touches when they are shared, as PMap does (ADR 010). GraphImage stores
/// each live node's record block at the node's slot, so that postings can hold 4-byte slots
/// instead of IDs. Released slots are chained through their words (odd: `next << 1 | 1`) and
/// reused first, so slots stay dense. A tree node holds 31 words, not 32, so that with its
/// 8-byte header it fills a 256-byte allocation (jemalloc size class) instead of 264 bytes in
/// a 320-byte one: a slot never has a base-32 digit equal to 31 (acquire() skips those).
///
/// REQUIRES: one thread mutates a given table; copies may be read from any thread. A word
/// stored by set() is even (a pointer).
class SlotTable {
    static constexpr unsigned kBits = 5;
    static constexpr unsigned kWidth = (1u << kBits) - 1;  // digits 0..30
    static constexpr unsigned kMask = (1u << kBits) - 1;
    static constexpr std::uint32_t kNone = ~std::uint32_t{0};

    struct TNode {
        std::atomic<std::uint32_t> refs{1};
        bool leaf = true;
        std::uintptr_t w[kWidth] = {};  // leaf: words; inner: TNode*
    };
    static_assert(sizeof(TNode) == 256);

public:
    SlotTable() = default;
    SlotTable(const SlotTable& o) noexcept
        : root_(o.root_), depth_(o.depth_), next_(o.next_), free_(o.free_) {
        retain(root_);
    }
    SlotTable(SlotTable&& o) noexcept
        : root_(std::exchange(o.root_, nullptr)),
          depth_(std::exchange(o.depth_, 0)),
          next_(std::exchange(o.next_, 0)),
          free_(std::exchange(o.free_, kNone)) {}
    SlotTable& operator=(SlotTable o) noexcept {
        std::swap(root_, o.root_);
        std::swap(depth_, o.depth_);
        std::swap(next_, o.next_);
        std::swap(free_, o.free_);
        return *this;
    }
    ~SlotTable() { release(root_); }

    /// The word at `slot`. REQUIRES: slot was acquired and not released.
    std::uintptr_t get(std::uint32_t slot) const noexcept {
        const TNode* n = root_;
        for (unsigned d = depth_; d > 1; --d)
            n = reinterpret_cast<const TNode*>(n->w[(slot >> (kBits * (d - 1))) & kMask]);
        return n->w[slot & kMask];
    }
    /// A free slot (a released one first) holding `word`.
    std::uint32_t acquire(std::uintptr_t word) {
        std::uint32_t slot = free_;
        if (slot != kNone) {
            free_ = static_cast<std::uint32_t>(get(slot) >> 1);
        } else {
            slot = next_;
            next_ = valid(next_ + 1);
        }
        set(slot, word);
        return slot;
    }
    void releaseSlot(std::uint32_t slot) {
        set(slot, (static_cast<std::uintptr_t>(free_) << 1) | 1u);
        free_ = slot;
    }
    /// Stores `word` at an acquired slot.
    void set(std::uint32_t slot, std::uintptr_t word) {
        while (depth_ == 0 || (depth_ < 7 && slot >> (kBits * depth_) != 0)) grow();
        TNode** at = &root_;
        for (unsigned d = depth_;; --d) {
            makeUnique(*at);
            if (d == 1) break;
            at = reinterpret_cast<TNode**>(&(*at)->w[(slot >> (kBits * (d - 1))) & kMask]);
            if (*at == nullptr) *at = newNode(d - 1 == 1);
        }
        (*at)->w[slot & kMask] = word;
    }
    /// The i-th slot that acquire() hands out on a fresh table (i in base 31, digits in 5 bits).
    static std::uint32_t slotOf(std::size_t i) {
        std::uint32_t slot = 0;
        for (unsigned shift = 0; i != 0; shift += kBits, i /= kWidth)
            slot |= static_cast<std::uint32_t>(i % kWidth) << shift;
        return slot;
    }
    /// The table holding words[i] at slotOf(i) (a bulk load), every node built once.
    static SlotTable build(const std::vector<std::uintptr_t>& words) {
        SlotTable t;
        t.next_ = slotOf(words.size());
        if (words.empty()) return t;
        t.depth_ = 1;
        std::size_t cap = kWidth;
        while (cap < words.size()) cap *= kWidth, ++t.depth_;
        t.root_ = buildRec(words, 0, t.depth_);
        return t;
    }
    /// Slots handed out so far (acquired or released): every live slot is below it.
    std::uint32_t highWater() const noexcept { return next_; }

private:
    // `s`, or the next slot above it with no base-32 digit equal to 31.
    static std::uint32_t valid(std::uint32_t s) {
        for (unsigned shift = 0; shift < 32; shift += kBits)
            if (((s >> shift) & kMask) == kMask) s += 1u << shift;  // carries into the next digit
        return s;
    }
    static TNode* newNode(bool leaf) {
        auto* n = new TNode;
        n->leaf = leaf;
        return n;
    }
    static TNode* buildRec(const std::vector<std::uintptr_t>& words, std::size_t first,
                           unsigned depth) {
        TNode* n = newNode(depth == 1);
        std::size_t span = 1;
        for (unsigned d = 1; d < depth; ++d) span *= kWidth;
        for (unsigned i = 0; i < kWidth && first + i * span < words.size(); ++i)
            n->w[i] = depth == 1 ? words[first + i]
                                 : reinterpret_cast<std::uintptr_t>(
                                       buildRec(words, first + i * span, depth - 1));
        return n;
    }
    void grow() {
        TNode* top = newNode(depth_ == 0);
        if (root_ != nullptr) top->w[0] = reinterpret_cast<std::uintptr_t>(root_);
        root_ = top;
        ++depth_;
    }
    static void retain(TNode* n) noexcept {
        if (n) n->refs.fetch_add(1, std::memory_order_relaxed);
    }
    static void release(TNode* n) noexcept {
        if (n == nullptr || n->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        if (!n->leaf)
            for (std::uintptr_t c : n->w) release(reinterpret_cast<TNode*>(c));
        delete n;
    }
    static void makeUnique(TNode*& n) {
        if (n->refs.load(std::memory_order_acquire) == 1) return;
        TNode* copy = newNode(n->leaf);
        for (unsigned i = 0; i < kWidth; ++i) copy->w[i] = n->w[i];
        if (!copy->leaf)
            for (std::uintptr_t c : copy->w) retain(reinterpret_cast<TNode*>(c));
        release(n);
        n = copy;
    }

    TNode* root_ = nullptr;
    unsigned depth_ = 0;  // levels; slots below 32^depth_
    std::uint32_t next_ = 0;
    std::uint32_t free_ = kNone;
};

}  // namespace skydive::graph::detail
