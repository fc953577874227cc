#include <chrono>
#include <map>
#include <thread>

#include <skydive/graph/slice_view.h>

#include "lazy_point_view.h"
#include "store_impl.h"

namespace skydive::store {

using graph::GraphViewPtr;
using graph::ViewKind;

GraphViewPtr Store::Impl::cached(ViewKind kind, Time from, Time to) const {
    return cache.find(kind, from, to);
}

void Store::Impl::remember(ViewKind kind, Time from, Time to, GraphViewPtr view,
                           std::vector<GraphViewPtr>& evicted) const {
    cache.insert(kind, from, to, std::move(view), opts.view_cache_entries, evicted);
}

void Store::Impl::setLatest(graph::GraphImage image) {
    latest = std::move(image);
    latest_stale = false;
    latest_elements = latest.nodeCount() + latest.edgeCount();
    published.reset();
}

std::unique_lock<GateMutex> Store::Impl::lockFresh() const {
    for (;;) {
        std::unique_lock l(mu);
        if (!latest_stale) return l;
        l.unlock();
        (void)live.image();  // republishes through the log
    }
}

const std::shared_ptr<const graph::GraphImage>& Store::Impl::publishedLatest() const {
    if (!published) published = std::make_shared<const graph::GraphImage>(latest);
    return published;
}

// A lazy view: nothing is read or rolled back until the query asks (ADR 017).
model::Result<GraphViewPtr> Store::at(Time t) const {
    Impl& im = *impl_;
    std::vector<GraphViewPtr> evicted;  // dropped after `mu` is released
    auto l = im.lockFresh();
    if (auto v = im.cached(ViewKind::Point, t, t)) return v;
    std::shared_ptr<WindowState> window;
    if (im.window.covers(t)) window = im.shared;
    // Views taken between two commits share one RocksDB snapshot.
    WindowState& ws = *im.shared;
    if (!ws.snap || ws.snap_seq != im.next_seq) {
        ws.snap.reset(im.rocks->db().GetSnapshot(),
                      [r = im.rocks](const rocksdb::Snapshot* s) { r->db().ReleaseSnapshot(s); });
        ws.snap_seq = im.next_seq;
    }
    GraphViewPtr view =
        std::make_shared<LazyPointView>(t, std::move(window), im.publishedLatest(), im.next_seq - 1,
                                        im.rocks, ws.snap, im.links_complete);
    im.remember(ViewKind::Point, t, t, view, evicted);
    return view;
}

namespace {

// Keeps one version per stored revision, preferring its deleted (final) form.
GraphViewPtr sliceFromVersions(std::vector<Version>& versions, Time from, Time to,
                               std::shared_ptr<const graph::IndexConfig> config) {
    std::map<RevKey, Version> unique;
    for (Version& v : versions) {
        auto [it, added] = unique.try_emplace(v.ref(), v);
        if (!added && it->second.deletedAt() == 0) it->second = v;
    }
    std::vector<model::NodeRec> nodes;
    std::vector<graph::EdgePtr> edges;
    for (auto& [ref, v] : unique) {
        if (v.node)
            nodes.push_back(v.node);
        else
            edges.push_back(v.edge);
    }
    return graph::makeSliceView(std::move(nodes), std::move(edges), from, to, std::move(config));
}

}  // namespace

model::Result<GraphViewPtr> Store::slice(Time from, Time to) const {
    if (from > to)
        return model::makeError(model::ErrorCode::InvalidArgument, "slice start after its end");
    Impl& im = *impl_;
    std::vector<GraphViewPtr> evicted;  // dropped after `mu` is released
    std::vector<Version> versions;
    {
        auto l = im.lockFresh();
        if (auto v = im.cached(ViewKind::Slice, from, to)) return v;
        if (im.window.covers(from)) {
            im.window.sliceVersions(im.window.imageAt(im.latest, from), from, to, versions);
            auto view = sliceFromVersions(versions, from, to, im.config);
            im.remember(ViewKind::Slice, from, to, view, evicted);
            return view;
        }
    }
    auto refs = im.reader.sliceRefs(from, to);
    if (!refs) return refs.error();
    auto fetched = im.reader.fetch(*refs);
    if (!fetched) return fetched.error();
    auto view = sliceFromVersions(*fetched, from, to, im.config);
    std::lock_guard l(im.mu);
    im.remember(ViewKind::Slice, from, to, view, evicted);
    return view;
}

namespace {

model::Result<Version> elementAt(const Store::Impl& im, model::ElementKind kind,
                                 std::string_view id, Time t) {
    std::optional<Time> created;  // of the live incarnation: one seek instead of two
    {
        auto l = im.lockFresh();
        Version live = findVersion(im.latest, kind, id);
        if (im.window.covers(t)) return im.window.elementAt(kind, id, live, t);
        if (live) created = live.createdAt();
    }
    return im.reader.elementAt(kind, id, t, created);
}

}  // namespace

model::Result<std::optional<model::Node>> Store::nodeAt(std::string_view id, Time t) const {
    auto v = elementAt(*impl_, model::ElementKind::Node, id, t);
    if (!v) return v.error();
    if (!v->node) return std::optional<model::Node>();
    return std::optional<model::Node>(v->node.toNode());
}

model::Result<std::optional<model::Edge>> Store::edgeAt(std::string_view id, Time t) const {
    auto v = elementAt(*impl_, model::ElementKind::Edge, id, t);
    if (!v) return v.error();
    if (!v->edge) return std::optional<model::Edge>();
    return std::optional<model::Edge>(*v->edge);
}

// RocksDB 7.8 has no WaitForCompact: poll the flush/compaction properties of every column family.
model::Status Store::waitForCompactions(std::int64_t timeout_ms) const {
    impl_->waitForCommitHelper();  // a checkpoint it writes starts the live.image writer
    impl_->joinImageWriter();
    rocksdb::DB& db = impl_->rocks->db();
    auto busy = [&] {
        static constexpr const char* kProps[] = {
            "rocksdb.mem-table-flush-pending", "rocksdb.compaction-pending",
            "rocksdb.num-running-flushes", "rocksdb.num-running-compactions"};
        for (const char* p : kProps) {
            std::uint64_t v = 0;
            if (db.GetAggregatedIntProperty(p, &v) && v > 0) return true;
        }
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (busy()) {
        if (std::chrono::steady_clock::now() > deadline)
            return model::makeError(model::ErrorCode::Unavailable,
                                    "RocksDB still compacting after the timeout");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
}

std::string Store::revShape(std::optional<Time> t) const {
    rocksdb::DB& db = impl_->rocks->db();
    rocksdb::ColumnFamilyHandle* rev = impl_->rocks->cf(Cf::Rev);
    auto prop = [&](const std::string& name) {
        std::uint64_t v = 0;
        return db.GetIntProperty(rev, name, &v) ? v : 0;
    };
    std::string out = "rev: memtable " +
                      std::to_string(prop("rocksdb.num-entries-active-mem-table")) +
                      " entries, files per level";
    rocksdb::ColumnFamilyMetaData meta;
    db.GetColumnFamilyMetaData(rev, &meta);
    rocksdb::TablePropertiesCollection props;
    if (t && !db.GetPropertiesOfAllTables(rev, &props).ok()) props.clear();
    std::string read;  // per level: files a lookup at t reads / files
    for (const auto& level : meta.levels) {
        out += " L" + std::to_string(level.level) + "=" + std::to_string(level.files.size());
        if (!t || level.files.empty()) continue;
        std::size_t kept = 0;
        for (const auto& f : level.files) {
            auto p = props.find(f.db_path + f.name);
            kept += p == props.end() || mayHoldKeysUpTo(*p->second, *t);
        }
        read += " L" + std::to_string(level.level) + "=" + std::to_string(kept) + "/" +
                std::to_string(level.files.size());
    }
    out += ", live data " + std::to_string(prop("rocksdb.estimate-live-data-size") >> 20) + " MiB";
    if (t) out += "; files read at t=" + std::to_string(*t) + ":" + read;
    return out;
}

}  // namespace skydive::store
