use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use supervisor::*;

#[derive(Clone)]
struct Flaky(Arc<AtomicU32>);

#[async_trait]
impl Worker for Flaky {
    async fn run(&mut self, ctx: &Context) -> WorkerResult {
        if self.0.fetch_add(1, Ordering::SeqCst) < 2 {
            return Err("boom".into());
        }
        ctx.shutdown_requested().await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn smoke() {
    let n = Arc::new(AtomicU32::new(0));
    let mut spec = SupervisorSpec::new("app")
        .intensity(5, std::time::Duration::from_secs(5))
        .child(ChildSpec::from_value("a", Flaky(n.clone())))
        .child(ChildSpec::supervisor(SupervisorSpec::new("web").child(
            ChildSpec::from_value("b", Flaky(Arc::new(AtomicU32::new(5)))),
        )));
    let mut ev = spec.subscribe();
    let tree = spec.start().await.unwrap();
    tokio::task::yield_now().await;
    let info = tree.child("a".into()).await.unwrap();
    println!("{info:?}");
    println!("{:?}", tree.which_children_of("web".into()).await.unwrap());
    tree.shutdown().await.unwrap();
    while let Some(Ok(e)) = ev.try_recv() {
        println!("{} {} {:?}", e.seq, e.path, e.kind);
    }
    assert_eq!(n.load(Ordering::SeqCst), 3);
}
