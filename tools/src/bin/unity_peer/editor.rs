//! `unity-peer editor`: a Unity editor as far as the protocol goes, for `make demo` and the
//! wire's specs.
//!
//! It streams a console with stack traces, "compiles" the project (every `#error` / `#warning`
//! directive in Assets/**/*.cs becomes a compiler message, as C# compilers report them),
//! reloads its domain after a good compile, answers play/stop/pause/step/state, and quits on
//! SIGTERM/SIGINT as Unity does.
//!
//! Test commands it answers besides the built-ins: `sim.log {count, level?, message?, stack?}`,
//! `sim.reload {ms?, keep_open?, bye?}`, `sim.torn {}` (a torn frame from a second writer, then
//! good frames), `sim.inject {kind}` (bad input, see `inject`), `sim.flood {count}` (logs that
//! wait for the pipe instead of being dropped), `sim.rate {rate}`, `sim.stats {}` (the last
//! seq), `sim.open {file, line?, col?}` (sends `open` with the values as given, -1 included; the
//! result `{queued_ns}` is CLOCK_MONOTONIC when it was queued, for the bench). `refresh` is
//! answered as a package older than the refresh result. With `--test-flood N`, `tests.run`
//! starts the benchmark's run of N results (test_flood.rs); without, `tests.*` are unknown
//! names, as in a project without the Test Framework.

use crossbeam_channel::{unbounded, Receiver};
use rmpv::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unity_native::protocol::*;
use unity_nvim_tools::args::Spec;
use unity_nvim_tools::files::files_with;
use unity_nvim_tools::link::{self, Link, Shared};

use crate::report::{mono_ns, unix_ms};
use crate::test_flood::TestFlood;

const UNITY_VERSION: &str = "2022.3.0f1 (unity-peer)";

pub static ARGS: Spec = Spec {
    tool: "unity-peer editor",
    usage: "unity-peer editor [--project DIR] [--rate LOGS_PER_S] [--backlog N] [--compile-ms MS] [--reload-ms MS] [--test-flood N [--fail-every K]]",
    options: &[
        "--project",
        "--rate",
        "--backlog",
        "--compile-ms",
        "--reload-ms",
        "--test-flood",
        "--fail-every",
    ],
};

pub fn main(argv: impl Iterator<Item = String>) {
    let args = ARGS.parse(argv);
    let project = args.get_or("--project", PathBuf::from("."));
    let rate = args.get_or("--rate", 2.0f64);
    let backlog = args.get_or("--backlog", 1000usize);
    let project = link::project_dir(&project).unwrap_or_else(|e| args.fail(&e));
    link::quit_on_signals();
    link::ignore_sigpipe();
    let paths = link::announce(&project, UNITY_VERSION).unwrap_or_else(|e| {
        eprintln!("unity-peer: {e}");
        std::process::exit(1);
    });
    eprintln!(
        "unity-peer: editor running in {} (pid {})",
        project.display(),
        std::process::id()
    );
    let (cmd_tx, cmd_rx) = unbounded();
    let link = Link::start(paths, UNITY_VERSION, backlog, cmd_tx);
    let mut editor = Editor::new(project, Arc::clone(&link.shared), rate);
    editor.compile_ms = args.get("--compile-ms");
    editor.reload_ms = args.get_or("--reload-ms", 500);
    editor.tests = args.get("--test-flood").map(|count| TestFlood {
        count,
        fail_every: args.get_or("--fail-every", 10),
    });
    editor.run(&cmd_rx);
    link.quit();
    eprintln!("unity-peer: quit");
}

fn get<'a>(args: &'a Option<Value>, key: &str) -> Option<&'a Value> {
    args.as_ref()?
        .as_map()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// The editor's main thread.
struct Editor {
    project: PathBuf,
    shared: Arc<Shared>,
    rate: f64,
    seq: u64,
    state: State,
    compile_done_at: Option<(Instant, Compile)>,
    reload_until: Option<Instant>,
    rng: u64,
    /// How long a compile takes (None: 400-800 ms) and the reload after a good one.
    compile_ms: Option<u64>,
    reload_ms: u64,
    /// `tests.run`'s answer, with --test-flood.
    tests: Option<TestFlood>,
}

