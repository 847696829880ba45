//! Stopping children: some of them one after another in the order given (a strategy's group,
//! or a handle's `terminate_child`), or all of them in reverse start order when the supervisor
//! itself stops.

use super::{State, Supervisor};
use crate::exit::ExitReason;
use crate::runtime::log::log;
use crate::runtime::stop::{StopChain, StopLink};

impl Supervisor {
    /// Stops the running ones among the children at `order`, one after another in that order,
    /// each with its shutdown spec and ended before the next is asked, and reports how each
    /// ended.
    pub(super) async fn stop(&mut self, order: impl IntoIterator<Item = usize>) {
        let order = order.into_iter();
        let mut links = Vec::with_capacity(order.size_hint().0);
        let mut stopped = Vec::with_capacity(order.size_hint().0);
        for i in order {
            let child = &mut self.children[i];
            let spec = &self.specs[i];
            // Only a running child changes state: a tombstone, a paused child or one waiting
            // for a restart stays as it is.
            if !matches!(child.state, State::Running(_)) {
                continue;
            }
            if let State::Running(run) = std::mem::replace(&mut child.state, State::Stopped) {
                links.push(StopLink {
                    run: run.run,
                    task: run.task,
                    shutdown: spec.shutdown,
                });
                stopped.push(i);
            }
        }
        if links.is_empty() {
            return;
        }
        let reasons = StopChain::run(links, &self.events).await;
        for (i, reason) in stopped.into_iter().zip(reasons) {
            self.report_stopped(i, &reason);
        }
    }

    pub(super) fn report_stopped(&self, i: usize, reason: &ExitReason) {
        let spec = &self.specs[i];
        // OTP's shutdown_error report: anything but the exit the shutdown asked for.
        let expected = match reason {
            ExitReason::Shutdown | ExitReason::ShutdownWith(_) | ExitReason::Normal => true,
            ExitReason::Killed => spec.shutdown == crate::spec::Shutdown::Brutal,
            ExitReason::Failed(_) => false,
        };
        if expected {
            log!(debug, child = %self.path.join(&spec.name), %reason, "child stopped");
        } else {
            log!(warn, child = %self.path.join(&spec.name), %reason, "child did not stop cleanly");
        }
    }

    /// Stops every child in reverse start order, then waits for the tasks of earlier runs.
    pub(super) async fn stop_all(&mut self) {
        self.stop((0..self.children.len()).rev()).await;
        self.reaper.join_all().await;
    }
}
