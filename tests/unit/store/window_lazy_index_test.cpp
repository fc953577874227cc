// Lazy indexing of the recent window (ADR 015, eighteenth round): a window that indexes its
// changes only when read must answer every read exactly as one that indexes each change on
// append, whatever was trimmed, cleared or read in between. Both windows get the same random
// changes of nodes and edges; reads at random moments compare every answer.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../../../storage/history/src/recent_window.h"  // private to the store

namespace skydive::store {
namespace {

using Clock = std::chrono::steady_clock;

class Changes {
public:
    explicit Changes(unsigned seed) : rng_(seed) {}

    // The next random change: an add of an absent element, else an update or a delete.
    LogEntry next() {
        time_ += std::uniform_int_distribution<int>(0, 2)(rng_);  // equal times happen
        const bool edge = pick(4) == 0;
        const std::string id = (edge ? "e" : "n") + std::to_string(pick(edge ? 6 : 12));
        auto& cur = (edge ? edges_ : nodes_)[id];
        LogEntry e;
        e.key = TimelineKey{time_, ++seq_};
        e.before = cur;
        if (cur && pick(5) == 0) {
            e.op = TimelineOp::Delete;
            e.after = edge ? Version{model::NodeRec(), edgeOf(*cur.edge, true)}
                           : Version{nodeOf(cur.node.toNode(), true), nullptr};
            cur = Version{};
        } else {
            e.op = TimelineOp::Put;
            e.after = edge ? Version{model::NodeRec(), makeEdge(id, cur)}
                           : Version{makeNode(id, cur), nullptr};
            cur = e.after;
        }
        return e;
    }
    model::Time time() const { return time_; }
    const std::map<std::string, Version>& nodes() const { return nodes_; }
    const std::map<std::string, Version>& edges() const { return edges_; }
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

private:
    model::NodeRec makeNode(const std::string& id, const Version& cur) {
        model::Node n;
        n.id = id;
        n.host = "h";
        auto& m = n.metadata.mutableObject();
        m.set("Type", pick(2) == 0 ? "veth" : "bridge");
        m.set("Name", "if" + std::to_string(pick(3)));
        m.set("MTU", static_cast<std::int64_t>(pick(1000)));
        n.created_at = cur ? cur.createdAt() : time_;
        n.updated_at = time_;
        n.revision = cur ? cur.revision() + 1 : 1;
        return model::NodeRec::encode(n);
    }
    static model::NodeRec nodeOf(model::Node n, bool deleted) {
        if (deleted) n.deleted_at = n.updated_at;
        return model::NodeRec::encode(n);
    }
    graph::EdgePtr makeEdge(const std::string& id, const Version& cur) {
        auto e = std::make_shared<model::Edge>();
        e->id = id;
        e->parent = "n" + std::to_string(pick(12));
        e->child = "n" + std::to_string(pick(12));
        e->created_at = cur ? cur.createdAt() : time_;
        e->updated_at = time_;
        e->revision = cur ? cur.revision() + 1 : 1;
        return e;
    }
    static graph::EdgePtr edgeOf(const model::Edge& e, bool deleted) {
        auto d = std::make_shared<model::Edge>(e);
        if (deleted) d->deleted_at = d->updated_at;
        return d;
    }

