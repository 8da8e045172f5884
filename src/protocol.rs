//! Messages of protocol v1 (doc/protocol.md §4-5) and their MessagePack payloads.
//!
//! Both directions are modelled so that the test peer (`unity-peer`) and the tests speak
//! through the same types as the Neovim side.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

pub const PROTOCOL_VERSION: u32 = 1;

/// A message from Unity to Neovim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum FromUnity {
    Hello(UnityHello),
    Log(Log),
    Compile(Compile),
    State(State),
    Reply(Reply),
    Bye(Bye),
    Open(Open),
    Projects(Projects),
    Test(Test),
    /// A type this version does not know: ignored (forward compatibility).
    #[serde(other, skip_serializing)]
    Unknown,
}

/// A message from Neovim to Unity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum FromNvim {
    Hello(NvimHello),
    Cmd(Cmd),
    #[serde(other, skip_serializing)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnityHello {
    pub protocol: u32,
    #[serde(deserialize_with = "lossy::string")]
    pub unity: String,
    #[serde(deserialize_with = "lossy::string")]
    pub project: String,
    pub pid: u32,
    /// False on the first frame after Unity opens its write end, true when it greets again
    /// (answering Neovim's hello) on a write end already open; None from peers before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub again: Option<bool>,
    /// Where the editor's debugger agent listens (56000 + pid % 1000 on loopback), and whether
    /// it does (Editor Attaching); None from peers before them.
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub debug_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_attach: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Log,
    Warning,
    Error,
    Exception,
    Assert,
}

