//! One scenario alone, for a profiler: `valgrind --tool=callgrind target/release/examples/profile_restart`.

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let which = std::env::args().nth(1).unwrap_or_else(|| "restart".into());
    rt.block_on(async move {
        let took = match which.as_str() {
            "shutdown" => supervisor_benches::start_stop_ours(20_000, false).await.1,
            "start" => supervisor_benches::start_stop_ours(20_000, false).await.0,
            _ => supervisor_benches::restart_ours(20_000).await,
        };
        println!("{which}: {took:?}");
    });
}
