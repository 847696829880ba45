//! OTP's restart intensity: a sliding window of restart times.

use super::log::log;
use std::collections::VecDeque;

use tokio::time::Instant;

use crate::event::{EventBus, EventKind};
use crate::exit::{Failure, FailureKind};
use crate::path::ChildPath;
use crate::spec::Intensity;

/// The restarts of one supervisor within its current period.
pub(crate) struct RestartWindow {
    intensity: Intensity,
    /// Restart times, oldest first; never more than `max_restarts + 1` long.
    times: VecDeque<Instant>,
}

impl RestartWindow {
    pub(crate) fn new(intensity: Intensity) -> Self {
        RestartWindow {
            intensity,
            times: VecDeque::new(),
        }
    }

    /// Records a restart at `now`. Returns `false` when it is one more than the intensity
    /// allows within the period, in which case the supervisor must give up (OTP's `add_restart`:
    /// the window is inclusive, `now - period <= t`, and the (max+1)-th restart is refused).
    pub(crate) fn add(&mut self, now: Instant) -> bool {
        let oldest_kept = now.checked_sub(self.intensity.period);
        while let Some(&t) = self.times.front() {
            match oldest_kept {
                Some(limit) if t < limit => {
                    self.times.pop_front();
                }
                _ => break,
            }
        }
        self.times.push_back(now);
        self.times.len() <= self.intensity.max_restarts as usize
    }

    /// The intensity this window enforces.
    pub(crate) fn intensity(&self) -> Intensity {
        self.intensity
    }

    /// How many restarts fall within the period that ends at `now`.
    pub(crate) fn count_at(&self, now: Instant) -> usize {
        match now.checked_sub(self.intensity.period) {
            Some(oldest) => self.times.iter().filter(|&&t| t >= oldest).count(),
            None => self.times.len(),
        }
    }

    /// How many restarts the window holds now (the one just added included), and how many
    /// it allows.
    pub(crate) fn used(&self) -> (usize, u32) {
        (self.times.len(), self.intensity.max_restarts)
    }

    /// The supervisor at `path` gives up, after `child`'s exit was one restart too many: logs
    /// it, announces it, and returns the failure it exits with, which names the child and its
    /// last failure (`cause`) — so the root's failure tells the whole chain, leaf to root.
    pub(crate) fn give_up(
        &self,
        path: &ChildPath,
        child: &ChildPath,
        cause: Option<&Failure>,
        events: &EventBus,
    ) -> Failure {
        let Intensity {
            max_restarts,
            period,
        } = self.intensity;
        let why = match cause {
            Some(failure) => format!("failed: {failure}"),
            None => "exited".to_owned(),
        };
        let failure = Failure::new(
            FailureKind::IntensityExceeded,
            format!(
                "reached max restart intensity ({max_restarts} restarts within {period:?}) when `{child}` {why}"
            ),
        );
        log!(error, %child, %failure, "supervisor giving up");
        events.emit(
            || path.clone(),
            || EventKind::IntensityExceeded {
                max_restarts,
                period,
            },
        );
        failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn window(max_restarts: u32, secs: u64) -> RestartWindow {
        RestartWindow::new(Intensity {
            max_restarts,
            period: Duration::from_secs(secs),
        })
    }

    #[test]
    fn allows_max_restarts_and_refuses_one_more() {
        let mut w = window(3, 5);
        let t = Instant::now();
        assert!(w.add(t));
        assert!(w.add(t));
        assert!(w.add(t));
        assert!(!w.add(t));
    }

    #[test]
    fn zero_intensity_refuses_the_first_restart() {
        let mut w = window(0, 5);
        assert!(!w.add(Instant::now()));
    }

    #[test]
    fn restarts_older_than_the_period_fall_out() {
        let mut w = window(1, 5);
        let t = Instant::now();
        assert!(w.add(t));
        // Exactly one period later the first restart is still inside (inclusive window).
        assert!(!w.add(t + Duration::from_secs(5)));
        let mut w = window(1, 5);
        assert!(w.add(t));
        assert!(w.add(t + Duration::from_millis(5001)));
    }
}
