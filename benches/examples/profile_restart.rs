//! One scenario alone, for a profiler: `valgrind --tool=callgrind target/release/examples/profile_restart`.

fn main() {
    // current_thread unless `MULTI_THREAD` is set (then 2 workers, as in the benchmarks).
    let rt = supervisor_benches::runtime(std::env::var_os("MULTI_THREAD").is_some());
    let which = std::env::args().nth(1).unwrap_or_else(|| "restart".into());
    // How many restarts or children; 20,000 unless a second argument says otherwise.
    let n: usize = std::env::args()
        .nth(2)
        .map_or(20_000, |n| n.parse().expect("a count"));
    // Inside a spawned task, as the benchmarks run both sides (and as a supervisor runs).
    rt.block_on(async move {
        tokio::spawn(async move {
            let took = match which.as_str() {
                "shutdown" => supervisor_benches::start_stop_ours(n, false).await.1,
                "start" => supervisor_benches::start_stop_ours(n, false).await.0,
                "start-init" => supervisor_benches::start_stop_ours(n, true).await.0,
                "ping-pong" => supervisor_benches::ping_pong_ours(n as u64).await,
                "ping-pong-baseline" => supervisor_benches::ping_pong_baseline(n as u64).await,
                "restart-baseline" => supervisor_benches::restart_baseline(n as u64).await,
                "start-baseline" => supervisor_benches::start_stop_baseline(n).await.0,
                "shutdown-baseline" => supervisor_benches::start_stop_baseline(n).await.1,
                "start-ordered-baseline" => {
                    supervisor_benches::start_stop_ordered_baseline(n).await.0
                }
                "shutdown-ordered-baseline" => {
                    supervisor_benches::start_stop_ordered_baseline(n).await.1
                }
                "pool-restart" => supervisor_benches::pool_restart_ours(n as u64).await,
                "pool-start" => supervisor_benches::pool_start_stop_ours(n, 1).await.0,
                "pool-shutdown" => supervisor_benches::pool_start_stop_ours(n, 1).await.1,
                _ => supervisor_benches::restart_ours(n as u64).await,
            };
            println!("{which}: {took:?}");
        })
        .await
        .expect("the scenario's task");
    });
}
