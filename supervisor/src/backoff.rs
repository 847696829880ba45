//! Waiting between restarts: [`Backoff`] (none, fixed or exponential, with the jitter variants
//! of the AWS Architecture Blog's "Exponential Backoff And Jitter"), next to OTP's intensity,
//! never instead of it.
//!
//! A restart with a delay is counted toward its supervisor's intensity when it is decided, as
//! OTP counts a restart before it starts the child; the child then waits (phase
//! [`Phase::Delayed`](crate::Phase::Delayed)) while its supervisor goes on handling every other
//! message, and is started when the delay is over.

use std::time::Duration;

/// How long a child waits before each restart. The default, [`Backoff::NONE`], restarts at once
/// as OTP does.
///
/// The delay of the `n`-th restart in a row (from 0) is `base × 2ⁿ`, capped at `max`, then
/// jittered; after a run that lasted at least [`reset_after`](Backoff::reset_after) without
/// failing, the count starts again from 0 (Akka's `BackoffSupervisor` reset), so that a child
/// that fails once a day does not wait the maximum for ever.
///
/// ```
/// use std::time::Duration;
/// use supervisor::{Backoff, Jitter};
///
/// let backoff = Backoff::exponential(Duration::from_millis(100), Duration::from_secs(30))
///     .jitter(Jitter::Full)
///     .reset_after(Duration::from_secs(60));
/// assert!(backoff.check().is_ok());
/// ```
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter: Jitter,
    reset_after: Option<Duration>,
}

/// How a backoff's delay is randomised, so that many children failing together do not all
/// restart at the same moment (the AWS Architecture Blog's variants).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// The delay as computed: `min(max, base × 2ⁿ)`.
    #[default]
    None,
    /// "Full jitter": uniformly between zero and the computed delay.
    Full,
    /// "Decorrelated jitter": uniformly between `base` and three times the previous delay,
    /// capped at `max`.
    Decorrelated,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::NONE
    }
}

impl Backoff {
    /// No delay: a restart happens at once (OTP's behaviour).
    pub const NONE: Backoff = Backoff {
        base: Duration::ZERO,
        max: Duration::ZERO,
        jitter: Jitter::None,
        reset_after: None,
    };

    /// The same delay before every restart.
    pub const fn fixed(delay: Duration) -> Self {
        Backoff {
            base: delay,
            max: delay,
            jitter: Jitter::None,
            reset_after: None,
        }
    }

    /// A delay that doubles with every restart in a row, from `base` up to `max`.
    pub const fn exponential(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            jitter: Jitter::None,
            reset_after: None,
        }
    }

    /// Randomises the delay.
    pub const fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Starts the count of restarts in a row again after a run that lasted at least this long.
    /// The default is `max`: a run as long as the longest delay counts as healthy.
    pub const fn reset_after(mut self, healthy: Duration) -> Self {
        self.reset_after = Some(healthy);
        self
    }

    /// Whether this is [`Backoff::NONE`].
    pub fn is_none(&self) -> bool {
        self.max.is_zero()
    }

    /// The first delay.
    pub fn base(&self) -> Duration {
        self.base
    }

    /// The longest delay.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// How the delay is randomised.
    pub fn jitter_kind(&self) -> Jitter {
        self.jitter
    }

    /// How long a run must last for the count to start again.
    pub fn healthy_after(&self) -> Duration {
        self.reset_after.unwrap_or(self.max)
    }

    /// Checks that the backoff can run: a base longer than zero (unless it is
    /// [`NONE`](Backoff::NONE)), and a maximum no shorter than the base.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.is_none() && self.base.is_zero() {
            return Ok(());
        }
        if self.base.is_zero() {
            return Err(
                "its base delay is zero: give it a base longer than zero, or use no backoff",
            );
        }
        if self.max < self.base {
            return Err(
                "its maximum delay is shorter than its base: the maximum must be at least the base",
            );
        }
        Ok(())
    }

    /// The delay of the next restart of a child whose backoff state is `state`, which it
    /// updates. `ran` is how long the run that just ended lasted.
    pub(crate) fn next_delay(
        &self,
        state: &mut BackoffState,
        ran: Duration,
        random: &mut Random,
    ) -> Duration {
        if self.is_none() {
            return Duration::ZERO;
        }
        if ran >= self.healthy_after() {
            *state = BackoffState::default();
        }
        let attempt = state.attempt;
        state.attempt = state.attempt.saturating_add(1);
        let computed = self
            .base
            .checked_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.max)
            .min(self.max);
        let delay = match self.jitter {
            Jitter::None => computed,
            Jitter::Full => random.between(Duration::ZERO, computed),
            Jitter::Decorrelated => {
                let previous = if state.previous.is_zero() {
                    self.base
                } else {
                    state.previous
                };
                let upper = previous.saturating_mul(3).max(self.base);
                random.between(self.base, upper).min(self.max)
            }
        };
        state.previous = delay;
        delay
    }
}

