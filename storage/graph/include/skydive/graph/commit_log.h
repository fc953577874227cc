#pragma once

#include <memory>
#include <span>
#include <vector>

#include <skydive/graph/graph_image.h>
#include <skydive/model/element.h>
#include <skydive/model/result.h>

namespace skydive::graph {

/// The element versions of one change: the one it replaced (null when new) and the one it
/// produced (for a deletion: the deleted form, DeletedAt set). Node or edge versions are set.
struct ChangeVersions {
    model::NodeRec node_before, node_after;
    std::shared_ptr<const model::Edge> edge_before, edge_after;
    /// A node update: the indexed keys it changed, as GraphImage::putNode() reports them (bit i:
    /// config key i). Every bit for other changes, and when not known.
    std::uint64_t keys_changed = ~std::uint64_t{0};
};

/// What a log keeps of one mutation between staging and its durable write (opaque to the graph).
struct StagedCommit {
    virtual ~StagedCommit() = default;
};

/// The durable half of LiveGraph mutations, supplied by the history store (ADR 013: group
/// commit). A mutation is staged under the writer lock, then written together with the other
/// mutations staged meanwhile (one write for the group), and only then becomes visible to
/// readers and subscribers and is acknowledged to its caller.
///
/// Calls, in order: stage() once per mutation (commit order, under the writer lock); then for
/// each group, from one thread at a time, write() and, when it succeeded, committed(). When a
/// write fails, aborted() runs under the writer lock: that group and every mutation staged
/// after it fail and the graph goes back to the last committed image.
class CommitLog {
public:
    virtual ~CommitLog() = default;
    /// Validates and encodes one mutation; nothing is durable yet. An error aborts the mutation.
    /// `versions[i]` are the versions of the change of kind `kinds[i]` (the changed element is
    /// its `*_after` version: no change event is built for the log, ADR 015).
    /// The graph's image after the mutation is not passed: it may still be being finished on
    /// another thread (ADR 015, fifteenth round); committed() gets the finished one.
    virtual model::Result<std::unique_ptr<StagedCommit>> stage(
        const std::vector<model::ChangeKind>& kinds,
        const std::vector<ChangeVersions>& versions) = 0;
    /// Under the writer lock, while a large mutation's changes are being applied: the changes
    /// applied so far, a prefix of what its stage() will get (the vectors only grow). A log may
    /// start encoding them beside the thread that applies the rest. unprepare() follows when
    /// the mutation fails before stage(). Default: nothing.
    virtual void prepare(const std::vector<model::ChangeKind>& kinds,
                         const std::vector<ChangeVersions>& versions) {}
    virtual void unprepare() {}
    /// Writes a group of staged mutations durably, as one atomic write.
    virtual model::Status write(std::span<StagedCommit* const> group) = 0;
    /// After write() succeeded; `after` is the image the last mutation of the group led to, or
    /// nullptr when the graph did not publish it: nobody read the graph lately, so the writer
    /// kept its image to change in place (ADR 046). republish() then follows a reader's demand.
    virtual void committed(std::span<StagedCommit* const> group, const GraphImage* after) = 0;
    /// Under the writer lock, before a mutation is applied: whether its commit must publish its
    /// image (committed() gets it) although nobody read the graph lately. Default: no.
    virtual bool wantsImage() { return false; }
    /// Under the writer lock, with every staged mutation written: the image of the last
    /// committed one, published for a reader after commits that published none. Default:
    /// nothing.
    virtual void republish(const GraphImage& image) {}
    /// Every staged, unwritten mutation was dropped.
    virtual void aborted() = 0;
    /// Takes the image a committed group replaced, to release it off the committing thread
    /// (releasing it frees the nodes the group's copy-on-write replaced). Default: here.
    virtual void retire(GraphImage&& old) { GraphImage gone = std::move(old); }
    /// Takes a committed group's change versions once its events are published, to release
    /// them off the committing thread (each holds the references of a replaced and a new
    /// element version). Default: here.
    virtual void retire(std::vector<ChangeVersions>&& versions) {
        std::vector<ChangeVersions> gone = std::move(versions);
    }
};

}  // namespace skydive::graph
