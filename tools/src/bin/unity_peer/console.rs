//! A deterministic game-like console, the benchmark's messages (see doc/performance.md).

use unity_native::protocol::{encode_frame, FromUnity, Level, Log};

use crate::report::unix_ms;

/// Deterministic game-like console output: mostly plain logs of 60-250 characters, some
/// warnings and errors, and one message in five with a five-frame stack trace.
pub struct Gen {
    rng: u64,
    pub seq: u64,
    /// Exceptions thrown at `EXCEPTION_SITES` places in the project's scripts instead of a
    /// console's mix (`--kind exceptions`).
    exceptions: bool,
}

/// Places the exceptions of `--kind exceptions` are thrown at.
pub const EXCEPTION_SITES: u64 = 20;

const SUBJECTS: &[&str] = &[
    "[Enemy] Wave {a} started: {b} enemies spawned around the player at the north gate",
    "[Player] Position ({a}.{b}, 0.0, {c}.{a}) velocity {b}.{c} grounded=true",
    "[Net] Received snapshot {a} ({b} bytes, {c} entities) from server tick {a}",
    "[AI] Pathfinding for agent {a} took {b} ms, {c} nodes expanded",
    "Score {a}: combo x{b}, multiplier {c}",
    "[Audio] Playing clip 'Footstep_Grass_{b}' on source {a} at volume 0.{c}",
    "[Save] Wrote slot {b}: {a} bytes in {c} ms",
    "Texture 'Grass_Albedo_{b}' has no mipmaps; it will alias at distance ({a} px)",
    "[Physics] {a} contacts, {b} islands, solver iterations {c}",
    "[Inventory] Added item {a} (stack {b}/{c}) to slot {b}",
];

const FRAMES: &[&str] = &[
    "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)",
    "Game.EnemySpawner:SpawnWave (int) (at Assets/Scripts/EnemySpawner.cs:28)",
    "Game.Player:FixedUpdate () (at Assets/Scripts/Player.cs:87)",
    "Game.Score:Add (int) (at Assets/Scripts/Score.cs:22)",
    "Game.Net.Client:OnSnapshot (byte[]) (at Assets/Scripts/Net/Client.cs:131)",
    "Game.AI.Agent:Think () (at Assets/Scripts/AI/Agent.cs:64)",
    "UnityEngine.Debug:Log (object)",
];

impl Gen {
    pub fn new(exceptions: bool) -> Self {
        Self {
            rng: 0x9E37_79B9_7F4A_7C15,
            seq: 0,
            exceptions,
        }
    }

    fn next_rand(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// The next message; `last` marks the final message of a batch (never a stack trace).
    pub fn message(&mut self, last: bool) -> Log {
        self.seq += 1;
        let (level, message, stack) = if self.exceptions {
            self.exception(last)
        } else {
            self.plain(last)
        };
        Log {
            seq: self.seq,
            time: Some(unix_ms()),
            level,
            message,
            stack,
        }
    }

    /// A log of a game's usual kinds and levels, every fifth with a stack trace.
    fn plain(&mut self, last: bool) -> (Level, String, Option<String>) {
        let r = self.next_rand();
        let template = SUBJECTS[(r % SUBJECTS.len() as u64) as usize];
        let a = (r >> 8) % 100_000;
        let b = (r >> 24) % 1000;
        let c = (r >> 40) % 100;
        let mut message = template
            .replace("{a}", &a.to_string())
            .replace("{b}", &b.to_string())
            .replace("{c}", &c.to_string());
        // Some longer messages, as real consoles have.
        if (r >> 50).is_multiple_of(4) {
            message.push_str(" | context: scene=Level_03 frame=");
            message.push_str(&((r >> 12) % 1_000_000).to_string());
            message.push_str(" camera=Main");
        }
        message.push_str(&format!(" (#{})", self.seq));
        let level = match (r >> 56) % 20 {
            0 => Level::Error,
            1 | 2 => Level::Warning,
            _ => Level::Log,
        };
        let stack = if self.seq.is_multiple_of(5) && !last {
            let mut s = String::new();
            for i in 0..5 {
                if i > 0 {
                    s.push('\n');
                }
                s.push_str(FRAMES[((r >> (i * 3)) % FRAMES.len() as u64) as usize]);
            }
            Some(s)
        } else {
            None
        };
        (level, message, stack)
    }

    /// An exception at one of `EXCEPTION_SITES` places in Assets/Scripts/Enemy<k>.cs (line
    /// 10 + k), its first line the same at every place; the last one of a batch is a plain log.
    fn exception(&mut self, last: bool) -> (Level, String, Option<String>) {
        let k = self.next_rand() % EXCEPTION_SITES;
        if last {
            (Level::Log, format!("exceptions done (#{})", self.seq), None)
        } else {
            (
                Level::Exception,
                format!(
                    "NullReferenceException: Object reference not set to an instance of an object\n(#{})",
                    self.seq
                ),
                Some(format!(
                    "Game.Enemy{k}:Update () (at Assets/Scripts/Enemy{k}.cs:{})\n\
                     UnityEngine.Internal.Loop:Tick () (at <a1b2c3d4e5f6>:0)",
                    10 + k
                )),
            )
        }
    }

    pub fn frame(&mut self, last: bool) -> Vec<u8> {
        encode_frame(&FromUnity::Log(self.message(last))).expect("encodable")
    }

    pub fn frames(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| self.frame(i + 1 == n)).collect()
    }
}

pub fn size_stats(frames: &[Vec<u8>]) -> Vec<(&'static str, String)> {
    let total: usize = frames.iter().map(Vec::len).sum();
    let min = frames.iter().map(Vec::len).min().unwrap_or(0);
    let max = frames.iter().map(Vec::len).max().unwrap_or(0);
    vec![
        (
            "frame_bytes_avg",
            format!("{:.1}", total as f64 / frames.len().max(1) as f64),
        ),
        ("frame_bytes_min", min.to_string()),
        ("frame_bytes_max", max.to_string()),
    ]
}