/// A child's restarts in a row, for its backoff.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BackoffState {
    attempt: u32,
    previous: Duration,
}

/// A small, seedable random source (SplitMix64): one per supervisor, so that a test that seeds
/// its tree sees the same delays every run.
#[derive(Clone, Debug)]
pub(crate) struct Random(u64);

impl Random {
    pub(crate) fn new(seed: u64) -> Self {
        Random(seed)
    }

    /// A seed from the process's hash randomness, for a tree that sets none.
    pub(crate) fn fresh_seed() -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(0x5eed_u64)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniformly between `low` and `high` (inclusive), to the nanosecond.
    pub(crate) fn between(&mut self, low: Duration, high: Duration) -> Duration {
        if high <= low {
            return low;
        }
        let span = (high - low).as_nanos().min(u64::MAX as u128) as u64;
        let offset = if span == u64::MAX {
            self.next_u64()
        } else {
            self.next_u64() % (span + 1)
        };
        low + Duration::from_nanos(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn delays(backoff: Backoff, n: usize, seed: u64) -> Vec<Duration> {
        let mut state = BackoffState::default();
        let mut random = Random::new(seed);
        (0..n)
            .map(|_| backoff.next_delay(&mut state, Duration::ZERO, &mut random))
            .collect()
    }

    #[test]
    fn none_never_waits() {
        assert_eq!(delays(Backoff::NONE, 3, 1), [Duration::ZERO; 3]);
    }

    #[test]
    fn exponential_doubles_up_to_its_maximum() {
        let d = delays(Backoff::exponential(100 * MS, 1000 * MS), 6, 1);
        assert_eq!(
            d,
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]
        );
        // Far beyond any shift: still the maximum, never an overflow.
        let d = delays(Backoff::exponential(MS, Duration::from_secs(3600)), 200, 1);
        assert_eq!(d[199], Duration::from_secs(3600));
    }

    #[test]
    fn full_jitter_stays_between_zero_and_the_computed_delay() {
        let backoff = Backoff::exponential(10 * MS, 500 * MS).jitter(Jitter::Full);
        let mut state = BackoffState::default();
        let mut random = Random::new(7);
        let mut distinct = std::collections::HashSet::new();
        for attempt in 0..10_000u32 {
            let bound = (10 * MS * 2u32.pow(attempt.min(10))).min(500 * MS);
            let d = backoff.next_delay(&mut state, Duration::ZERO, &mut random);
            assert!(d <= bound, "{d:?} above {bound:?} at attempt {attempt}");
            distinct.insert(d);
        }
        assert!(
            distinct.len() > 9_000,
            "jitter gave only {} delays",
            distinct.len()
        );
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_and_max() {
        let backoff = Backoff::exponential(10 * MS, 500 * MS).jitter(Jitter::Decorrelated);
        for d in delays(backoff, 10_000, 3) {
            assert!((10 * MS..=500 * MS).contains(&d), "{d:?}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let backoff = Backoff::exponential(MS, 100 * MS).jitter(Jitter::Full);
        assert_eq!(delays(backoff, 50, 42), delays(backoff, 50, 42));
        assert_ne!(delays(backoff, 50, 42), delays(backoff, 50, 43));
    }

    #[test]
    fn a_healthy_run_starts_the_count_again() {
        let backoff = Backoff::exponential(100 * MS, 1000 * MS).reset_after(Duration::from_secs(5));
        let mut state = BackoffState::default();
        let mut random = Random::new(1);
        let mut next = |ran| backoff.next_delay(&mut state, ran, &mut random);
        assert_eq!(next(Duration::ZERO), 100 * MS);
        assert_eq!(next(Duration::from_secs(1)), 200 * MS);
        assert_eq!(next(Duration::from_secs(5)), 100 * MS);
        assert_eq!(next(Duration::ZERO), 200 * MS);
    }

    #[test]
    fn check_refuses_a_zero_base_and_a_maximum_below_the_base() {
        assert!(Backoff::NONE.check().is_ok());
        assert!(Backoff::fixed(MS).check().is_ok());
        assert!(Backoff::exponential(Duration::ZERO, MS).check().is_err());
        assert!(Backoff::exponential(10 * MS, MS).check().is_err());
    }
}
