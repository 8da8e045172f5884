//! One history entry: what Unity sent (kept for the filters, jumps and Lua) and what the
//! reader thread precomputed for Neovim's main thread: its header line, whether it has a
//! body, and its collapse key.

use crate::log::look::{has_body, Look};
use crate::log::text::first_line;
use crate::protocol::{Level, Log};
use std::sync::Arc;

/// A buffer line. Shared, so that putting a header in an edit copies no text.
pub type Line = Arc<str>;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unity's sequence number; None for markers and entries added from Lua.
    pub seq: Option<u64>,
    pub time: Option<i64>,
    /// None for a marker line (connection changes, losses).
    pub level: Option<Level>,
    pub message: String,
    pub stack: Option<String>,
    pub header: Line,
    /// Whether expanding shows anything (more message lines, a stack trace). The body lines
    /// are made only when shown: most entries are never expanded.
    pub has_body: bool,
    /// Identity for collapsing (level, message and stack), hashed here so that turning
    /// collapsing on over a long history formats and hashes nothing.
    pub key: u64,
}

impl Entry {
    /// A log message with its header line (made on the reader thread).
    pub fn log(l: Log, look: &Look) -> Self {
        Self {
            header: look
                .header(l.level, l.time, first_line(&l.message), 1)
                .into(),
            has_body: has_body(&l.message, l.stack.as_deref()),
            key: key(l.level, &l.message, l.stack.as_deref()),
            seq: Some(l.seq),
            time: l.time,
            level: Some(l.level),
            message: l.message,
            stack: l.stack,
        }
    }

    pub fn marker(message: &str, look: &Look) -> Self {
        Self {
            seq: None,
            time: None,
            level: None,
            message: message.to_owned(),
            stack: None,
            header: look.marker(message).into(),
            has_body: false,
            key: 0,
        }
    }

    /// Its header when it stands for `repeats` copies (collapsing).
    pub fn header_with(&self, repeats: u64, look: &Look) -> Line {
        match self.level {
            Some(level) if repeats > 1 => look
                .counted(&self.header, repeats)
                .unwrap_or_else(|| {
                    look.header(level, self.time, first_line(&self.message), repeats)
                })
                .into(),
            _ => Arc::clone(&self.header),
        }
    }

    pub fn group(&self) -> Option<Group> {
        self.level.map(Group::of)
    }
}

/// A 64-bit hash of level, message and stack. Two different messages sharing a key would be
/// collapsed together: about one chance in 30 million for a million distinct messages.
fn key(level: Level, message: &str, stack: Option<&str>) -> u64 {
    hash(
        level as u64 + 1,
        [message.as_bytes(), stack.unwrap_or("").as_bytes()],
    )
}

/// A 64-bit hash of `parts` (where each ends counts) from `seed`: a folded 128-bit multiply
/// per 8-byte word, as foldhash does. Also the runtime exception sites' key.
pub(crate) fn hash<const N: usize>(seed: u64, parts: [&[u8]; N]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, w: u64| {
        let r = u128::from(h ^ w) * u128::from(K ^ 0x2d35_8dcc_aa6c_78a5);
        (r as u64) ^ ((r >> 64) as u64)
    };
    let mut h = seed;
    for part in parts {
        let mut words = part.chunks_exact(8);
        for w in &mut words {
            h = mix(h, u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        h = mix(h, u64::from_le_bytes(last));
        h = mix(h, part.len() as u64);
    }
    mix(h, K)
}

/// The three level filters of Unity's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Error,
    Warning,
    Log,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Error, Group::Warning, Group::Log];

    pub fn of(level: Level) -> Self {
        match level {
            Level::Error | Level::Exception | Level::Assert => Group::Error,
            Level::Warning => Group::Warning,
            Level::Log => Group::Log,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Error => "error",
            Group::Warning => "warning",
            Group::Log => "log",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A log entry laid out with the default look (for the tests of every part).
    pub fn log(seq: u64, level: Level, message: &str, stack: Option<&str>) -> Entry {
        log_with(&Look::default(), seq, level, message, stack)
    }

    /// A log entry laid out with `look`.
    pub fn log_with(
        look: &Look,
        seq: u64,
        level: Level,
        message: &str,
        stack: Option<&str>,
    ) -> Entry {
        let l = Log {
            seq,
            time: None,
            level,
            message: message.into(),
            stack: stack.map(Into::into),
        };
        Entry::log(l, look)
    }

    #[test]
    fn the_key_tells_level_message_and_stack_apart() {
        let a = log(1, Level::Log, "same", None).key;
        assert_eq!(a, log(1, Level::Log, "same", None).key);
        assert_ne!(a, log(1, Level::Warning, "same", None).key);
        assert_ne!(
            log(1, Level::Log, "ab", Some("c")).key,
            log(1, Level::Log, "a", Some("bc")).key,
            "where the message ends counts"
        );
        assert_ne!(
            log(1, Level::Log, "x", None).key,
            log(1, Level::Log, "x\0", None).key
        );
        let keys: HashSet<u64> = (0..100_000)
            .map(|i| log(1, Level::Log, &format!("Enemy {i} spawned"), None).key)
            .collect();
        assert_eq!(
            keys.len(),
            100_000,
            "no collision among near-identical messages"
        );
    }

    #[test]
    fn looks_and_repeats() {
        let e = log(1, Level::Error, "boom\nmore", None);
        assert!(e.has_body);
        assert_eq!(&*e.header, "--:--:--.--- ERR  boom");
        assert_eq!(
            &*e.header_with(2, &Look::default()),
            "--:--:--.--- ERR  boom  (×2)"
        );
        let spec = crate::log::look::Spec {
            clock: String::new(),
            ..Default::default()
        };
        let look = Look::new(spec).unwrap();
        let e = log_with(&look, 1, Level::Error, "boom\nmore", None);
        assert_eq!(&*e.header, "ERR  boom");
        assert_eq!(&*Entry::marker("hi", &look).header, "── hi ──");
    }
}
