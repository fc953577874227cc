#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/graph/commit_log.h>
#include <skydive/graph/graph_image.h>
#include <skydive/graph/graph_view.h>
#include <skydive/model/clock.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::graph {

/// Limits on one element (issue 3 "Bad input").
inline constexpr std::size_t kMaxMetadataDepth = 32;
inline constexpr std::size_t kMaxMetadataBytes = 1u << 20;
inline constexpr std::size_t kDefaultSubscriberQueue = 10000;

struct LiveGraphOptions {
    std::vector<std::string> indexed_keys{"Type", "Name", "MAC", "TID", "IPV4", "@Host"};
    /// With a commit log: for how long after a read of the graph each commit publishes its
    /// image. Past that, commits publish none and the writer changes its image in place instead
    /// of copying on write; the next read takes the image once the mutations being written are
    /// (ADR 046). 0: only reads waiting make commits publish (tests of the unpublished path).
    std::chrono::milliseconds publish_after_read{5000};
};

/// Checks one element against the limits: non-empty ID (and Parent/Child for edges), metadata
/// an object at most kMaxMetadataDepth deep and about kMaxMetadataBytes of JSON.
model::Status validateElement(const model::Element& e);

struct SubscribeOptions {
    std::size_t queue_capacity = kDefaultSubscriberQueue;
    /// Called once, from the dispatch thread, when the queue overflowed; the subscriber gets no
    /// further event (the server drops such a client).
    std::function<void()> on_overflow;
};

/// A subscription handle: destroying it stops delivery (and joins its dispatch thread).
/// Do not destroy it from inside its own callback (it is then detached, not joined).
class Subscription {
public:
    struct State;
    explicit Subscription(std::shared_ptr<State> state);
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    bool overflowed() const;
    /// Waits until every queued event was delivered; false on timeout.
    bool drain(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    std::shared_ptr<State> state_;
};
using SubscriptionPtr = std::unique_ptr<Subscription>;

/// The live graph (ARCHITECTURE.md "Storage"): one writer, many readers on O(1) consistent
/// snapshots, change events to subscribers. Mutations are atomic: on error nothing changes.
///
/// Revision rules (spec §1.4): local changes get UpdatedAt = clock now and Revision + 1, and a
/// change to an equal value is a no-op; an incoming element that carries a Revision (replace*,
/// apply) is applied only when that Revision is higher than the current one, else ignored.
class LiveGraph final : public GraphSource {
public:
    using ChangeFn = std::function<void(const model::Change&)>;
    /// Runs under the writer lock with the changes of one mutation and the images before and
    /// after it, before the changes become visible; an error aborts the mutation (the history
    /// store writes its revisions here).
    using CommitHook =
        std::function<model::Status(const std::vector<model::Change>& changes,
                                    const GraphImage& before, const GraphImage& after)>;

    explicit LiveGraph(const model::Clock& clock, LiveGraphOptions options = {});
    ~LiveGraph() override;
    LiveGraph(const LiveGraph&) = delete;
    LiveGraph& operator=(const LiveGraph&) = delete;

    /// Adds a new element (Conflict when the ID exists). Missing CreatedAt/UpdatedAt → now,
    /// missing Revision → 1. Edges need both endpoints.
    model::Status addNode(model::Node node);
    model::Status addEdge(model::Edge edge);
    /// Full replace (adds when missing). Without a Revision: a local change (+1, UpdatedAt now,
    /// no-op when equal); with one: applied only when higher than the current one.
    model::Status replaceNode(model::Node node);
    model::Status replaceEdge(model::Edge edge);
    /// Partial updates of one dotted metadata key.
    model::Status setNodeMetadata(std::string_view id, std::string_view key, model::Value value);
    model::Status deleteNodeMetadata(std::string_view id, std::string_view key);
    model::Status setEdgeMetadata(std::string_view id, std::string_view key, model::Value value);
    model::Status deleteEdgeMetadata(std::string_view id, std::string_view key);
    /// Deletes a node after its edges, all with DeletedAt = `at` (0 = clock now).
    model::Status deleteNode(std::string_view id, Time at = 0);
    model::Status deleteEdge(std::string_view id, Time at = 0);
    /// Applies a whole delta atomically (wire semantics: Added on an existing ID and Updated
    /// follow the incoming-revision rule; Deleted of a missing ID is ignored). With a commit
    /// log, a delta of >= 256 changes finishes its node replacements in the image on a thread
    /// of the graph's own while the group is written (ADR 015, fifteenth round).
    model::Status apply(const model::GraphDelta& delta);

    GraphViewPtr snapshot() const;
    /// The current image (O(1) copy), e.g. for the store's recent views. After commits that
    /// published no image (nobody read lately), waits for the mutations being written, if any.
    GraphImage image() const;
    std::size_t nodeCount() const;
    std::size_t edgeCount() const;

    GraphViewPtr live() const override { return snapshot(); }
    model::Result<GraphViewPtr> at(Time t) const override;
    model::Result<GraphViewPtr> slice(Time from, Time to) const override;

    SubscriptionPtr subscribe(ChangeFn fn, SubscribeOptions options = {});

    void setCommitHook(CommitHook hook);
    /// Makes every mutation go through `log` (group commit, ADR 013); it must outlive this
    /// graph or be unset (nullptr) first. With a log, the commit hook is not called.
    void setCommitLog(CommitLog* log);
    /// Replaces the whole content without events or hook (restart from the store).
    void reset(GraphImage image);
    const model::Clock& clock() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::graph
