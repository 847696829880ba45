// A tree declared without `let` evaluates its values inside `App::builder()`, which cannot see
// the local variables around it: the error is at the local and names the inline form, whose
// values may use locals (rustc's own advice, a closure, would not help).
use supervisor::{supervision_tree, worker, Context, WorkerResult};

#[worker]
async fn db(ctx: &Context, url: String) -> WorkerResult {
    let _ = url;
    ctx.shutdown_requested().await;
    Ok(())
}

fn main() {
    let url = String::from("postgres://localhost");
    supervision_tree! {
        supervisor App {
            worker db: Db = Db::new(url.clone());
        }
    }
    let _ = (App::builder(), AppChild::Db);
}
