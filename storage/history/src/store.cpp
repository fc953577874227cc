// Placeholder until the temporal graph store lands; the target exists so that the DAG of
// ARCHITECTURE.md is expressed in the build from the start.
namespace skydive::store {}
