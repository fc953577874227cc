#include <skydive/graph/graph_view.h>

// The interface has no out-of-line code yet; this file anchors the library until the live
// graph lands (issue: temporal graph store).
