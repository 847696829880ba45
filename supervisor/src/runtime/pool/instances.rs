//! What a pool keeps of its instances: each one's state and, once it has one, its history, by
//! slot (see `slots.rs`), free slots reused first. Their start arguments are in the pool's
//! argument store, at the same slots.

use std::sync::Arc;

use super::super::child::TaskHandle;
use super::super::delay::{ChildBackoff, Timer};
use super::super::ended::LastFailure;
use super::super::run::Run;
use super::super::slots::Slots;
use crate::spec::Restart;

/// One instance: 40 bytes in its table, as every idle instance has one.
pub(super) struct Instance {
    /// Its number in this partition, never reused: with the slot, its id.
    pub(super) serial: u64,
    pub(super) restart: Restart,
    /// Whether its first run has been started: how many runs it has started, until it has a
    /// history, which counts them.
    started: bool,
    pub(super) state: State,
    /// What only an instance that has exited has: made at its first exit, so an idle instance
    /// carries one word for it.
    history: Option<Box<History>>,
}

/// An instance's exits and restarts.
#[derive(Default)]
pub(super) struct History {
    /// How many runs it has started (the next run's generation).
    starts: u64,
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
    /// Not running: between a failed restart and its retry (OTP's `restarting`), or while it
    /// starts; or, with its timer, waiting for its backoff delay. One variant for both, not
    /// two: a pointer has one spare value, which tells two variants apart without a tag, and
    /// the state must fit in two words for an entry to stay at 40 bytes.
    Restarting(Option<Box<Timer>>),
}

impl Instance {
    /// A new instance, not started yet.
    pub(super) fn new(serial: u64, restart: Restart) -> Self {
        Instance {
            serial,
            restart,
            started: false,
            state: State::Restarting(None),
            history: None,
        }
    }

    /// How many runs it has started.
    pub(super) fn starts(&self) -> u64 {
        self.past().map_or(u64::from(self.started), |h| h.starts)
    }

    /// Counts a run about to start, and says which start it is (its generation).
    pub(super) fn count_start(&mut self) -> u64 {
        let generation = self.starts();
        match &mut self.history {
            Some(history) => history.starts += 1,
            None => self.started = true,
        }
        generation
    }

    /// Its history, made on first use.
    pub(super) fn history(&mut self) -> &mut History {
        let starts = self.starts();
        self.history.get_or_insert_with(|| {
            Box::new(History {
                starts,
                ..History::default()
            })
        })
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

/// The instances by slot. A free slot is listed in `free`, and is the first reused.
#[derive(Default)]
pub(super) struct Instances {
    slots: Slots<Instance>,
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
        let slot = self.free.pop().unwrap_or_else(|| self.slots.end());
        self.slots.put(slot, instance);
        self.len += 1;
        slot
    }

    pub(super) fn get(&self, slot: usize) -> Option<&Instance> {
        self.slots.get(slot)
    }

    pub(super) fn get_mut(&mut self, slot: usize) -> Option<&mut Instance> {
        self.slots.get_mut(slot)
    }

    /// Takes the instance out of `slot`, which becomes free.
    pub(super) fn remove(&mut self, slot: usize) -> Option<Instance> {
        let taken = self.slots.take(slot)?;
        self.free.push(slot);
        self.len -= 1;
        Some(taken)
    }

    /// Every instance with its slot, in slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &Instance)> {
        self.slots.iter()
    }

    /// Takes every instance out, with its slot, leaving the table empty.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = (usize, Instance)> + use<> {
        self.free.clear();
        self.len = 0;
        self.slots.drain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(serial: u64) -> Instance {
        Instance::new(serial, Restart::Temporary)
    }

    #[test]
    fn an_instance_takes_40_bytes_in_its_table() {
        let size = std::mem::size_of::<Option<Instance>>();
        assert!(size <= 40, "an instance's table entry takes {size} bytes");
    }

    #[test]
    fn an_instance_counts_its_starts_before_and_after_its_first_exit() {
        let mut instance = instance(0);
        assert_eq!(instance.starts(), 0);
        assert_eq!(instance.count_start(), 0);
        assert_eq!(instance.starts(), 1);
        instance.history().restarts += 1;
        assert_eq!(instance.count_start(), 1);
        assert_eq!(instance.count_start(), 2);
        assert_eq!(instance.starts(), 3);
    }

    #[test]
    fn free_slots_are_reused_first() {
        const SEGMENT: usize = 1024;
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
        let drained: Vec<usize> = table.drain().map(|(slot, _)| slot).collect();
        assert_eq!(drained.len(), n);
        assert!(drained.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((table.len(), table.iter().count()), (0, 0));
    }
}
