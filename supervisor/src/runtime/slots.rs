//! Values by slot number in segments that never move, for a pool's tables (its instances and
//! their arguments): a table grows without copying what it holds and without a doubling
//! vector's spare half, so 10⁵ entries take about 10⁵ slots, not the 131,072 a vector reaches.

/// Slots per segment.
const SEGMENT: usize = 1024;

/// Values by slot; an empty slot is `None`.
pub(crate) struct Slots<T> {
    /// Every segment but the last is full (`SEGMENT` slots); the last grows as a vector does,
    /// up to `SEGMENT`, so a small table stays small.
    segments: Vec<Vec<Option<T>>>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            segments: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    /// The first slot never used so far: every slot below it exists, empty or not.
    pub(crate) fn end(&self) -> usize {
        match self.segments.last() {
            Some(last) => (self.segments.len() - 1) * SEGMENT + last.len(),
            None => 0,
        }
    }

    /// Puts `value` in `slot`, making the slots up to it if they are not there yet.
    #[inline]
    pub(crate) fn put(&mut self, slot: usize, value: T) {
        let (s, i) = (slot / SEGMENT, slot % SEGMENT);
        // The common cases: a slot that exists (reused), or the next one (appended).
        if let Some(segment) = self.segments.get_mut(s) {
            if let Some(place) = segment.get_mut(i) {
                *place = Some(value);
                return;
            }
            if segment.len() == i {
                segment.push(Some(value));
                return;
            }
        }
        self.grow_to(s, i);
        self.segments[s][i] = Some(value);
    }

    /// Makes the segments and slots up to slot `i` of segment `s`, empty.
    #[cold]
    fn grow_to(&mut self, s: usize, i: usize) {
        while self.segments.len() <= s {
            // The first segment grows by doubling (to exactly `SEGMENT`); later ones are made
            // whole at once.
            let capacity = if self.segments.is_empty() { 0 } else { SEGMENT };
            self.segments.push(Vec::with_capacity(capacity));
        }
        let segment = &mut self.segments[s];
        if segment.len() <= i {
            segment.resize_with(i + 1, || None);
        }
    }

    pub(crate) fn get(&self, slot: usize) -> Option<&T> {
        self.segments
            .get(slot / SEGMENT)?
            .get(slot % SEGMENT)?
            .as_ref()
    }

    pub(crate) fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
        self.segments
            .get_mut(slot / SEGMENT)?
            .get_mut(slot % SEGMENT)?
            .as_mut()
    }

    /// Takes the value out of `slot`, which becomes empty.
    pub(crate) fn take(&mut self, slot: usize) -> Option<T> {
        self.segments
            .get_mut(slot / SEGMENT)?
            .get_mut(slot % SEGMENT)?
            .take()
    }

    /// Every value with its slot, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.segments.iter().enumerate().flat_map(|(s, segment)| {
            segment
                .iter()
                .enumerate()
                .filter_map(move |(i, slot)| Some((s * SEGMENT + i, slot.as_ref()?)))
        })
    }

    /// Takes every value out, with its slot, leaving the table empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (usize, T)> + use<T> {
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

    #[test]
    fn slots_span_segments_that_are_made_at_their_full_size() {
        let mut slots = Slots::default();
        let n = SEGMENT * 2 + 10;
        for i in 0..n {
            assert_eq!(slots.end(), i);
            slots.put(i, i);
        }
        assert_eq!(slots.get(SEGMENT + 3), Some(&(SEGMENT + 3)));
        assert_eq!(slots.take(SEGMENT + 3), Some(SEGMENT + 3));
        assert_eq!((slots.get(SEGMENT + 3), slots.end()), (None, n));
        assert!(
            slots
                .segments
                .iter()
                .all(|s| s.capacity() == SEGMENT || s.len() < SEGMENT)
        );
        // A slot past the end makes the ones before it, empty.
        slots.put(n + 5, 0);
        assert_eq!((slots.get(n + 4), slots.end()), (None, n + 6));
        let drained: Vec<usize> = slots.drain().map(|(slot, _)| slot).collect();
        assert_eq!(drained.len(), n);
        assert!(drained.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((slots.end(), slots.iter().count()), (0, 0));
    }
}
