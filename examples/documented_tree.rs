//! A tree declared at module level: public, documented types whose `cargo doc` page draws the
//! tree and tabulates its children.
//!
//! See the drawing with `cargo doc -p examples --examples --open` (the `Pipeline` type), and run
//! it with `cargo run --example documented_tree`.

/// The data pipeline of a small service.
pub mod pipeline {
    use supervisor::{Context, WorkerResult, supervision_tree, worker};

    /// Reads records from the source and forwards them.
    #[worker(restart = permanent, shutdown = 5s)]
    pub async fn reader(ctx: &Context, source: String) -> WorkerResult {
        tracing::info!(%source, "reading");
        ctx.shutdown_requested().await;
        Ok(())
    }

    /// Writes records to the sink, flushing on shutdown.
    #[worker(restart = transient, shutdown = 10s)]
    pub async fn writer(ctx: &Context, sink: String) -> WorkerResult {
        tracing::info!(%sink, "writing");
        ctx.shutdown_requested().await;
        tracing::info!(%sink, "flushed");
        Ok(())
    }

    supervision_tree! {
        /// The whole pipeline: if the reader fails, the stages after it restart too.
        pub supervisor Pipeline {
            strategy: rest_for_one,
            intensity: 3 within 30s,

            /// The only reader of the source.
            worker reader: Reader = Reader::new(String::from("queue://in"));
            /// Transformation stages; each restarts on its own.
            supervisor stages: Stages {
                strategy: one_for_one,
                depends_on: [reader],
                worker parse: Writer = Writer::new(String::from("stage://parsed"));
                worker enrich: Writer = Writer::new(String::from("stage://enriched"));
            }
            worker writer: Writer, depends_on: [stages];
        }
    }
}

use pipeline::{Pipeline, PipelineChild, StagesChild, Writer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(false).init();
    let tree = Pipeline::builder()
        .writer(Writer::new(String::from("file://out.log")))
        .start()
        .await?;
    for child in tree
        .which_children_of(PipelineChild::Stages(StagesChild::Itself))
        .await?
    {
        tracing::info!(path = %child.path, phase = ?child.phase, "stage");
    }
    tree.shutdown().await?;
    Ok(())
}