impl Level {
    pub fn parse(s: &str) -> Option<Self> {
        [
            Level::Log,
            Level::Warning,
            Level::Error,
            Level::Exception,
            Level::Assert,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Log => "log",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Exception => "exception",
            Level::Assert => "assert",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    pub level: Level,
    #[serde(deserialize_with = "lossy::string")]
    pub message: String,
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub stack: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompileState {
    Started,
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compile {
    pub state: CompileState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<CompilerMessage>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompilerMessage {
    #[serde(deserialize_with = "lossy::string")]
    pub file: String,
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub col: Option<u32>,
    pub severity: Severity,
    #[serde(deserialize_with = "lossy::string")]
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub playing: bool,
    pub paused: bool,
    pub compiling: bool,
    /// CompilationPipeline.codeOptimization; None from peers before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimization: Option<Optimization>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimization {
    Debug,
    Release,
    /// A mode this side does not know; the state is still read.
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    pub ok: bool,
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<rmpv::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByeReason {
    Reload,
    Quit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bye {
    pub reason: ByeReason,
}

/// Unity asks Neovim to show a file (Unity's External Script Editor opens it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Open {
    /// Absolute or relative to the project; empty: no file, just come to the front.
    #[serde(deserialize_with = "lossy::string")]
    pub file: String,
    /// 1-based; Unity's -1 (or 0, or absent) means "no line" and decodes as `None`.
    #[serde(
        default,
        deserialize_with = "position::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub line: Option<u32>,
    #[serde(
        default,
        deserialize_with = "position::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub col: Option<u32>,
}

/// Unity regenerated the project files (`.sln`, `.csproj`) without being asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projects {
    /// Absolute paths of the files it wrote.
    #[serde(deserialize_with = "lossy::strings")]
    pub files: Vec<String>,
}

/// A test run's progress (`tests.run`): one message per event, carried whole to Lua.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    /// The run id `tests.run` answered with.
    #[serde(deserialize_with = "lossy::string")]
    pub run: String,
    /// Sent again from Unity's kept copy to a Neovim that said hello.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay: bool,
    #[serde(flatten)]
    pub event: TestEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TestEvent {
    RunStarted {
        #[serde(deserialize_with = "lossy::string")]
        mode: String,
        /// Leaf tests to run.
        total: u32,
    },
    Finished(TestResult),
    RunFinished(TestCounts),
    /// An event this version does not know: ignored, as an unknown message type is.
    #[serde(other, skip_serializing)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    Passed,
    Failed,
    Skipped,
    Inconclusive,
}

/// One leaf test's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    #[serde(deserialize_with = "lossy::string")]
    pub full_name: String,
    #[serde(deserialize_with = "lossy::string")]
    pub name: String,
    pub status: TestStatus,
    pub ms: u64,
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// Unity's frame format: `Ns.Class:Method () (at Assets/Tests/FooTests.cs:42)`.
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub stack: Option<String>,
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub output: Option<String>,
    /// The test method's source, relative to the project or absolute.
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub file: Option<String>,
    #[serde(
        default,
        deserialize_with = "position::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub line: Option<u32>,
    /// NUnit's ResultState when it says more than `status` (`Failed:Error`, `Skipped:Ignored`).
    #[serde(
        default,
        deserialize_with = "lossy::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCounts {
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    pub inconclusive: u32,
    pub ms: u64,
    /// The run was cancelled (from Neovim or in Unity's Test Runner window).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NvimHello {
    pub protocol: u32,
    #[serde(deserialize_with = "lossy::string")]
    pub client: String,
    pub pid: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmd {
    pub id: u64,
    #[serde(deserialize_with = "lossy::string")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<rmpv::Value>,
}

/// Why a payload could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes one frame payload. Unknown types come back as `Unknown`; anything malformed is an
/// error, never a panic.
pub fn decode<'de, T: Deserialize<'de>>(payload: &'de [u8]) -> Result<T, DecodeError> {
    // Internally tagged enums accept any map; insist on the map the protocol promises first so
    // that a bare string or array payload is reported as what it is.
    match payload.first() {
        Some(0x80..=0x8f | 0xde | 0xdf) => {}
        _ => return Err(DecodeError("payload is not a MessagePack map".into())),
    }
    check_nesting(payload)?;
    rmp_serde::from_slice(payload).map_err(|e| DecodeError(e.to_string()))
}

/// Deepest array/map nesting a payload may have (doc/protocol.md §6).
pub const MAX_NESTING: usize = 100;

/// Walks the MessagePack structure without recursion and rejects nesting deeper than
/// [`MAX_NESTING`] before serde's recursive descent could exhaust the reader thread's stack.
fn check_nesting(p: &[u8]) -> Result<(), DecodeError> {
    let truncated = || DecodeError("truncated MessagePack".into());
    let be = |at: usize, n: usize| -> Result<usize, DecodeError> {
        let b = p.get(at..at + n).ok_or_else(truncated)?;
        Ok(b.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize))
    };
    // Items still to read at each open level.
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    loop {
        if i >= p.len() {
            return Err(truncated());
        }
        let m = p[i];
        // (header bytes, payload bytes to skip, child items)
        let (head, skip, children) = match m {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (1, 0, 0),
            0x80..=0x8f => (1, 0, 2 * (m & 0x0f) as usize),
            0x90..=0x9f => (1, 0, (m & 0x0f) as usize),
            0xa0..=0xbf => (1, (m & 0x1f) as usize, 0),
            0xc4 | 0xd9 => (2, be(i + 1, 1)?, 0),
            0xc5 | 0xda => (3, be(i + 1, 2)?, 0),
            0xc6 | 0xdb => (5, be(i + 1, 4)?, 0),
            0xc7 => (3, be(i + 1, 1)?, 0),
            0xc8 => (4, be(i + 1, 2)?, 0),
            0xc9 => (6, be(i + 1, 4)?, 0),
            0xca => (1, 4, 0),
            0xcb => (1, 8, 0),
            0xcc | 0xd0 => (1, 1, 0),
            0xcd | 0xd1 => (1, 2, 0),
            0xce | 0xd2 => (1, 4, 0),
            0xcf | 0xd3 => (1, 8, 0),
            0xd4 => (2, 1, 0),
            0xd5 => (2, 2, 0),
            0xd6 => (2, 4, 0),
            0xd7 => (2, 8, 0),
            0xd8 => (2, 16, 0),
            0xdc => (3, 0, be(i + 1, 2)?),
            0xdd => (5, 0, be(i + 1, 4)?),
            0xde => (3, 0, 2 * be(i + 1, 2)?),
            0xdf => (5, 0, 2 * be(i + 1, 4)?),
            0xc1 => return Err(DecodeError("invalid MessagePack marker 0xc1".into())),
        };
        i = i.checked_add(head + skip).ok_or_else(truncated)?;
        if i > p.len() {
            return Err(truncated());
        }
        if children > 0 {
            if open.len() == MAX_NESTING {
                return Err(DecodeError(format!(
                    "MessagePack nested deeper than {MAX_NESTING} levels"
                )));
            }
            open.push(children);
            continue;
        }
        // One item finished: close every level it completes.
        loop {
            match open.last_mut() {
                None => return Ok(()),
                Some(left) => {
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                    open.pop();
                }
            }
        }
    }
}

/// Encodes a message as a payload (a map with string keys).
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, DecodeError> {
    let bytes = rmp_serde::to_vec_named(msg).map_err(|e| DecodeError(e.to_string()))?;
    if bytes.len() > crate::frame::MAX_PAYLOAD {
        return Err(DecodeError(format!(
            "message of {} bytes is larger than the 16 MiB a frame carries",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Encodes a message as a complete frame.
pub fn encode_frame<T: Serialize>(msg: &T) -> Result<Vec<u8>, DecodeError> {
    let payload = encode(msg)?;
    let mut out = Vec::with_capacity(payload.len() + 14);
    crate::frame::encode(&payload, &mut out);
    Ok(out)
}

/// Text fields accept invalid UTF-8 (replaced) rather than losing the whole message.
mod lossy {
    use super::*;
    use serde::de::{self, Visitor};

    struct Lossy;

    impl<'de> Visitor<'de> for Lossy {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<String, E> {
            Ok(String::from_utf8_lossy(v).into_owned())
        }
    }

    struct OptLossy;

    impl<'de> Visitor<'de> for OptLossy {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or nil")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            string(d).map(Some)
        }
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_string(Lossy)
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_option(OptLossy)
    }

    struct Strings;

    impl<'de> Visitor<'de> for Strings {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of strings")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(LossyString(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }

    struct LossyString(String);

    impl<'de> Deserialize<'de> for LossyString {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            string(d).map(LossyString)
        }
    }

    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_seq(Strings)
    }
}

/// Unity's line and column numbers: 1-based, with -1 for "none". Any integer width is
/// accepted; below 1 is `None`, above `u32::MAX` is `u32::MAX` (Neovim clamps to the file).
mod position {
    use super::*;
    use serde::de::{self, Visitor};

    struct Position;

    impl<'de> Visitor<'de> for Position {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or nil")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_i64(self)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok((v >= 1).then(|| u32::try_from(v).unwrap_or(u32::MAX)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok((v >= 1).then(|| u32::try_from(v).unwrap_or(u32::MAX)))
        }
    }

    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        d.deserialize_option(Position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmpv::Value;

    fn pack(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, v).unwrap();
        out
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (Value::from(*k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn example_in_the_document() {
        let log = FromUnity::Log(Log {
            seq: 1,
            time: None,
            level: Level::Log,
            message: "hi".into(),
            stack: None,
        });
        let payload = encode(&log).unwrap();
        let expected = "84 a1 74 a3 6c 6f 67 a3 73 65 71 01 a5 6c 65 76 65 6c a3 6c 6f 67 \
                        a7 6d 65 73 73 61 67 65 a2 68 69";
        let hex: Vec<String> = payload.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex.join(" "),
            expected.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let frame = encode_frame(&log).unwrap();
        assert_eq!(
            &frame[..10],
            &[0x55, 0x4e, 0, 0, 0, 0x21, 0xff, 0xff, 0xff, 0xde]
        );
        // doc/protocol.md §7 quotes these four bytes.
        assert_eq!(&frame[43..], &[0x6c, 0xf2, 0xfc, 0x30]);
    }

    #[test]
    fn every_unity_message_round_trips() {
        let msgs = vec![
            FromUnity::Hello(UnityHello {
                protocol: 1,
                unity: "2022.3.10f1".into(),
                project: "/p".into(),
                pid: 42,
                again: Some(true),
                debug_address: Some("127.0.0.1".into()),
                debug_port: Some(56042),
                debug_attach: Some(true),
            }),
            FromUnity::Hello(UnityHello {
                protocol: 1,
                unity: "2021.3.45f1".into(),
                project: "/p".into(),
                pid: 43,
                again: None,
                debug_address: None,
                debug_port: None,
                debug_attach: None,
            }),
            FromUnity::Log(Log {
                seq: 7,
                time: Some(1_700_000_000_000),
                level: Level::Exception,
                message: "boom\nline two".into(),
                stack: Some("A:B () (at Assets/A.cs:3)".into()),
            }),
            FromUnity::Compile(Compile {
                state: CompileState::Finished,
                errors: Some(1),
                warnings: Some(0),
                ms: Some(1234),
                messages: Some(vec![CompilerMessage {
                    file: "Assets/A.cs".into(),
                    line: 3,
                    col: Some(5),
                    severity: Severity::Error,
                    text: "CS0103: nope".into(),
                }]),
            }),
            FromUnity::State(State {
                playing: true,
                paused: false,
                compiling: false,
                optimization: Some(Optimization::Debug),
            }),
            FromUnity::State(State {
                playing: false,
                paused: false,
                compiling: true,
                optimization: None,
            }),
            FromUnity::Reply(Reply {
                id: 9,
                ok: true,
                error: None,
                result: Some(Value::from(vec![Value::from(1), Value::from("x")])),
            }),
            FromUnity::Bye(Bye {
                reason: ByeReason::Reload,
            }),
            FromUnity::Open(Open {
                file: "/p/Assets/A b.cs".into(),
                line: Some(12),
                col: Some(5),
            }),
            FromUnity::Open(Open {
                file: String::new(),
                line: None,
                col: None,
            }),
            FromUnity::Projects(Projects {
                files: vec!["/p/P.sln".into(), "/p/Assembly-CSharp.csproj".into()],
            }),
        ];
        for m in msgs {
            let back: FromUnity = decode(&encode(&m).unwrap()).unwrap();
            assert_eq!(back, m);
        }
    }

    #[test]
    fn an_unknown_optimization_still_reads_the_state() {
        let p = pack(&map(&[
            ("t", "state".into()),
            ("playing", false.into()),
            ("paused", false.into()),
            ("compiling", false.into()),
            ("optimization", "size".into()),
        ]));
        assert_eq!(
            decode::<FromUnity>(&p).unwrap(),
            FromUnity::State(State {
                playing: false,
                paused: false,
                compiling: false,
                optimization: Some(Optimization::Unknown),
            })
        );
    }

    #[test]
    fn unknown_types_and_keys_are_ignored() {
        let p = pack(&map(&[("t", "future".into()), ("x", 1.into())]));
        assert_eq!(decode::<FromUnity>(&p).unwrap(), FromUnity::Unknown);
        let p = pack(&map(&[
            ("t", "bye".into()),
            ("reason", "quit".into()),
            ("extra", Value::from(vec![Value::Nil])),
        ]));
        assert_eq!(
            decode::<FromUnity>(&p).unwrap(),
            FromUnity::Bye(Bye {
                reason: ByeReason::Quit
            })
        );
    }

    /// `again` tells a greeting answering Neovim from a newly opened write end; peers before it
    /// leave it out.
    #[test]
    fn a_hello_says_whether_it_greets_again() {
        let hello = |again: Option<bool>| {
            let mut m = vec![
                ("t", "hello".into()),
                ("protocol", 1.into()),
                ("unity", "6000.0.1f1".into()),
                ("project", "/p".into()),
                ("pid", 7.into()),
            ];
            m.extend(again.map(|a| ("again", Value::from(a))));
            match decode::<FromUnity>(&pack(&map(&m))).unwrap() {
                FromUnity::Hello(h) => h.again,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(hello(Some(true)), Some(true));
        assert_eq!(hello(Some(false)), Some(false));
        assert_eq!(hello(None), None, "an older peer");
    }

    #[test]
    fn integers_of_any_width_are_accepted() {
        for seq in [
            Value::from(5u8),
            Value::from(5u16),
            Value::from(5u64),
            Value::from(5i64),
        ] {
            let p = pack(&map(&[
                ("t", "log".into()),
                ("seq", seq),
                ("level", "warning".into()),
                ("message", "m".into()),
                ("stack", Value::Nil),
            ]));
            match decode::<FromUnity>(&p).unwrap() {
                FromUnity::Log(l) => {
                    assert_eq!(l.seq, 5);
                    assert_eq!(l.stack, None);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn malformed_payloads_are_errors() {
        let bad = vec![
            pack(&Value::from("not a map")),
            pack(&Value::from(vec![Value::from(1)])),
            pack(&map(&[("x", 1.into())])),
            pack(&map(&[("t", 5.into())])),
            pack(&map(&[("t", "log".into()), ("seq", "one".into())])),
            pack(&map(&[
                ("t", "log".into()),
                ("seq", 1.into()),
                ("level", "loud".into()),
                ("message", "m".into()),
            ])),
            pack(&map(&[
                ("t", "reply".into()),
                ("id", (-1).into()),
                ("ok", true.into()),
            ])),
            vec![0x84, 0xa1],
            vec![],
        ];
        for p in bad {
            assert!(decode::<FromUnity>(&p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflowing_the_stack() {
        let mut p = vec![0x82, 0xa1, b't', 0xa5];
        p.extend_from_slice(b"reply");
        p.extend_from_slice(&[0xa6]);
        p.extend_from_slice(b"result");
        p.extend(std::iter::repeat_n(0x91, 100_000));
        p.push(0xc0);
        assert!(decode::<FromUnity>(&p).is_err());
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        let p = pack(&map(&[
            ("t", "log".into()),
            ("seq", 1.into()),
            ("level", "log".into()),
            ("message", Value::Binary(b"bad \xff byte".to_vec())),
        ]));
        match decode::<FromUnity>(&p).unwrap() {
            FromUnity::Log(l) => assert_eq!(l.message, "bad \u{fffd} byte"),
            other => panic!("{other:?}"),
        }
        // A str marker with invalid UTF-8 inside.
        let mut raw = vec![
            0x84, 0xa1, b't', 0xa3, b'l', b'o', b'g', 0xa3, b's', b'e', b'q', 1,
        ];
        raw.extend_from_slice(&[0xa5, b'l', b'e', b'v', b'e', b'l', 0xa3, b'l', b'o', b'g']);
        raw.extend_from_slice(&[
            0xa7, b'm', b'e', b's', b's', b'a', b'g', b'e', 0xa2, 0xc3, 0x28,
        ]);
        match decode::<FromUnity>(&raw).unwrap() {
            FromUnity::Log(l) => assert_eq!(l.message, "\u{fffd}("),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn commands_round_trip() {
        let m = FromNvim::Cmd(Cmd {
            id: 3,
            name: "game.spawn".into(),
            args: Some(map(&[("count", 3.into())])),
        });
        assert_eq!(decode::<FromNvim>(&encode(&m).unwrap()).unwrap(), m);
    }

    fn open_with(line: Value, col: Value) -> Result<FromUnity, DecodeError> {
        decode(&pack(&map(&[
            ("t", "open".into()),
            ("file", "Assets/A.cs".into()),
            ("line", line),
            ("col", col),
        ])))
    }

    #[test]
    fn open_positions_below_one_mean_none_at_any_width() {
        let at = |line: Option<u32>, col: Option<u32>| {
            FromUnity::Open(Open {
                file: "Assets/A.cs".into(),
                line,
                col,
            })
        };
        assert_eq!(open_with((-1).into(), (-1).into()).unwrap(), at(None, None));
        assert_eq!(open_with(0.into(), Value::Nil).unwrap(), at(None, None));
        assert_eq!(
            open_with(7u8.into(), 3i64.into()).unwrap(),
            at(Some(7), Some(3))
        );
        assert_eq!(
            open_with(Value::from(u64::MAX), Value::from(i64::MIN)).unwrap(),
            at(Some(u32::MAX), None)
        );
        // Absent keys, as a peer that knows no line sends it.
        let p = pack(&map(&[("t", "open".into()), ("file", "/abs/B.cs".into())]));
        assert_eq!(
            decode::<FromUnity>(&p).unwrap(),
            FromUnity::Open(Open {
                file: "/abs/B.cs".into(),
                line: None,
                col: None
            })
        );
    }

    #[test]
    fn open_and_projects_keep_invalid_utf8_paths_readable() {
        let p = pack(&map(&[
            ("t", "open".into()),
            ("file", Value::Binary(b"Assets/\xffA.cs".to_vec())),
        ]));
        match decode::<FromUnity>(&p).unwrap() {
            FromUnity::Open(o) => assert_eq!(o.file, "Assets/\u{fffd}A.cs"),
            other => panic!("{other:?}"),
        }
        let p = pack(&map(&[
            ("t", "projects".into()),
            (
                "files",
                Value::from(vec![
                    Value::from("/p/P.sln"),
                    Value::Binary(b"/p/\xfe.csproj".to_vec()),
                ]),
            ),
        ]));
        assert_eq!(
            decode::<FromUnity>(&p).unwrap(),
            FromUnity::Projects(Projects {
                files: vec!["/p/P.sln".into(), "/p/\u{fffd}.csproj".into()]
            })
        );
    }

    #[test]
    fn malformed_open_and_projects_are_errors() {
        let bad = vec![
            pack(&map(&[("t", "open".into())])),
            pack(&map(&[("t", "open".into()), ("file", 5.into())])),
            pack(&map(&[("t", "open".into()), ("file", Value::Nil)])),
            pack(&map(&[("t", "projects".into())])),
            pack(&map(&[
                ("t", "projects".into()),
                ("files", "/p/P.sln".into()),
            ])),
            pack(&map(&[
                ("t", "projects".into()),
                ("files", Value::from(vec![Value::from(1)])),
            ])),
        ];
        for p in bad {
            assert!(decode::<FromUnity>(&p).is_err(), "{p:?}");
        }
        for (line, col) in [
            (Value::from("12"), Value::Nil),
            (Value::from(1.5), Value::Nil),
            (Value::Nil, Value::from(true)),
            (Value::from(vec![Value::from(1)]), Value::Nil),
        ] {
            assert!(
                open_with(line.clone(), col.clone()).is_err(),
                "{line:?} {col:?}"
            );
        }
    }

    fn test_msg(run: &str, event: TestEvent, replay: bool) -> FromUnity {
        FromUnity::Test(Test {
            run: run.into(),
            replay,
            event,
        })
    }

    #[test]
    fn test_messages_round_trip() {
        let msgs = vec![
            test_msg(
                "run-1",
                TestEvent::RunStarted {
                    mode: "edit".into(),
                    total: 3,
                },
                false,
            ),
            test_msg(
                "run-1",
                TestEvent::Finished(TestResult {
                    full_name: "Game.Tests.MathTests.Adds(1,2)".into(),
                    name: "Adds(1,2)".into(),
                    status: TestStatus::Failed,
                    ms: 12,
                    message: Some("Expected: 3\n  But was:  4".into()),
                    stack: Some(
                        "Game.Tests.MathTests:Adds (int,int) (at Assets/Tests/MathTests.cs:42)"
                            .into(),
                    ),
                    output: Some("log line".into()),
                    file: Some("Assets/Tests/MathTests.cs".into()),
                    line: Some(40),
                    state: Some("Failed:Error".into()),
                }),
                true,
            ),
            test_msg(
                "run-1",
                TestEvent::RunFinished(TestCounts {
                    passed: 1,
                    failed: 1,
                    skipped: 1,
                    inconclusive: 0,
                    ms: 3400,
                    cancelled: true,
                }),
                false,
            ),
        ];
        for m in msgs {
            let back: FromUnity = decode(&encode(&m).unwrap()).unwrap();
            assert_eq!(back, m);
        }
    }

    #[test]
    fn test_results_take_what_unity_leaves_out() {
        let p = pack(&map(&[
            ("t", "test".into()),
            ("run", "r".into()),
            ("event", "finished".into()),
            ("full_name", "A.B.C".into()),
            ("name", Value::Binary(b"C\xff".to_vec())),
            ("status", "skipped".into()),
            ("ms", 0u8.into()),
            ("message", Value::Nil),
            ("line", (-1).into()),
            ("future_key", 1.into()),
        ]));
        assert_eq!(
            decode::<FromUnity>(&p).unwrap(),
            test_msg(
                "r",
                TestEvent::Finished(TestResult {
                    full_name: "A.B.C".into(),
                    name: "C\u{fffd}".into(),
                    status: TestStatus::Skipped,
                    ms: 0,
                    message: None,
                    stack: None,
                    output: None,
                    file: None,
                    line: None,
                    state: None,
                }),
                false
            )
        );
    }

    #[test]
    fn malformed_test_messages_are_errors() {
        let finished = |extra: &[(&str, Value)]| {
            let mut pairs = vec![
                ("t", Value::from("test")),
                ("run", "r".into()),
                ("event", "finished".into()),
                ("full_name", "A.B".into()),
                ("name", "B".into()),
                ("status", "passed".into()),
                ("ms", 1.into()),
            ];
            for (k, v) in extra {
                pairs.retain(|(key, _)| key != k);
                if !v.is_nil() {
                    pairs.push((k, v.clone()));
                }
            }
            pack(&map(&pairs))
        };
        assert!(decode::<FromUnity>(&finished(&[])).is_ok());
        let bad = vec![
            finished(&[("status", "exploded".into())]),
            finished(&[("status", Value::Nil)]),
            finished(&[("full_name", Value::Nil)]),
            finished(&[("full_name", 5.into())]),
            finished(&[("ms", (-3).into())]),
            finished(&[("run", Value::Nil)]),
            finished(&[("event", Value::Nil)]),
            finished(&[("line", "12".into())]),
            pack(&map(&[
                ("t", "test".into()),
                ("run", "r".into()),
                ("event", "run_started".into()),
                ("mode", "edit".into()),
            ])),
            pack(&map(&[
                ("t", "test".into()),
                ("run", "r".into()),
                ("event", "run_finished".into()),
                ("passed", 1.into()),
            ])),
        ];
        for p in bad {
            assert!(decode::<FromUnity>(&p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn a_test_event_this_version_does_not_know_is_unknown_not_malformed() {
        let p = pack(&map(&[
            ("t", "test".into()),
            ("run", "r".into()),
            ("event", "run_paused".into()),
            ("at", 3.into()),
        ]));
        match decode::<FromUnity>(&p) {
            Ok(FromUnity::Test(t)) => assert_eq!(t.event, TestEvent::Unknown),
            other => panic!("{other:?}"),
        }
    }
}
