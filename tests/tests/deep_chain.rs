//! A chain of nested supervisors costs memory and work linear in its depth: each level holds
//! its own name and a reference to its supervisor's path, never a copy of the whole path or of
//! its subtree's spec (issue 15; 1,000 levels once took 103 ms and 88.8 MiB to start).
//!
//! The heap is counted by an instrumented global allocator, so the figures are exact and
//! independent of the machine's load. Its counters are the whole process's: this file holds
//! one test, on a single-threaded runtime, so that nothing else allocates meanwhile (two tests
//! would run on two threads at once and count each other's allocations).

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use supervisor::{ChildRef, ChildSpec, SupervisorSpec};
use supervisor_tests::Idle;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// `level-0 { level-1 { … level-{depth} { leaf } } }`.
fn chain(depth: usize) -> SupervisorSpec {
    let mut spec =
        SupervisorSpec::new(format!("level-{depth}")).child(ChildSpec::from_value("leaf", Idle));
    for level in (0..depth).rev() {
        spec = SupervisorSpec::new(format!("level-{level}")).child(ChildSpec::supervisor(spec));
    }
    spec
}

/// Per level of a chain `depth` deep: the bytes its running tree holds, and the bytes
/// allocated (held or not) from `start` until every level runs.
async fn bytes_per_level(depth: usize) -> (f64, f64) {
    let spec = chain(depth);
    let region = Region::new(GLOBAL);
    let tree = spec.start().await.expect("the chain starts");
    let change = region.change();
    let held = change.bytes_allocated as f64 - change.bytes_deallocated as f64;
    let allocated = change.bytes_allocated as f64;
    tree.shutdown().await.expect("the chain stops");
    (held / depth as f64, allocated / depth as f64)
}

#[tokio::test(flavor = "current_thread")]
async fn a_deeper_chain_costs_the_same_per_level_and_names_every_level() {
    let (held_shallow, allocated_shallow) = bytes_per_level(200).await;
    let (held_deep, allocated_deep) = bytes_per_level(2_000).await;
    // With a path copied per level, a level 2,000 deep would hold its ~20 KB path on top of
    // the few KB every level holds; shared paths keep the two within rounding.
    assert!(
        held_deep <= held_shallow * 1.2,
        "held per level: {held_shallow:.0} B at 200 levels, {held_deep:.0} B at 2,000"
    );
    assert!(
        allocated_deep <= allocated_shallow * 1.2,
        "allocated per level: {allocated_shallow:.0} B at 200 levels, {allocated_deep:.0} B at 2,000"
    );
    a_deep_leafs_path_names_every_level().await;
}

/// A leaf 3,002 names deep: its path as a string, its names, its depth.
async fn a_deep_leafs_path_names_every_level() {
    let depth = 3_000;
    let tree = chain(depth).start().await.expect("the chain starts");
    let deepest = ChildRef::from_segments((1..=depth).map(|l| format!("level-{l}")));
    let children = tree
        .which_children_of(deepest.clone())
        .await
        .expect("the level answers");
    let leaf = &children[0].path;
    let expected: Vec<String> = (0..=depth)
        .map(|l| format!("level-{l}"))
        .chain(["leaf".to_owned()])
        .collect();
    assert_eq!(leaf.to_string(), expected.join("/"));
    assert_eq!(*leaf, *expected.join("/"));
    assert_eq!(leaf.segments().collect::<Vec<_>>(), expected);
    assert_eq!((leaf.depth(), leaf.name()), (depth + 2, "leaf"));
    // Asked again, the same path compares equal (and hashes the same) as a new value.
    let again = tree
        .which_children_of(deepest)
        .await
        .expect("the level answers");
    assert_eq!(&again[0].path, leaf);
    tree.shutdown().await.expect("the chain stops");
}