/// Game code that logs, with the stack traces Unity attaches (paths into the demo project).
const SCRIPT: &[(Level, &str, &str)] = &[
    (Level::Log, "[Player] Spawned at (3.2, 0.0, 1.5)", "Game.Player:Start () (at Assets/Scripts/Player.cs:14)"),
    (Level::Log, "[Enemy] Wave 3 started: 12 enemies", "Game.EnemySpawner:SpawnWave (int) (at Assets/Scripts/EnemySpawner.cs:28)\nGame.EnemySpawner:Update () (at Assets/Scripts/EnemySpawner.cs:18)"),
    (Level::Warning, "Texture 'Grass_Albedo' has no mipmaps; it will alias at distance", "Game.Terrain:Awake () (at Assets/Scripts/Terrain.cs:9)"),
    (Level::Log, "<b>Score</b> <color=yellow>1250</color>", "Game.Score:Add (int) (at Assets/Scripts/Score.cs:22)"),
    (Level::Error, "Enemy prefab is missing a Rigidbody", "Game.EnemySpawner:SpawnWave (int) (at Assets/Scripts/EnemySpawner.cs:32)\nGame.EnemySpawner:Update () (at Assets/Scripts/EnemySpawner.cs:18)"),
    (Level::Exception, "NullReferenceException: Object reference not set to an instance of an object", "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)\nUnityEngine.Internal.Loop:Tick () (at <a1b2c3d4e5f6>:0)"),
];

impl Editor {
    fn new(project: PathBuf, shared: Arc<Shared>, rate: f64) -> Self {
        let mut e = Self {
            project,
            shared,
            rate,
            seq: 0,
            state: State {
                playing: false,
                paused: false,
                compiling: false,
                optimization: None,
            },
            compile_done_at: None,
            reload_until: None,
            rng: 0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64,
            tests: None,
            compile_ms: None,
            reload_ms: 500,
        };
        e.set_state(e.state);
        e
    }

