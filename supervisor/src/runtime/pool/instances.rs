//! What a pool keeps of its instances: each one's start, state and, once it has one, its
//! history, in a table of fixed-size segments. A slot never moves, so the table grows without
//! copying what it holds and without a vector's spare half: a pool of 10⁵ instances holds
//! about 10⁵ entries, not the 131,072 a doubling vector would reach.

use std::sync::Arc;

use super::super::child::TaskHandle;
use super::super::delay::{ChildBackoff, Timer};
use super::super::ended::LastFailure;
use super::super::run::Run;
use crate::spec::Restart;

/// One instance.
pub(super) struct Instance {
    /// Its number in this partition, never reused: with the slot, its id.
    pub(super) serial: u64,
    pub(super) restart: Restart,
    pub(super) state: State,
    /// How many runs it has started (the next run's generation).
    pub(super) starts: u64,
    /// What only an instance that has exited has: made at its first exit, so an idle instance
    /// carries one word for it.
    history: Option<Box<History>>,
}

/// An instance's exits and restarts.
#[derive(Default)]
pub(super) struct History {
    pub(super) restarts: u64,
    pub(super) last_failure: LastFailure,
    /// Its restarts in a row, once the pool has a backoff and it has failed.
    pub(super) backoff: Option<Box<ChildBackoff>>,
}

pub(super) enum State {
    Running {
        task: TaskHandle,
        run: Arc<Run>,
    },
    /// Between a failed restart and its retry (OTP's `restarting`); also while it starts.
    Restarting,
    /// Its restart waits for its backoff delay.
    Delayed(Box<Timer>),
}

impl Instance {
    /// A new instance, not started yet.
    pub(super) fn new(serial: u64, restart: Restart) -> Self {
        Instance {
            serial,
            restart,
            state: State::Restarting,
            starts: 0,
            history: None,
        }
    }

    /// Its history, made on first use.
    pub(super) fn history(&mut self) -> &mut History {
        self.history.get_or_insert_with(Box::default)
    }

    /// Its history so far, if it has one.
    pub(super) fn past(&self) -> Option<&History> {
        self.history.as_deref()
    }

    pub(super) fn restarts(&self) -> u64 {
        self.past().map_or(0, |h| h.restarts)
    }

    /// Its backoff state, if it has a history (an instance that never exited has none).
    pub(super) fn backoff_mut(&mut self) -> Option<&mut Option<Box<ChildBackoff>>> {
        self.history.as_mut().map(|h| &mut h.backoff)
    }
}

/// Slots per segment.
const SEGMENT: usize = 1024;

/// The instances by slot. A free slot is `None` and listed in `free`, and is the first reused.
#[derive(Default)]
pub(super) struct Instances {
    /// Every segment but the last is full (`SEGMENT` slots); the last grows as a vector does,
    /// up to `SEGMENT`, so a small pool holds a small table.
    segments: Vec<Vec<Option<Instance>>>,
    free: Vec<usize>,
    /// How many slots hold an instance.
    len: usize,
}

impl Instances {
    /// How many instances the table holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Puts `instance` in a free slot, and says which.
    pub(super) fn insert(&mut self, instance: Instance) -> usize {
        self.len += 1;
        if let Some(slot) = self.free.pop() {
            self.segments[slot / SEGMENT][slot % SEGMENT] = Some(instance);
            return slot;
        }
        if self.segments.last().is_none_or(|s| s.len() == SEGMENT) {
            // The first segment grows by doubling (to exactly `SEGMENT`); later ones are
            // made whole at once.
            let capacity = if self.segments.is_empty() { 0 } else { SEGMENT };
            self.segments.push(Vec::with_capacity(capacity));
        }
        let last = self.segments.len() - 1;
        let segment = &mut self.segments[last];
        segment.push(Some(instance));
        last * SEGMENT + segment.len() - 1
    }

    pub(super) fn get(&self, slot: usize) -> Option<&Instance> {
        self.segments
            .get(slot / SEGMENT)?
            .get(slot % SEGMENT)?
            .as_ref()
    }

    pub(super) fn get_mut(&mut self, slot: usize) -> Option<&mut Instance> {
        self.segments
            .get_mut(slot / SEGMENT)?
            .get_mut(slot % SEGMENT)?
            .as_mut()
    }

    /// Takes the instance out of `slot`, which becomes free.
    pub(super) fn remove(&mut self, slot: usize) -> Option<Instance> {
        let taken = self
            .segments
            .get_mut(slot / SEGMENT)?
            .get_mut(slot % SEGMENT)?
            .take()?;
        self.free.push(slot);
        self.len -= 1;
        Some(taken)
    }

    /// Every instance with its slot, in slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &Instance)> {
        self.segments.iter().enumerate().flat_map(|(s, segment)| {
            segment
                .iter()
                .enumerate()
                .filter_map(move |(i, slot)| Some((s * SEGMENT + i, slot.as_ref()?)))
        })
    }

    /// Takes every instance out, with its slot, leaving the table empty.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = (usize, Instance)> {
        self.free.clear();
        self.len = 0;
        std::mem::take(&mut self.segments)
            .into_iter()
            .enumerate()
            .flat_map(|(s, segment)| {
                segment
                    .into_iter()
                    .enumerate()
                    .filter_map(move |(i, slot)| Some((s * SEGMENT + i, slot?)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(serial: u64) -> Instance {
        Instance::new(serial, Restart::Temporary)
    }

    #[test]
    fn slots_span_segments_and_free_slots_are_reused_first() {
        let mut table = Instances::default();
        let n = SEGMENT * 2 + 10;
        for serial in 0..n as u64 {
            assert_eq!(table.insert(instance(serial)), serial as usize);
        }
        assert_eq!(table.len(), n);
        assert_eq!(
            table.get(SEGMENT + 3).map(|i| i.serial),
            Some(SEGMENT as u64 + 3)
        );
        assert_eq!(
            table.remove(SEGMENT + 3).map(|i| i.serial),
            Some(SEGMENT as u64 + 3)
        );
        assert!(table.get(SEGMENT + 3).is_none());
        assert!(table.remove(SEGMENT + 3).is_none());
        assert_eq!(table.insert(instance(9_999)), SEGMENT + 3);
        assert_eq!(table.iter().count(), n);
        assert!(
            table
                .segments
                .iter()
                .all(|s| s.capacity() == SEGMENT || s.len() < SEGMENT)
        );
        let drained: Vec<usize> = table.drain().map(|(slot, _)| slot).collect();
        assert_eq!(drained.len(), n);
        assert!(drained.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((table.len(), table.iter().count()), (0, 0));
    }
}
