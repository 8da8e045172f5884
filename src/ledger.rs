//! Loss accounting for one stream from Unity, so that every lost message is counted exactly
//! once: `seq` gaps count the log messages that never arrived (torn or dropped ones included),
//! and corrupt frames count only where no gap already explains them. No message is ever
//! dropped here: a `seq` that does not grow is a peer that numbers afresh, not a re-send.

#[derive(Debug, Default)]
pub struct Ledger {
    pid: Option<u32>,
    last_seq: Option<u64>,
    corrupt: u64,
}

/// How a `log` frame fits the stream; every one is delivered.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Log messages missing just before it.
    pub gap: u64,
    /// Other frames lost since the previous log message that the gap does not account for.
    pub corrupt: u64,
    /// Its `seq` did not grow within one editor session: the peer started a new numbering
    /// (its saved counter was lost, another package version). Counted, never a loss.
    pub renumbered: bool,
}

impl Ledger {
    /// A `hello`: another `pid` is a new editor session whose `seq` starts afresh.
    /// Returns corrupt frames left unexplained.
    pub fn hello(&mut self, pid: u32) -> u64 {
        if self.pid != Some(pid) {
            self.pid = Some(pid);
            self.last_seq = None;
        }
        std::mem::take(&mut self.corrupt)
    }

    /// A corrupt frame or garbage run was skipped.
    pub fn corrupt(&mut self) {
        self.corrupt += 1;
    }

    pub fn log(&mut self, seq: u64) -> Verdict {
        let (gap, renumbered) = match self.last_seq {
            // No peer re-sends a message, so a seq that does not grow is a new numbering:
            // dropping it would lose everything until seq climbs back past the old counter.
            Some(last) if seq <= last => (0, true),
            Some(last) => (seq - last - 1, false),
            None => (0, false),
        };
        self.last_seq = Some(seq);
        let corrupt = std::mem::take(&mut self.corrupt).saturating_sub(gap);
        Verdict {
            gap,
            corrupt,
            renumbered,
        }
    }

    /// The writer closed: corrupt frames left unexplained.
    pub fn closed(&mut self) -> u64 {
        std::mem::take(&mut self.corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deliver(gap: u64, corrupt: u64) -> Verdict {
        Verdict {
            gap,
            corrupt,
            renumbered: false,
        }
    }

    fn renumbered(corrupt: u64) -> Verdict {
        Verdict {
            gap: 0,
            corrupt,
            renumbered: true,
        }
    }

    #[test]
    fn gaps_and_sessions() {
        let mut l = Ledger::default();
        assert_eq!(l.hello(10), 0);
        assert_eq!(l.log(1), deliver(0, 0));
        assert_eq!(l.log(2), deliver(0, 0));
        assert_eq!(l.log(6), deliver(3, 0));
        // A reload: same editor, seq goes on.
        assert_eq!(l.hello(10), 0);
        assert_eq!(l.log(9), deliver(2, 0));
        // A restart: new pid, new sequence, no gap and no renumbering.
        assert_eq!(l.hello(11), 0);
        assert_eq!(l.log(1), deliver(0, 0));
    }

    #[test]
    fn a_seq_that_does_not_grow_starts_a_new_numbering() {
        let mut l = Ledger::default();
        l.hello(10);
        l.log(500);
        // Same editor, counter lost: delivered, nothing counted as lost, gaps measured anew.
        assert_eq!(l.log(1), renumbered(0));
        assert_eq!(l.log(2), deliver(0, 0));
        assert_eq!(l.log(4), deliver(1, 0));
        assert_eq!(l.log(4), renumbered(0));
        // Corrupt frames before it stay counted: no gap explains them.
        l.corrupt();
        assert_eq!(l.log(1), renumbered(1));
    }

    #[test]
    fn a_torn_log_frame_is_counted_once() {
        let mut l = Ledger::default();
        l.hello(1);
        l.log(1);
        l.corrupt(); // seq 2 torn
        assert_eq!(l.log(3), deliver(1, 0));
        l.corrupt(); // two frames that were not logs
        l.corrupt();
        assert_eq!(l.log(4), deliver(0, 2));
        l.corrupt();
        assert_eq!(l.closed(), 1);
        assert_eq!(l.closed(), 0);
    }
}
