// A worker fn may fail with any error that converts into `BoxError`; an enum that does not
// implement `std::error::Error` does not, and the error says so at the return type.
use supervisor::{worker, Context};

enum PollError {
    Timeout,
}

#[worker]
async fn poller(ctx: &Context) -> Result<(), PollError> {
    ctx.shutdown_requested().await;
    Err(PollError::Timeout)
}

fn main() {}
