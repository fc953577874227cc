#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <skydive/store/keys.h>

namespace skydive::store {

/// The references a timeline replay builds: one per element (kind + ID). Slots of an
/// open-addressing table hold an index into `entries_` and the key's hash, so that a probe
/// compares IDs only on a hash match; an element is one vector entry, not a node allocation
/// plus a copy of its ID as the key. A deleted element stays, marked dead, and comes back in
/// the same entry: nothing is ever erased from the table.
class RefTable {
public:
    struct Entry {
        RevKey ref;
        bool alive = false;
    };

    void reserve(std::size_t n) {
        entries_.reserve(n);
        if (n * 2 > slots_.size()) rehash(n * 2);
    }

    /// The element's entry (alive or dead), or null.
    Entry* find(const RevKey& k) {
        std::uint64_t* s = probe(k, hashOf(k));
        return *s == 0 ? nullptr : &entries_[index(*s)];
    }

    /// Sets the element's reference, alive (a new entry when find() returns null).
    void insert(RevKey&& k) {
        if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
        const std::uint64_t h = hashOf(k);
        std::uint64_t* s = probe(k, h);
        if (*s != 0) {
            entries_[index(*s)] = Entry{std::move(k), true};
            return;
        }
        entries_.push_back(Entry{std::move(k), true});
        *s = (h << 32) | entries_.size();
    }

    /// Moves out the alive references, in no particular order.
    std::vector<RevKey> take() && {
        std::vector<RevKey> out;
        out.reserve(entries_.size());
        for (Entry& e : entries_)
            if (e.alive) out.push_back(std::move(e.ref));
        return out;
    }

private:
    static std::uint64_t hashOf(const RevKey& k) {
        const std::uint64_t h = std::hash<std::string_view>{}(k.id);
        return (h ^ (h >> 32) ^ static_cast<std::uint64_t>(k.kind)) & 0xFFFFFFFFu;
    }
    static std::size_t index(std::uint64_t slot) { return (slot & 0xFFFFFFFFu) - 1; }

    // The slot holding `k`, or the empty slot where it goes (linear probing, power-of-2 size).
    std::uint64_t* probe(const RevKey& k, std::uint64_t h) {
        if (slots_.empty()) rehash(1024);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            std::uint64_t& s = slots_[i];
            if (s == 0) return &s;
            if ((s >> 32) == h) {
                const RevKey& r = entries_[index(s)].ref;
                if (r.kind == k.kind && r.id == k.id) return &s;
            }
        }
    }

    void rehash(std::size_t want) {
        std::size_t n = 1024;
        while (n < want) n *= 2;
        std::vector<std::uint64_t> old(n, 0);
        old.swap(slots_);
        const std::size_t mask = n - 1;
        for (std::uint64_t s : old) {
            if (s == 0) continue;
            std::size_t i = (s >> 32) & mask;
            while (slots_[i] != 0) i = (i + 1) & mask;
            slots_[i] = s;
        }
    }

    std::vector<Entry> entries_;
    std::vector<std::uint64_t> slots_;  // (hash << 32) | (index + 1); 0 = empty
};

}  // namespace skydive::store
