//! The newest `cap` entries, numbered by id (from 1, never reused), with their level counts
//! and the scope marks. Trims as entries arrive, so the memory bound holds whether or not a
//! window shows the log.

use crate::log::entry::Entry;
use crate::log::filter::{Marks, Scope};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Log messages (not markers) ever added.
    pub added: u64,
    /// Highest Unity sequence number added.
    pub last_seq: u64,
    /// Id of the newest entry.
    pub last_id: u64,
}

pub struct History {
    entries: VecDeque<Entry>,
    /// Id of `entries[0]`.
    first: u64,
    removed: u64,
    counts: [u64; 3],
    cap: usize,
    marks: Marks,
    stats: Stats,
}

impl History {
    pub fn new(cap: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            first: 1,
            removed: 0,
            counts: [0; 3],
            cap: cap.max(1),
            marks: Marks::default(),
            stats: Stats::default(),
        }
    }

    pub fn first_id(&self) -> u64 {
        self.first
    }

    /// The id the next entry gets.
    pub fn next_id(&self) -> u64 {
        self.first + self.entries.len() as u64
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        let i = id.checked_sub(self.first)?;
        self.entries.get(usize::try_from(i).ok()?)
    }

    /// Entries with ids from `from` on, oldest first.
    pub fn since(&self, from: u64) -> impl Iterator<Item = (u64, &Entry)> {
        let skip = from.saturating_sub(self.first) as usize;
        (self.first..).zip(self.entries.iter()).skip(skip)
    }

    /// Entries newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = (u64, &Entry)> {
        let first = self.first;
        let ids = move |(i, e)| (first + i as u64, e);
        self.entries.iter().enumerate().rev().map(ids)
    }

    /// Entries by level group (indexed like `Group::ALL`).
    pub fn counts(&self) -> [u64; 3] {
        self.counts
    }

    /// How many entries left the history since it was last cleared.
    pub fn removed(&self) -> u64 {
        self.removed
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn marks(&self) -> &Marks {
        &self.marks
    }

    /// Adds an entry; returns its id and, once the history is full, the oldest entry (with
    /// its id), which left to make room.
    pub fn push(&mut self, e: Entry) -> (u64, Option<(u64, Entry)>) {
        let id = self.next_id();
        self.stats.last_id = id;
        if let Some(seq) = e.seq {
            self.stats.last_seq = self.stats.last_seq.max(seq);
        }
        if let Some(g) = e.group() {
            self.stats.added += 1;
            self.counts[g as usize] += 1;
        }
        self.entries.push_back(e);
        if self.entries.len() <= self.cap {
            return (id, None);
        }
        let old = self.entries.pop_front().map(|e| (self.first, e));
        if let Some(g) = old.as_ref().and_then(|(_, e)| e.group()) {
            self.counts[g as usize] -= 1;
        }
        self.first += 1;
        self.removed += 1;
        (id, old)
    }

    /// Starts scope "compile" or "play" at the next entry.
    pub fn mark(&mut self, scope: Scope) {
        self.marks.set(scope, self.next_id());
    }

    /// Forgets every entry; counts start again, ids and marks go on.
    pub fn clear(&mut self) {
        self.first = self.next_id();
        self.entries.clear();
        self.removed = 0;
        self.counts = [0; 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::look::Look;
    use crate::protocol::{Level, Log};

    fn entry(seq: u64, level: Level) -> Entry {
        let l = Log {
            seq,
            time: None,
            level,
            message: format!("m{seq}"),
            stack: None,
        };
        Entry::log(l, &Look::default())
    }

    #[test]
    fn trims_as_entries_arrive() {
        let mut h = History::new(200);
        for seq in 1..=1000 {
            let (id, trimmed) = h.push(entry(seq, Level::Log));
            assert_eq!(id, seq);
            assert!(h.len() <= 200, "bounded with no reader");
            if let Some((old, e)) = trimmed {
                assert_eq!((old, e.message), (seq - 200, format!("m{}", seq - 200)));
            }
        }
        assert_eq!((h.removed(), h.len()), (800, 200));
        assert_eq!(h.counts(), [0, 0, 200]);
        assert_eq!(
            h.since(999).map(|(id, _)| id).collect::<Vec<_>>(),
            [999, 1000]
        );
        assert_eq!(
            h.newest_first()
                .take(2)
                .map(|(id, e)| (id, e.seq))
                .collect::<Vec<_>>(),
            [(1000, Some(1000)), (999, Some(999))]
        );
        assert_eq!(h.get(h.first_id()).unwrap().seq, Some(h.first_id()));
        assert!(h.get(h.first_id() - 1).is_none());
    }

    #[test]
    fn counts_stats_marks_and_clear() {
        let mut h = History::new(10);
        h.push(entry(7, Level::Error));
        h.mark(Scope::Play);
        h.push(entry(3, Level::Warning));
        h.push(Entry::marker("x", &Look::default()));
        assert_eq!(h.counts(), [1, 1, 0]);
        assert_eq!(
            h.stats(),
            Stats {
                added: 2,
                last_seq: 7,
                last_id: 3
            }
        );
        assert_eq!(h.marks().start(Scope::Play), Some(2));
        h.clear();
        assert!(h.is_empty());
        assert_eq!((h.counts(), h.next_id()), ([0; 3], 4), "ids go on");
    }
}
