#!/usr/bin/env bash
# What `supervision_tree!` costs a crate: a binary declaring a 500-child tree (10 nested
# supervisors of 50 workers) against the same binary building the same tree by hand with the
# builder API. Each variant is rebuilt after touching its source, RUNS times (debug profile,
# dependencies already built); medians of rustc's macro-expansion pass (the expansion alone) and
# of whole-process `cargo build` timings (the compile time added, expansion included).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/macro-cost"
runs=${RUNS:-7}
mkdir -p "$work"

write_crate() { # name, main.rs body
  local dir="$work/$1"
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
supervisor = { path = "$root/supervisor" }

[workspace]
TOML
  printf '%s\n' "$2" > "$dir/src/main.rs"
}

worker='use supervisor::{Context, WorkerResult};

#[derive(Clone)]
pub struct Idle;

impl supervisor::Worker for Idle {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        ctx.shutdown_requested().await;
        Ok(())
    }
}'

declared="$worker
supervisor::supervision_tree! {
    pub supervisor Big {
        strategy: one_for_all,"
by_hand="$worker
pub fn big() -> supervisor::SupervisorSpec {
    use supervisor::{ChildSpec, SupervisorSpec, Strategy};
    SupervisorSpec::new(\"big\").strategy(Strategy::OneForAll)"
for s in $(seq 0 9); do
  declared+="
        supervisor s$s: S$s {"
  by_hand+="
        .child(ChildSpec::supervisor(SupervisorSpec::new(\"s$s\")"
  for w in $(seq 0 49); do
    declared+="
            worker w$w: Idle = Idle;"
    by_hand+=".child(ChildSpec::from_value(\"w$w\", Idle))"
  done
  declared+="
        }"
  by_hand+="))"
done
declared+="
    }
}

fn main() {
    let spec = Big::builder().build();
    assert_eq!(spec.child_specs().len(), 10);
}"
by_hand+="
}

fn main() {
    assert_eq!(big().child_specs().len(), 10);
}"
write_crate macro_cost_declared "$declared"
write_crate macro_cost_by_hand "$by_hand"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() { # crate
  local dir="$work/$1"
  (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q 2>/dev/null)  # dependencies, once
  for _ in $(seq "$runs"); do
    touch "$dir/src/main.rs"
    local t0 t1
    t0=$(date +%s%N)
    (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q)
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | median
}
# The expansion alone: rustc's own timing of its macro-expansion pass (`-Z time-passes`, an
# unstable flag, enabled on this stable compiler for the measurement only with
# RUSTC_BOOTSTRAP=1). The pass expands every macro of the crate, so the by-hand variant's figure
# (its other macros) is subtracted.
expansion() { # crate
  local dir="$work/$1"
  for _ in $(seq "$runs"); do
    touch "$dir/src/main.rs"
    (cd "$dir" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$work/target" cargo rustc -q -- -Z time-passes 2>&1) |
      awk '$NF == "macro_expand_crate" { sub(";", "", $2); printf "%d\n", $2 * 1000 }'
  done | median
}
declared_ms=$(measure macro_cost_declared)
by_hand_ms=$(measure macro_cost_by_hand)
declared_expand_ms=$(expansion macro_cost_declared)
by_hand_expand_ms=$(expansion macro_cost_by_hand)
echo "500-child tree, rustc's macro expansion pass (median of $runs, ms): declared with supervision_tree! $declared_expand_ms, built by hand $by_hand_expand_ms, the macro's expansion $((declared_expand_ms - by_hand_expand_ms))"
echo "500-child tree, cargo build after touching main.rs (median of $runs, ms): declared with supervision_tree! $declared_ms, built by hand $by_hand_ms, added by the macro $((declared_ms - by_hand_ms))"
