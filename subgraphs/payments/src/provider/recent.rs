//! A map that remembers only its newest entries: what the test-mode processor
//! keeps per authorization and per operation key. Without a bound it grew with
//! every order of a long run (and found holds by a scan that grew with it).
//!
//! Its table is sized for twice the capacity from the start. A hash table that
//! forgets one entry for each it learns fills with tombstones, and once they
//! use up its spare room it rebuilds itself, in place only while at most half
//! full: at 20,000 entries in a table sized for them, std's `HashMap` doubled
//! after ~70,000 inserts. In `bench/soak.sh --rate 100` that was a one-off step
//! of mart's memory (+6 MB) at minute 12, long after the ledger was full.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

pub(crate) struct Recent<K, V> {
    capacity: usize,
    entries: HashMap<K, V>,
    /// Keys from oldest to newest.
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            entries: HashMap::with_capacity(capacity * 2),
            order: VecDeque::with_capacity(capacity + 1),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get_mut(key)
    }

    /// Adds `key` as the newest entry (an existing key keeps its place),
    /// forgetting the oldest beyond the capacity.
    pub fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Values from oldest to newest.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.order.iter().filter_map(|k| self.entries.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_entries_up_to_its_capacity() {
        let mut recent = Recent::new(3);
        for i in 0..10 {
            recent.insert(i, i * 10);
            assert!(recent.len() <= 3);
        }
        assert_eq!(recent.values().copied().collect::<Vec<_>>(), [70, 80, 90]);
        assert_eq!(recent.get(&6), None);
        recent.insert(8, 81);
        assert_eq!(recent.values().copied().collect::<Vec<_>>(), [70, 81, 90]);
        assert_eq!(recent.order.len(), 3);
    }

    #[test]
    fn a_full_map_keeps_its_table_as_old_entries_make_way() {
        let capacity = 1_000;
        let mut recent = Recent::new(capacity);
        for i in 0..capacity {
            recent.insert(i, i);
        }
        // `capacity()` is what fits before the next rebuild: tombstones lower it
        // and an in-place rebuild restores it, but only a larger table raises it.
        let table = recent.entries.capacity();
        let queue = recent.order.capacity();
        for i in capacity..capacity * 50 {
            recent.insert(i, i);
            assert!(
                recent.entries.capacity() <= table,
                "the table grew from {table} to {} after {i} inserts",
                recent.entries.capacity()
            );
        }
        assert_eq!(recent.order.capacity(), queue);
        assert_eq!(recent.len(), capacity);
    }
}
