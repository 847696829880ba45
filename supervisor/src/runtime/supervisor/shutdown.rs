//! Stopping children: some of them one after another in the order given (a strategy's group,
//! or a handle's `terminate_child`), or all of them in reverse start order when the supervisor
//! itself stops (all at once for the supervisor of a pool's partitions).

use super::{State, Supervisor};
use crate::runtime::stop::{StopChain, StopLink};

impl Supervisor {
    /// Stops the running ones among the children at `order`, one after another in that order,
    /// each with its shutdown spec and ended before the next is asked, and reports how each
    /// ended.
    pub(super) async fn stop(&mut self, order: impl IntoIterator<Item = usize>) {
        let links = self.take_running(order);
        if !links.is_empty() {
            StopChain::run(links, &self.events).await;
        }
    }

    /// The runs of the running ones among the children at `order`, taken out of their slots
    /// (which are left stopped), each with its shutdown spec.
    fn take_running(&mut self, order: impl IntoIterator<Item = usize>) -> Vec<StopLink> {
        let order = order.into_iter();
        let mut links = Vec::with_capacity(order.size_hint().0);
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
            }
        }
        links
    }

    /// Stops every child in reverse start order (or all at once, see `stops_at_once`), then
    /// waits for the tasks of earlier runs.
    pub(super) async fn stop_all(&mut self) {
        let order = (0..self.children.len()).rev();
        if self.stops_at_once {
            let links = self.take_running(order);
            if !links.is_empty() {
                StopChain::run_concurrently(links, &self.events).await;
            }
        } else {
            self.stop(order).await;
        }
        self.reaper.join_all().await;
    }
}
