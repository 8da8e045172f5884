//! Unity-style collapsing: identical log entries (same `Entry::key`) show once, on the row of
//! the oldest copy kept, with their number. Kept only while collapsing is on.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys are hashes already: hashing them again would only cost time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Group {
    /// The id of the entry standing for the group.
    first: u64,
    count: u64,
}

#[derive(Default)]
pub struct Collapse {
    groups: HashMap<u64, Group, BuildHasherDefault<KeyHasher>>,
}

impl Collapse {
    /// The index of `(id, key)` pairs, oldest first.
    pub fn of(entries: impl Iterator<Item = (u64, u64)>) -> Self {
        let mut c = Self::default();
        for (id, key) in entries {
            c.add(id, key);
        }
        c
    }

    /// Counts entry `id`; returns the id of the older copy standing for it, if any.
    pub fn add(&mut self, id: u64, key: u64) -> Option<u64> {
        let g = self.groups.entry(key).or_insert(Group {
            first: id,
            count: 0,
        });
        g.count += 1;
        (g.first != id).then_some(g.first)
    }

    /// Takes entry `id` out (it left the history); `next_copy` finds the next copy still kept
    /// should `id` have stood for its group. Returns the id now standing for the group, if
    /// copies remain.
    pub fn remove(
        &mut self,
        id: u64,
        key: u64,
        next_copy: impl FnOnce() -> Option<u64>,
    ) -> Option<u64> {
        let g = self.groups.get_mut(&key)?;
        g.count -= 1;
        if g.count == 0 {
            self.groups.remove(&key);
            return None;
        }
        if g.first == id {
            g.first = next_copy()?;
        }
        Some(g.first)
    }

    /// How many copies entry `key` has (1 for one not indexed).
    pub fn count(&self, key: u64) -> u64 {
        self.groups.get(&key).map_or(1, |g| g.count)
    }

    /// How many copies entry `id` shows for if it stands for its group (1 for one not
    /// indexed), else None. One lookup for both: a filter change asks about every entry, and
    /// each lookup is mostly a cache miss.
    pub fn shown_count(&self, id: u64, key: u64) -> Option<u64> {
        match self.groups.get(&key) {
            Some(g) => (g.first == id).then_some(g.count),
            None => Some(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_copy_stands_for_its_group() {
        let mut c = Collapse::of([(1, 10), (2, 20)].into_iter());
        assert_eq!(c.add(3, 10), Some(1));
        assert_eq!(c.add(4, 10), Some(1));
        assert_eq!((c.count(10), c.count(20), c.count(99)), (3, 1, 1));
        assert_eq!(
            (c.shown_count(1, 10), c.shown_count(3, 10)),
            (Some(3), None)
        );
        assert_eq!(c.shown_count(7, 99), Some(1), "not indexed");
        assert_eq!(
            c.remove(1, 10, || Some(3)),
            Some(3),
            "the next copy takes over"
        );
        assert_eq!(c.shown_count(3, 10), Some(2));
        assert_eq!(c.add(5, 10), Some(3));
        assert_eq!(c.remove(4, 10, || unreachable!("not the first")), Some(3));
        assert_eq!(c.remove(3, 10, || Some(5)), Some(5));
        assert_eq!(c.remove(5, 10, || None), None, "gone");
        assert_eq!(c.count(10), 1);
    }
}
