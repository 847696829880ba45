//! A job that ends the program when it is done: a `job` subtree of three steps (fetch,
//! transform, write) next to a long-running reporter. The write step is *significant*: when it
//! finishes, the job supervisor shuts itself down (`auto_shutdown: any_significant`), and since
//! the job is significant to the root too, the whole tree ends and `main` returns. A step that
//! fails is restarted (transient), so a flaky step does not end the job early.
//!
//! Run it with `cargo run --example job` (it reads a few lines of its own), or
//! `cargo run --example job -- INPUT OUTPUT`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use supervisor::{
    AutoShutdown, ChildSpec, Context, Restart, Strategy, SupervisorSpec, Tree, Worker, WorkerResult,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{Mutex, mpsc};

/// A line on its way through the job; `None` marks the end of the input.
type Item = Option<String>;

/// The receiving end of a step's input, shared by its runs so that a restarted step goes on
/// where the failed one stopped.
type Input = Arc<Mutex<mpsc::Receiver<Item>>>;

/// Reads the input file line by line, then marks its end.
#[derive(Clone)]
struct Fetch {
    path: PathBuf,
    out: mpsc::Sender<Item>,
}

impl Worker for Fetch {
    const RESTART: Restart = Restart::Transient;

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let file = tokio::fs::File::open(&self.path).await?;
        let mut lines = BufReader::new(file).lines();
        while let Some(line) = lines.next_line().await? {
            tokio::select! {
                sent = self.out.send(Some(line)) => sent?,
                _ = ctx.shutdown_requested() => return Ok(()),
            }
        }
        self.out.send(None).await?;
        tracing::info!("fetched everything");
        Ok(())
    }
}

/// Turns each line into its word count and upper-case text. Its first run fails at once (a
/// service it needs is not up yet), to show that a failed step is restarted and the job goes
/// on.
#[derive(Clone)]
struct Transform {
    input: Input,
    out: mpsc::Sender<Item>,
    failed_once: Arc<AtomicBool>,
}

impl Worker for Transform {
    const RESTART: Restart = Restart::Transient;

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        if !self.failed_once.swap(true, Ordering::SeqCst) {
            return Err("the transform service is not up yet".into());
        }
        let mut input = self.input.lock().await;
        loop {
            let item = tokio::select! {
                item = input.recv() => item.flatten(),
                _ = ctx.shutdown_requested() => return Ok(()),
            };
            let Some(line) = item else {
                self.out.send(None).await?;
                return Ok(());
            };
            let words = line.split_whitespace().count();
            self.out
                .send(Some(format!("{words}\t{}", line.to_uppercase())))
                .await?;
        }
    }
}

/// Writes every transformed line to the output file; done at the end of the input. It is the
/// job's significant step.
#[derive(Clone)]
struct Write {
    input: Input,
    path: PathBuf,
    written: Arc<AtomicU64>,
}

impl Worker for Write {
    const RESTART: Restart = Restart::Transient;

    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let mut input = self.input.lock().await;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await?;
        loop {
            let item = tokio::select! {
                item = input.recv() => item.flatten(),
                _ = ctx.shutdown_requested() => return Ok(()),
            };
            let Some(line) = item else {
                file.flush().await?;
                tracing::info!(lines = self.written.load(Ordering::SeqCst), path = %self.path.display(), "job done");
                return Ok(());
            };
            file.write_all(format!("{line}\n").as_bytes()).await?;
            self.written.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Reports progress until the tree stops.
#[derive(Clone)]
struct Reporter {
    written: Arc<AtomicU64>,
}

impl Worker for Reporter {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            tokio::select! {
                _ = tick.tick() => tracing::debug!(written = self.written.load(Ordering::SeqCst), "progress"),
                _ = ctx.shutdown_requested() => return Ok(()),
            }
        }
    }
}

/// The tree: a reporter and the significant job of three steps.
pub fn tree(input: &Path, output: &Path, written: &Arc<AtomicU64>) -> SupervisorSpec {
    let (fetched_tx, fetched_rx) = mpsc::channel(16);
    let (transformed_tx, transformed_rx) = mpsc::channel(16);
    let job = SupervisorSpec::new("job")
        .strategy(Strategy::RestForOne)
        .intensity(3, Duration::from_secs(5))
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ChildSpec::from_value(
            "fetch",
            Fetch {
                path: input.to_owned(),
                out: fetched_tx,
            },
        ))
        .child(ChildSpec::from_value(
            "transform",
            Transform {
                input: Arc::new(Mutex::new(fetched_rx)),
                out: transformed_tx,
                failed_once: Arc::default(),
            },
        ))
        .child(
            ChildSpec::from_value(
                "write",
                Write {
                    input: Arc::new(Mutex::new(transformed_rx)),
                    path: output.to_owned(),
                    written: written.clone(),
                },
            )
            .significant(true),
        );
    SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ChildSpec::from_value(
            "reporter",
            Reporter {
                written: written.clone(),
            },
        ))
        .child(
            ChildSpec::supervisor(job)
                .restart(Restart::Transient)
                .significant(true),
        )
}

/// Runs the job from `input` to `output` and returns once the whole tree has ended by itself,
/// with the number of lines written.
pub async fn run(input: &Path, output: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let written = Arc::new(AtomicU64::new(0));
    let tree: Tree = tree(input, output, &written).start().await?;
    tree.join().await?;
    Ok(written.load(Ordering::SeqCst))
}

#[allow(dead_code)] // The test includes this file for `run`, without calling `main`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();
    let mut args = std::env::args().skip(1);
    let dir = std::env::temp_dir().join(format!("supervisor-job-{}", std::process::id()));
    let (input, output) = match (args.next(), args.next()) {
        (Some(input), Some(output)) => (PathBuf::from(input), PathBuf::from(output)),
        _ => {
            tokio::fs::create_dir_all(&dir).await?;
            let input = dir.join("input.txt");
            tokio::fs::write(&input, "the quick brown fox\njumps over\nthe lazy dog\n").await?;
            (input, dir.join("output.txt"))
        }
    };
    let lines = run(&input, &output).await?;
    tracing::info!(lines, output = %output.display(), "the tree ended by itself");
    Ok(())
}
