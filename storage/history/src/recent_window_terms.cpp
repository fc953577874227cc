// The window's lost- and gained-term postings (RecentWindow::lostTermNodes and gainedTermNodes,
// ADR 017, 021): what lets a past view answer an index lookup or count from the latest image's
// hits plus a few nodes, without a scan.
#include "recent_window.h"

namespace skydive::store {

// Posts the index terms a node change dropped, in lost_: every term of a deleted node, and the
// terms of the previous version's field when the field changed (a superset of what was dropped);
// and, in gained_, the terms it added: every term of an added node, the new field's when it
// changed.
void RecentWindow::postChangedTerms(const graph::IndexConfig& config, const LogEntry& e,
                                    bool front) const {
    if (!e.after.node) return;
    model::NodeRef gone;
    model::NodeRef kept;
    if (e.op == TimelineOp::Delete) {
        gone = e.after.node;
    } else {
        gone = e.before.node;  // null for an add
        kept = e.after.node;
    }
    auto post = [&](auto& map, std::size_t k, const model::Value& field) {
        graph::forEachIndexTerm(field, [&](const model::Value& term) {
            auto& posting = map[{k, term}];
            Posted p{e.key.seq, e.key.time, &e};
            if (front)
                posting.push_front(p);
            else
                posting.push_back(p);
            ++term_items_;
        });
    };
    for (std::size_t k = 0; k < config.keys.size(); ++k) {
        const model::FieldValue was =
            gone ? model::fieldOf(gone, config.keys[k]) : model::FieldValue();
        const model::FieldValue now =
            kept ? model::fieldOf(kept, config.keys[k]) : model::FieldValue();
        if (was && now && was == now) continue;  // compared in place: most updates
        if (was) post(lost_, k, was.toValue());
        if (now) post(gained_, k, now.toValue());
    }
}

// Drops the items of entries trimmed from the log (they sit at the fronts of the postings).
void RecentWindow::pruneChangedTerms() const {
    std::uint64_t oldest = log_.empty() ? ~std::uint64_t{0} : log_.front().key.seq;
    term_items_ = 0;
    for (auto* map : {&lost_, &gained_}) {
        for (auto it = map->begin(); it != map->end();) {
            auto& d = it->second;
            while (!d.empty() && d.front().seq < oldest) d.pop_front();
            term_items_ += d.size();
            it = d.empty() ? map->erase(it) : std::next(it);
        }
    }
}

void RecentWindow::lostTermNodes(const graph::IndexConfig& config, std::string_view key,
                                 const model::Value& value, Time t, std::uint64_t seq_limit,
                                 const std::function<void(std::string_view)>& fn) const {
    termNodes(lost_, config, key, value, t, seq_limit, fn);
}

void RecentWindow::gainedTermNodes(const graph::IndexConfig& config, std::string_view key,
                                   const model::Value& value, Time t, std::uint64_t seq_limit,
                                   const std::function<void(std::string_view)>& fn) const {
    termNodes(gained_, config, key, value, t, seq_limit, fn);
}

void RecentWindow::termNodes(const TermMap& map, const graph::IndexConfig& config,
                             std::string_view key, const model::Value& value, Time t,
                             std::uint64_t seq_limit,
                             const std::function<void(std::string_view)>& fn) const {
    std::size_t k = 0;
    while (k < config.keys.size() && config.keys[k] != key) ++k;
    if (k == config.keys.size()) return;
    const std::size_t end = popped_ + log_.size();
    if (lost_hi_ <= popped_ || lost_lo_ == lost_hi_) {  // nothing scanned is still in the log
        lost_.clear();
        gained_.clear();
        term_items_ = 0;
        lost_lo_ = lost_hi_ = end;
    }
    lost_lo_ = std::max(lost_lo_, popped_);
    for (; lost_hi_ < end; ++lost_hi_) postChangedTerms(config, log_[lost_hi_ - popped_], false);
    // Older entries are scanned only as far back as a query needs; none of them was trimmed
    // (lost_lo_ > popped_), so no stale item sits at a posting's front.
    while (lost_lo_ > popped_ && log_[lost_lo_ - 1 - popped_].key.time >= t) {
        --lost_lo_;
        postChangedTerms(config, log_[lost_lo_ - popped_], true);
    }
    if (term_items_ > 4 * (lost_hi_ - lost_lo_) + 4096) pruneChangedTerms();
    auto it = map.find({k, value});
    if (it == map.end()) return;
    for (auto p = it->second.rbegin(); p != it->second.rend() && p->time >= t; ++p) {
        if (p->seq <= seq_limit) fn(p->entry->after.id());
    }
}

}  // namespace skydive::store