    std::mt19937 rng_;
    model::Time time_ = 100;
    std::uint64_t seq_ = 0;
    std::map<std::string, Version> nodes_, edges_;
};

// A version as the reads report it (empty: absent; "latest": the latest version is t's).
std::string describe(const Version* v) {
    if (v == nullptr) return "latest";
    if (!*v) return "absent";
    return std::string(v->id()) + "@" + std::to_string(v->revision()) + "/" +
           std::to_string(v->deletedAt());
}

// Every read of the window at t, as text.
std::vector<std::string> readAll(const RecentWindow& w, const Changes& c, model::Time t) {
    std::vector<std::string> out;
    const int name_bit = w.keyBit("Name");
    for (const auto* family : {&c.nodes(), &c.edges()}) {
        for (const auto& [id, latest] : *family) {
            const auto kind =
                family == &c.nodes() ? model::ElementKind::Node : model::ElementKind::Edge;
            bool kept = false;
            out.push_back("changedAt " + id + " " +
                          describe(w.changedAt(kind, id, t, RecentWindow::kAllSeq)));
            const Version* then = w.changedAt(kind, id, t, RecentWindow::kAllSeq, name_bit, kept);
            out.push_back("changedAt/Name " + id + " " + describe(then) + " " +
                          std::to_string(kept));
            if (latest) {
                then = w.rolledBack(latest.address(), t, name_bit, kept);
                out.push_back("rolledBack " + id + " " + describe(then) + " " +
                              std::to_string(kept));
            }
        }
    }
    for (int n = 0; n < 12; ++n) {
        std::string line = "edgesTouching n" + std::to_string(n);
        w.edgesTouching("n" + std::to_string(n), t, RecentWindow::kAllSeq,
                        [&](const model::Str& id) { line += " " + std::string(id.view()); });
        out.push_back(line);
    }
    std::string line = "changedElements";
    w.changedElements(t, RecentWindow::kAllSeq, [&](const Version& now, const Version& then) {
        line += " " + describe(&now) + "<-" + describe(&then);
    });
    out.push_back(line);
    line = "changedElementsBetween";
    w.changedElementsBetween(t, t + 3, RecentWindow::kAllSeq,
                             [&](const Version& now, const Version* then) {
                                 line += " " + describe(&now) + "<-" + describe(then);
                             });
    out.push_back(line);
    out.push_back("edgesChangedSince " +
                  std::to_string(w.edgesChangedSince(t, RecentWindow::kAllSeq)));
    return out;
}

TEST(WindowLazyIndex, ReadsAnswerAsAnEagerlyIndexedWindow) {
    graph::IndexConfig config;
    config.keys = {"Type", "Name"};
    std::size_t reads = 0, lazy_backlogs = 0;
    for (unsigned seed = 1; seed <= 12; ++seed) {
        Changes changes(seed);
        RecentWindow eager(0), lazy(0);
        lazy.setLazyIndexing(true);
        auto now = Clock::time_point{} + std::chrono::hours(1);
        for (int step = 0; step < 600; ++step) {
            LogEntry e = changes.next();
            eager.append(e, &config);
            lazy.append(std::move(e), &config);
            now += std::chrono::milliseconds(changes.pick(400));
            lazy.indexIfRead(now, std::chrono::seconds(5));
            switch (changes.pick(40)) {
                case 0: {  // trim by age
                    const model::Time min_time = changes.time() - changes.pick(30);
                    eager.trim(min_time, std::size_t{1} << 30);
                    lazy.trim(min_time, std::size_t{1} << 30);
                    break;
                }
                case 1: {  // trim by size
                    const std::size_t max_bytes = eager.bytes() / 2;
                    eager.trim(std::numeric_limits<model::Time>::min(), max_bytes);
                    lazy.trim(std::numeric_limits<model::Time>::min(), max_bytes);
                    break;
                }
                case 2:
                    eager.clear(changes.time());
                    lazy.clear(changes.time());
                    break;
                case 3:
                case 4:
                case 5: {  // a read at a moment the window covers
                    ASSERT_EQ(eager.from(), lazy.from());
                    ASSERT_EQ(eager.size(), lazy.size());
                    if (!eager.covers(changes.time())) break;
                    const model::Time t =
                        std::max(eager.from() + 1, changes.time() - changes.pick(40));
                    lazy_backlogs += lazy.indexed() ? 0 : 1;
                    ASSERT_EQ(readAll(eager, changes, t), readAll(lazy, changes, t))
                        << "seed " << seed << " step " << step << " t " << t;
                    EXPECT_TRUE(lazy.indexed());
                    ++reads;
                    break;
                }
                default: break;
            }
        }
    }
    EXPECT_GT(reads, 200u);
    EXPECT_GT(lazy_backlogs, 20u);  // reads that found changes to index, not only caught-up ones
}

TEST(WindowLazyIndex, IndexesAsChangesComeOnlyWhileReadsKeepComing) {
    graph::IndexConfig config;
    Changes changes(7);
    RecentWindow w(0);
    w.setLazyIndexing(true);
    const auto t0 = Clock::time_point{} + std::chrono::hours(1);
    const auto recent = std::chrono::seconds(5);
    w.append(changes.next(), &config);
    w.indexIfRead(t0, recent);
    EXPECT_FALSE(w.indexed()) << "no read yet: nothing to index for";
    w.changesSince(0, RecentWindow::kAllSeq, [](const LogEntry&) {});  // a read indexes
    EXPECT_TRUE(w.indexed());
    w.append(changes.next(), &config);
    EXPECT_FALSE(w.indexed());
    w.indexIfRead(t0 + std::chrono::seconds(1), recent);  // the read is recent
    EXPECT_TRUE(w.indexed());
    w.append(changes.next(), &config);
    w.indexIfRead(t0 + std::chrono::seconds(7), recent);  // no read since: quiet for 6 s
    EXPECT_FALSE(w.indexed());
}

}  // namespace
}  // namespace skydive::store
