#include "recent_window.h"

namespace skydive::store {

std::size_t versionBytes(const Version& v) {
    if (!v) return 0;
    const auto& b = v.base();
    return 160 + b.metadata.heapBytes() + b.id.heapBytes();
}

void RecentWindow::append(LogEntry e) {
    if (e.bytes == 0) e.bytes = sizeof(LogEntry) + versionBytes(e.after);
    bytes_ += e.bytes;
    log_.push_back(std::move(e));
    const LogEntry& back = log_.back();
    chains_[chainKey(back.after)].push_back(&back);
}

void RecentWindow::trim(Time min_time, std::size_t max_bytes) {
    while (!log_.empty() && (log_.front().key.time < min_time || bytes_ > max_bytes)) {
        const LogEntry& front = log_.front();
        auto it = chains_.find(chainKey(front.after));
        if (it != chains_.end()) {
            it->second.erase(it->second.begin());
            if (it->second.empty()) chains_.erase(it);
        }
        from_ = std::max(from_, front.key.time);
        bytes_ -= front.bytes;
        log_.pop_front();
    }
}

void RecentWindow::clear(Time from) {
    chains_.clear();
    log_.clear();
    bytes_ = 0;
    from_ = from;
}

// Undo, newest first, every change after t; a delete is undone by putting back its deleted
// form (the stored final form of that revision). Deletes at exactly t stay visible (inclusive
// bounds, spec §2.8), so they are put back too.
graph::GraphImage RecentWindow::imageAt(graph::GraphImage img, Time t) const {
    for (auto it = log_.rbegin(); it != log_.rend() && it->key.time >= t; ++it) {
        const LogEntry& e = *it;
        if (e.op == TimelineOp::Delete) {
            putVersion(img, e.after);
        } else if (e.key.time > t) {
            if (e.before)
                putVersion(img, e.before);
            else
                removeVersion(img, e.after.kind(), e.after.base().id.view());
        }
    }
    return img;
}

Version RecentWindow::elementAt(model::ElementKind kind, std::string_view id, const Version& live,
                                Time t) const {
    auto it = chains_.find(ChainKey{kind, model::Str(id)});
    if (it == chains_.end()) return live;
    const auto& chain = it->second;
    for (const LogEntry* e : chain) {
        if (e->key.time > t) return e->op == TimelineOp::Delete ? e->after : e->before;
    }
    const LogEntry* last = chain.back();
    if (last->op == TimelineOp::Delete && last->key.time == t) return last->after;
    return live;
}

// A revision that was deleted later is stored in its deleted form (DeletedAt set).
Version RecentWindow::finalForm(const Version& v) const {
    auto it = chains_.find(chainKey(v));
    if (it == chains_.end()) return v;
    for (const LogEntry* e : it->second) {
        if (e->op != TimelineOp::Delete) continue;
        const auto& d = e->after.base();
        if (d.revision == v.base().revision && d.created_at == v.base().created_at) return e->after;
    }
    return v;
}

void RecentWindow::sliceVersions(const graph::GraphImage& at_from, Time from, Time to,
                                 std::vector<Version>& out) const {
    at_from.forEachNode([&](const model::Node& n) {
        out.push_back(Version{*at_from.node(n.id.view()), nullptr});
        return true;
    });
    at_from.forEachEdge([&](const model::Edge& e) {
        out.push_back(Version{nullptr, *at_from.edge(e.id.view())});
        return true;
    });
    for (const LogEntry& e : log_) {
        if (e.key.time < from || e.key.time > to) continue;
        out.push_back(e.op == TimelineOp::Put ? finalForm(e.after) : e.after);
        if (e.key.time == from && e.op == TimelineOp::Put && e.before) out.push_back(e.before);
    }
}

}  // namespace skydive::store
