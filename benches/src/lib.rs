//! Shared pieces of the benchmarks (filled in by the benchmarks issue).
