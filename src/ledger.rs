//! Loss accounting for one stream from Unity, so that every lost message is counted exactly
//! once: `seq` gaps count the log messages that never arrived (torn or dropped ones included),
//! and corrupt frames count only where no gap already explains them.

#[derive(Debug, Default)]
pub struct Ledger {
    pid: Option<u32>,
    last_seq: Option<u64>,
    corrupt: u64,
}

/// What to do with a `log` frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver it. `gap`: log messages missing just before it; `corrupt`: other frames lost
    /// since the previous log message that the gap does not account for.
    Deliver { gap: u64, corrupt: u64 },
    /// Already delivered in this editor session (a backlog sent again): drop silently.
    Duplicate,
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
        let gap = match self.last_seq {
            Some(last) if seq <= last => return Verdict::Duplicate,
            Some(last) => seq - last - 1,
            None => 0,
        };
        self.last_seq = Some(seq);
        let corrupt = std::mem::take(&mut self.corrupt).saturating_sub(gap);
        Verdict::Deliver { gap, corrupt }
    }

    /// The writer closed: corrupt frames left unexplained.
    pub fn closed(&mut self) -> u64 {
        std::mem::take(&mut self.corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_duplicates_and_sessions() {
        let mut l = Ledger::default();
        assert_eq!(l.hello(10), 0);
        assert_eq!(l.log(1), Verdict::Deliver { gap: 0, corrupt: 0 });
        assert_eq!(l.log(2), Verdict::Deliver { gap: 0, corrupt: 0 });
        assert_eq!(l.log(6), Verdict::Deliver { gap: 3, corrupt: 0 });
        assert_eq!(l.log(6), Verdict::Duplicate);
        assert_eq!(l.log(3), Verdict::Duplicate);
        // A reload: same editor, seq goes on.
        assert_eq!(l.hello(10), 0);
        assert_eq!(l.log(9), Verdict::Deliver { gap: 2, corrupt: 0 });
        // A restart: new pid, new sequence, no gap.
        assert_eq!(l.hello(11), 0);
        assert_eq!(l.log(1), Verdict::Deliver { gap: 0, corrupt: 0 });
    }

    #[test]
    fn a_torn_log_frame_is_counted_once() {
        let mut l = Ledger::default();
        l.hello(1);
        l.log(1);
        l.corrupt(); // seq 2 torn
        assert_eq!(l.log(3), Verdict::Deliver { gap: 1, corrupt: 0 });
        l.corrupt(); // two frames that were not logs
        l.corrupt();
        assert_eq!(l.log(4), Verdict::Deliver { gap: 0, corrupt: 2 });
        l.corrupt();
        assert_eq!(l.closed(), 1);
        assert_eq!(l.closed(), 0);
    }
}