    fn run(&mut self, cmds: &Receiver<Cmd>) {
        let mut next_log = Instant::now();
        while !link::quitting() {
            let now = Instant::now();
            while let Ok(cmd) = cmds.try_recv() {
                self.command(cmd);
            }
            if self.rate > 0.0 && now >= next_log {
                self.game_log();
                next_log = now + Duration::from_secs_f64(1.0 / self.rate);
            }
            if self
                .compile_done_at
                .as_ref()
                .is_some_and(|(t, _)| now >= *t)
            {
                let (_, summary) = self
                    .compile_done_at
                    .take()
                    .unwrap_or_else(|| unreachable!());
                self.finish_compile(summary);
            }
            if self.reload_until.is_some_and(|t| now >= t) {
                self.reload_until = None;
                self.shared.reloaded();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn next_rand(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn log(&mut self, level: Level, message: String, stack: Option<String>) {
        self.log_with(level, message, stack, false);
    }

    fn log_with(&mut self, level: Level, message: String, stack: Option<String>, wait: bool) {
        self.seq += 1;
        let msg = FromUnity::Log(Log {
            seq: self.seq,
            time: Some(unix_ms()),
            level,
            message,
            stack,
        });
        self.shared.log(&msg, wait);
    }

    fn game_log(&mut self) {
        // Mostly ordinary logs, now and then a warning, an error or an exception.
        let r = self.next_rand() % 100;
        let i = match r {
            0..=1 => 5,
            2..=4 => 4,
            5..=14 => 2,
            15..=29 => 3,
            30..=59 => 1,
            _ => 0,
        };
        let (level, message, stack) = SCRIPT[i];
        self.log(level, message.into(), Some(stack.into()));
    }

    fn set_state(&mut self, state: State) {
        self.state = state;
        let frame = encode_frame(&FromUnity::State(state)).expect("encodable");
        let mut o = self.shared.out.lock().unwrap();
        // A writer opened later greets with the current state.
        o.state = Some(frame.clone());
        o.control.push_back(frame);
        self.shared.ready.notify_all();
    }

    fn reply(&self, id: u64, result: Result<Option<Value>, String>) {
        let (ok, error, result) = match result {
            Ok(r) => (true, None, r),
            Err(e) => (false, Some(e), None),
        };
        self.shared.control(&FromUnity::Reply(Reply {
            id,
            ok,
            error,
            result,
        }));
    }

    fn state_value(&self) -> Value {
        Value::Map(vec![
            ("playing".into(), self.state.playing.into()),
            ("paused".into(), self.state.paused.into()),
            ("compiling".into(), self.state.compiling.into()),
        ])
    }

    fn command(&mut self, cmd: Cmd) {
        if let (Some(flood), "tests.run") = (&self.tests, cmd.name.as_str()) {
            let run = format!("flood-{}", cmd.id);
            self.reply(
                cmd.id,
                Ok(Some(Value::Map(vec![("run".into(), run.clone().into())]))),
            );
            for m in flood.run(&run) {
                self.shared.control(&m);
            }
            return;
        }
        let mut st = self.state;
        let result = match cmd.name.as_str() {
            "compile" => {
                if !st.compiling {
                    self.start_compile();
                }
                Ok(Some(Value::Map(vec![("requested".into(), true.into())])))
            }
            // As a package older than the refresh result (doc/protocol.md): no result, and
            // this peer compiles on every refresh.
            "refresh" => {
                if !st.compiling {
                    self.start_compile();
                }
                Ok(None)
            }
            "play" => {
                st.playing = true;
                Ok(None)
            }
            "stop" => {
                st.playing = false;
                st.paused = false;
                Ok(None)
            }
            "pause" => {
                st.paused = !st.paused;
                Ok(None)
            }
            "step" => {
                st.paused = true;
                Ok(None)
            }
            "state" => Ok(None),
            "sim.log" => {
                let count = get(&cmd.args, "count").and_then(Value::as_u64).unwrap_or(1);
                let level = match get(&cmd.args, "level")
                    .and_then(Value::as_str)
                    .unwrap_or("log")
                {
                    "warning" => Level::Warning,
                    "error" => Level::Error,
                    "exception" => Level::Exception,
                    "assert" => Level::Assert,
                    _ => Level::Log,
                };
                let text = get(&cmd.args, "message")
                    .and_then(Value::as_str)
                    .unwrap_or("sim message")
                    .to_owned();
                let stack = get(&cmd.args, "stack")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                for i in 0..count {
                    self.log(level, format!("{text} {}", i + 1), stack.clone());
                }
                Ok(Some(Value::from(count)))
            }
            "sim.reload" => {
                if get(&cmd.args, "keep_open").and_then(Value::as_bool) == Some(true) {
                    // What Neovim sees when the new domain's writer opens before Neovim read
                    // the old one's end of stream: bye, then hello, with no end between; with
                    // `bye = false`, the bye did not make it out within its time (a full pipe).
                    if get(&cmd.args, "bye").and_then(Value::as_bool) != Some(false) {
                        self.shared.control(&FromUnity::Bye(Bye {
                            reason: ByeReason::Reload,
                        }));
                    }
                    self.shared.control(&self.shared.hello(false));
                } else {
                    let ms = get(&cmd.args, "ms").and_then(Value::as_u64).unwrap_or(500);
                    self.reload(Duration::from_millis(ms));
                }
                Ok(None)
            }
            "sim.stats" => Ok(Some(Value::Map(vec![("seq".into(), self.seq.into())]))),
            "sim.rate" => {
                self.rate = get(&cmd.args, "rate")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                Ok(None)
            }
            "sim.flood" => {
                let count = get(&cmd.args, "count")
                    .and_then(Value::as_u64)
                    .unwrap_or(1000);
                for i in 0..count {
                    let stack = (i % 5 == 0).then(|| SCRIPT[5].2.to_owned());
                    self.log_with(
                        Level::Log,
                        format!(
                            "flood {} of {count}: the quick brown fox jumps over the lazy dog",
                            i + 1
                        ),
                        stack,
                        true,
                    );
                }
                Ok(Some(Value::from(count)))
            }
            "sim.inject" => {
                let kind = get(&cmd.args, "kind")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                self.inject(&kind).map(|()| None)
            }
            "sim.open" => {
                // Built by hand so that what the test gives (-1, absent keys) goes out as is.
                let mut open = vec![("t".into(), "open".into())];
                for key in ["file", "line", "col"] {
                    if let Some(v) = get(&cmd.args, key) {
                        open.push((key.into(), v.clone()));
                    }
                }
                let mut payload = Vec::new();
                rmpv::encode::write_value(&mut payload, &Value::Map(open)).expect("in memory");
                let mut frame = Vec::new();
                unity_native::frame::encode(&payload, &mut frame);
                let now = mono_ns();
                self.shared.raw(frame);
                Ok(Some(Value::Map(vec![("queued_ns".into(), now.into())])))
            }
            "sim.torn" => {
                let mut o = self.shared.out.lock().unwrap();
                o.torn = true;
                self.shared.ready.notify_all();
                Ok(None)
            }
            other => Err(format!("no command named '{other}' is registered in Unity")),
        };
        let stateful = matches!(
            cmd.name.as_str(),
            "play" | "stop" | "pause" | "step" | "state"
        );
        if st != self.state {
            self.set_state(st);
            if cmd.name == "play" {
                self.log(Level::Log, "Entered play mode".into(), None);
            }
        }
        let result = if stateful {
            result.map(|_| Some(self.state_value()))
        } else {
            result
        };
        self.reply(cmd.id, result);
    }

    fn start_compile(&mut self) {
        let mut st = self.state;
        st.compiling = true;
        self.shared.control(&FromUnity::Compile(Compile {
            state: CompileState::Started,
            errors: None,
            warnings: None,
            ms: None,
            messages: None,
        }));
        self.set_state(st);
        let started = Instant::now();
        let messages = scan_directives(&self.project.join("Assets"), &self.project);
        let count = |s: Severity| messages.iter().filter(|m| m.severity == s).count() as u32;
        let ms = match self.compile_ms {
            Some(ms) => ms,
            None => 400 + (self.next_rand() % 400),
        };
        self.compile_done_at = Some((
            started + Duration::from_millis(ms),
            Compile {
                state: CompileState::Finished,
                errors: Some(count(Severity::Error)),
                warnings: Some(count(Severity::Warning)),
                ms: Some(ms),
                messages: Some(messages),
            },
        ));
    }

    fn finish_compile(&mut self, summary: Compile) {
        let ok = summary.errors == Some(0);
        let msg = FromUnity::Compile(summary);
        self.shared.control(&msg);
        let mut st = self.state;
        st.compiling = false;
        self.set_state(st);
        if ok {
            // Unity reloads after a good compile and sends the summary again afterwards.
            self.shared.out.lock().unwrap().once = Some(encode_frame(&msg).expect("encodable"));
            self.reload(Duration::from_millis(self.reload_ms));
        }
    }

    fn reload(&mut self, takes: Duration) {
        self.shared.reload();
        self.reload_until = Some(Instant::now() + takes);
    }

    /// Bad input on Unity's pipe (doc/protocol.md §3): what Neovim must survive, counting each
    /// bad frame once. Kinds that are valid logs take a `seq` like any other.
    fn inject(&mut self, kind: &str) -> Result<(), String> {
        let payload_frame = |payload: &[u8]| {
            let mut f = Vec::new();
            unity_native::frame::encode(payload, &mut f);
            f
        };
        let log_payload = |seq: u64, message: &[u8]| {
            // A hand-made map so that the message bytes go out exactly as given.
            let mut p = vec![
                0x84, 0xa1, b't', 0xa3, b'l', b'o', b'g', 0xa3, b's', b'e', b'q', 0xcf,
            ];
            p.extend_from_slice(&seq.to_be_bytes());
            p.extend_from_slice(&[0xa5, b'l', b'e', b'v', b'e', b'l', 0xa3, b'l', b'o', b'g']);
            p.extend_from_slice(&[0xa7, b'm', b'e', b's', b's', b'a', b'g', b'e', 0xdb]);
            p.extend_from_slice(&(message.len() as u32).to_be_bytes());
            p.extend_from_slice(message);
            p
        };
        let state = || encode_frame(&FromUnity::State(self.state)).expect("encodable");
        let bytes = match kind {
            "garbage" => (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
                .collect(),
            "bad_crc" => {
                let mut f = state();
                let n = f.len();
                f[n - 1] ^= 0xff;
                f
            }
            "bad_magic" => {
                let mut f = state();
                f[0] = b'X';
                f
            }
            "zero_len" => vec![0x55, 0x4e, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
            "huge_len" => {
                let n: u32 = 16 * 1024 * 1024 + 1;
                [
                    &[0x55, 0x4e][..],
                    &n.to_be_bytes(),
                    &(!n).to_be_bytes(),
                    b"nonsense",
                ]
                .concat()
            }
            "truncated_msgpack" => payload_frame(&[0x84, 0xa1, b't', 0xa3, b'l', b'o']),
            "not_a_map" => payload_frame(&[0x93, 1, 2, 3]),
            "wrong_types" => payload_frame(&[
                0x82, 0xa1, b't', 0xa3, b'l', b'o', b'g', 0xa3, b's', b'e', b'q', 0xa3, b'o', b'n',
                b'e',
            ]),
            "deep_nesting" => {
                let mut p = vec![0x82, 0xa1, b't', 0xa5, b'r', b'e', b'p', b'l', b'y', 0xa6];
                p.extend_from_slice(b"result");
                p.extend(std::iter::repeat_n(0x91, 5000));
                p.push(0xc0);
                payload_frame(&p)
            }
            "big" => {
                self.seq += 1;
                let text = format!("big message of 10 MB: {}", "0123456789".repeat(1_000_000));
                payload_frame(&log_payload(self.seq, text.as_bytes()))
            }
            "invalid_utf8" => {
                self.seq += 1;
                payload_frame(&log_payload(self.seq, b"invalid utf8 \xff\xfe here"))
            }
            "control_chars" => {
                self.seq += 1;
                let text: &[u8] = b"nul\x00 newline\nsecond line\r\n\x1b[31mred\x1b[0m \x1b]0;title\x07 bell\x07 tab\t.";
                payload_frame(&log_payload(self.seq, text))
            }
            // A peer that lost its counter (SessionState gone, another package version): it
            // numbers afresh from 1 within the same editor session.
            "renumber" => {
                self.seq = 1;
                payload_frame(&log_payload(1, b"numbered afresh"))
            }
            other => return Err(format!("unknown injection '{other}'")),
        };
        self.shared.raw(bytes);
        Ok(())
    }
}

/// `path` relative to the project, as Unity names scripts.
fn relative(path: &Path, project: &Path) -> String {
    path.strip_prefix(project)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn scan_directives(dir: &Path, project: &Path) -> Vec<CompilerMessage> {
    let mut out = Vec::new();
    for path in files_with(dir, &["cs"]) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let rel = relative(&path, project);
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let col = (line.len() - trimmed.len() + 1) as u32;
            let (severity, code, rest) = if let Some(r) = trimmed.strip_prefix("#error") {
                (Severity::Error, "CS1029", r)
            } else if let Some(r) = trimmed.strip_prefix("#warning") {
                (Severity::Warning, "CS1030", r)
            } else {
                continue;
            };
            out.push(CompilerMessage {
                file: rel.clone(),
                line: i as u32 + 1,
                col: Some(col),
                severity,
                text: format!(
                    "{code}: #{}: '{}'",
                    if severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    },
                    rest.trim()
                ),
            });
        }
    }
    out
}
