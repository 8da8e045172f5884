//! unity-sim: a simulated Unity editor speaking protocol v1, for `make demo` and the tests.
//!
//! It plays the Unity side of doc/protocol.md: creates the rendezvous, streams a console with
//! stack traces, "compiles" the project (every `#error` / `#warning` directive in Assets/**/*.cs
//! becomes a compiler message, as C# compilers report them), reloads its domain after a good
//! compile, answers play/stop/pause/step/state, and quits on SIGTERM/SIGINT as Unity does.
//!
//! Usage: unity-sim [--project DIR] [--rate LOGS_PER_S] [--backlog N]
//! Test commands it answers besides the built-ins: `sim.log {count, level?, message?, stack?}`,
//! `sim.reload {ms?, keep_open?}`, `sim.torn {}` (a torn frame from a second writer, then good frames),
//! `sim.inject {kind}` (bad input, see `inject`), `sim.flood {count}` (logs that wait for the
//! pipe instead of being dropped), `sim.rate {rate}`, `sim.stats {}` (the last seq),
//! `sim.open {file, line?, col?}` (sends `open` with the values as given, -1 included; the
//! result `{queued_ns}` is CLOCK_MONOTONIC when it was queued, for the bench),
//! `sim.refresh {...}` (how `refresh` behaves, see tools/src/refresh.rs),
//! `sim.tests {...}` (the Test Framework's tests: tools/src/test_runner.rs), and
//! `sim.projects {}` (regenerates the project files as Unity does on its own and, when any was
//! written, sends `projects`). The built-in `sync` writes `<project>/<folder>.sln` and
//! `Assembly-CSharp.csproj` listing Assets/**/*.cs, each only when its text changed.

use crossbeam_channel::{unbounded, Receiver, Sender};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use rmpv::Value;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use unity_native::frame::Decoder;
use unity_native::protocol::*;
use unity_native::transport::{open_fifo, reader_gone, sleep, wait, write_all, Paths, Wait};
use unity_native::wake_pipe::Notifier;
use unity_nvim_tools::args::Spec;
use unity_nvim_tools::files::files_with;
use unity_nvim_tools::refresh::{self, Refresh};
use unity_nvim_tools::rendezvous::create_rendezvous;
use unity_nvim_tools::test_runner::{Outcome, TestRunner};

static QUIT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    QUIT.store(true, Ordering::SeqCst);
}

const UNITY_VERSION: &str = "2022.3.0f1 (unity-sim)";

struct Outbox {
    control: VecDeque<Vec<u8>>,
    logs: VecDeque<Vec<u8>>,
    backlog: usize,
    /// The state frame a newly opened writer sends after its hello.
    state: Option<Vec<u8>>,
    /// A compile summary to send once after the reload that follows a good compile.
    summary: Option<Vec<u8>>,
    /// The last test run, replayed after every greeting (Unity's SessionState copy).
    tests: Vec<Vec<u8>>,
    torn: bool,
}

struct Shared {
    out: Mutex<Outbox>,
    ready: Condvar,
    /// Both pipes are closed while set, as during a domain reload.
    reloading: AtomicBool,
    /// Counts reloads, so that both pipe threads notice even a reload shorter than their waits.
    epoch: AtomicU64,
    /// The command pipe is open for reading: only then may a hello invite commands.
    listening: AtomicBool,
    /// Neovim said hello: greet it again (it may have missed ours).
    greet: AtomicBool,
    stop: Notifier,
}

impl Shared {
    fn control(&self, msg: &FromUnity) {
        let mut o = self.out.lock().unwrap();
        o.control.push_back(encode_frame(msg).expect("encodable"));
        self.ready.notify_all();
    }

    /// Queues raw bytes (fault injection) in order with the control frames.
    fn raw(&self, bytes: Vec<u8>) {
        let mut o = self.out.lock().unwrap();
        o.control.push_back(bytes);
        self.ready.notify_all();
    }

    /// Queues a log frame. When the backlog is full the oldest goes (as in Unity), unless
    /// `wait`: then the game waits for the writer (a flood that must arrive whole).
    fn log(&self, msg: &FromUnity, wait: bool) {
        let mut o = self.out.lock().unwrap();
        while wait && o.logs.len() >= o.backlog && !QUIT.load(Ordering::SeqCst) {
            o = self
                .ready
                .wait_timeout(o, Duration::from_millis(50))
                .unwrap()
                .0;
        }
        if o.logs.len() >= o.backlog {
            o.logs.pop_front(); // oldest first; Neovim sees the gap through seq
        }
        o.logs.push_back(encode_frame(msg).expect("encodable"));
        self.ready.notify_all();
    }
}

static ARGS: Spec = Spec {
    tool: "unity-sim",
    usage: "unity-sim [--project DIR] [--rate LOGS_PER_S] [--backlog N]",
    words: &[],
    options: &["--project", "--rate", "--backlog"],
};

fn main() {
    let args = ARGS.from_env();
    let project = args.get_or("--project", PathBuf::from("."));
    let rate = args.get_or("--rate", 2.0f64);
    let backlog = args.get_or("--backlog", 1000usize);
    let project = std::fs::canonicalize(&project)
        .unwrap_or_else(|e| args.fail(&format!("{}: {e}", project.display())));
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { sigaction(s, &action) }.expect("install signal handler");
    }
    // Unity's Mono runtime ignores SIGPIPE: a departed reader is EPIPE, as the protocol says.
    unsafe {
        sigaction(
            Signal::SIGPIPE,
            &SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty()),
        )
    }
    .expect("ignore SIGPIPE");

    let paths = Paths::new(&project);
    if let Err(e) = create_rendezvous(&paths) {
        eprintln!("unity-sim: cannot create {}: {e}", paths.dir.display());
        std::process::exit(1);
    }
    write_session(&paths);
    eprintln!(
        "unity-sim: editor running in {} (pid {})",
        project.display(),
        std::process::id()
    );

    let shared = Arc::new(Shared {
        out: Mutex::new(Outbox {
            control: VecDeque::new(),
            logs: VecDeque::new(),
            backlog,
            state: None,
            summary: None,
            tests: Vec::new(),
            torn: false,
        }),
        ready: Condvar::new(),
        reloading: AtomicBool::new(false),
        epoch: AtomicU64::new(0),
        listening: AtomicBool::new(false),
        greet: AtomicBool::new(false),
        stop: Notifier::new().expect("pipe"),
    });
    let (cmd_tx, cmd_rx) = unbounded();
    let writer = {
        let (s, p) = (Arc::clone(&shared), paths.clone());
        std::thread::spawn(move || write_loop(&s, &p))
    };
    let reader = {
        let (s, p) = (Arc::clone(&shared), paths.clone());
        std::thread::spawn(move || read_loop(&s, &p, &cmd_tx))
    };
    let mut editor = Editor::new(project, Arc::clone(&shared), rate);
    editor.run(&cmd_rx);

    // Quit as Unity does: say bye, let the writer deliver it, remove the rendezvous.
    shared.control(&FromUnity::Bye(Bye {
        reason: ByeReason::Quit,
    }));
    let deadline = Instant::now() + Duration::from_millis(300);
    while Instant::now() < deadline && !shared.out.lock().unwrap().control.is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    shared.stop.notify();
    shared.ready.notify_all();
    let _ = writer.join();
    let _ = reader.join();
    unity_nvim_tools::rendezvous::remove_rendezvous(&paths);
    eprintln!("unity-sim: quit");
}

/// session.json last and atomically: it is the readiness marker.
fn write_session(paths: &Paths) {
    if let Err(e) = unity_nvim_tools::rendezvous::write_session(paths, UNITY_VERSION) {
        eprintln!("unity-sim: cannot write {}: {e}", paths.session.display());
        std::process::exit(1);
    }
}

/// `again`: greeting Neovim again on a write end already open (see `UnityHello::again`).
fn hello(paths: &Paths, again: bool) -> FromUnity {
    FromUnity::Hello(UnityHello {
        protocol: PROTOCOL_VERSION,
        unity: UNITY_VERSION.into(),
        project: paths.project.to_string_lossy().into_owned(),
        pid: std::process::id(),
        again: Some(again),
        // The simulated editor runs no debugger agent: it speaks as a package before them.
        debug_address: None,
        debug_port: None,
        debug_attach: None,
    })
}

/// The writer thread: `unity-to-nvim`, reopened whenever Neovim leaves or a reload ends.
fn write_loop(s: &Shared, paths: &Paths) {
    while !QUIT.load(Ordering::SeqCst) || !s.out.lock().unwrap().control.is_empty() {
        if s.reloading.load(Ordering::SeqCst) || !s.listening.load(Ordering::SeqCst) {
            if sleep(&s.stop, Duration::from_millis(20)) {
                return;
            }
            continue;
        }
        let epoch = s.epoch.load(Ordering::SeqCst);
        let fd = match open_fifo(paths, &paths.to_nvim, true) {
            Ok(fd) => fd,
            Err(_) => {
                if sleep(&s.stop, Duration::from_millis(100)) {
                    return;
                }
                continue;
            }
        };
        // Hello, the state, and once a compile summary carried over a reload.
        // `summary` only on the greeting that opens the pipe; the others answer Neovim's hello.
        let greeting = |summary: bool| {
            let mut o = s.out.lock().unwrap();
            let mut frames = vec![encode_frame(&hello(paths, !summary)).expect("encodable")];
            frames.extend(o.state.clone());
            frames.extend(o.summary.take().filter(|_| summary));
            frames.extend(o.tests.iter().cloned());
            frames
        };
        s.greet.store(false, Ordering::SeqCst);
        if greeting(true)
            .iter()
            .any(|f| write_all(&fd, f, &s.stop, None).is_err())
        {
            continue;
        }
        loop {
            // A reload closes the pipe once its bye (a control frame) is out.
            if s.epoch.load(Ordering::SeqCst) != epoch && s.out.lock().unwrap().control.is_empty() {
                break;
            }
            if s.greet.swap(false, Ordering::SeqCst)
                && greeting(false)
                    .iter()
                    .any(|f| write_all(&fd, f, &s.stop, None).is_err())
            {
                break;
            }
            let (frame, is_log, torn) = {
                let mut o = s.out.lock().unwrap();
                if o.control.is_empty() && o.logs.is_empty() && !o.torn {
                    o = s
                        .ready
                        .wait_timeout(o, Duration::from_millis(100))
                        .unwrap()
                        .0;
                }
                if std::mem::take(&mut o.torn) {
                    (None, false, true)
                } else if let Some(f) = o.control.pop_front() {
                    (Some(f), false, false)
                } else if let Some(f) = o.logs.pop_front() {
                    s.ready.notify_all(); // room for a waiting flood
                    (Some(f), true, false)
                } else {
                    (None, false, false)
                }
            };
            if torn {
                tear(paths);
                continue;
            }
            let Some(frame) = frame else {
                if reader_gone(&fd) || s.stop.is_set() {
                    break;
                }
                continue;
            };
            if write_all(&fd, &frame, &s.stop, None).is_err() {
                // Not delivered whole: sent again whole to the next reader (a torn prefix is skipped).
                let mut o = s.out.lock().unwrap();
                if is_log {
                    o.logs.push_front(frame)
                } else {
                    o.control.push_front(frame)
                }
                break;
            }
        }
    }
}

/// A second writer dies half way through a frame while ours stays open: the reader sees no
/// end of stream, only a torn frame merged into the byte stream.
fn tear(paths: &Paths) {
    let frame = encode_frame(&FromUnity::Log(Log {
        seq: u64::MAX,
        time: None,
        level: Level::Log,
        message: "this frame is torn and must never be shown".repeat(20),
        stack: None,
    }))
    .expect("encodable");
    if let Ok(fd) = open_fifo(paths, &paths.to_nvim, true) {
        let _ = nix::unistd::write(&fd, &frame[..frame.len() / 2]);
    }
}

/// The reader thread: commands from `nvim-to-unity`, kept open so that Neovim can connect.
fn read_loop(s: &Shared, paths: &Paths, cmds: &Sender<Cmd>) {
    let mut buf = vec![0u8; 65536];
    // After an end of stream the old descriptor stays open until the new one is (see the
    // Neovim reader): commands written in between stay in the pipe.
    let mut previous = None;
    while !QUIT.load(Ordering::SeqCst) {
        if s.reloading.load(Ordering::SeqCst) {
            if sleep(&s.stop, Duration::from_millis(20)) {
                return;
            }
            continue;
        }
        let epoch = s.epoch.load(Ordering::SeqCst);
        let opened = open_fifo(paths, &paths.to_unity, false);
        drop(previous.take());
        let Ok(fd) = opened else {
            if sleep(&s.stop, Duration::from_millis(100)) {
                return;
            }
            continue;
        };
        s.listening.store(true, Ordering::SeqCst);
        let mut dec = Decoder::new();
        loop {
            match wait(
                &fd,
                nix::poll::PollFlags::POLLIN,
                &s.stop,
                Some(Duration::from_millis(50)),
            ) {
                Wait::Stopped => return,
                Wait::TimedOut => {
                    if dec.pending() > 0 {
                        dec.unstick();
                    }
                }
                Wait::Ready => match nix::unistd::read(&fd, &mut buf) {
                    Ok(0) => {
                        previous = Some(fd);
                        break;
                    }
                    Ok(n) => dec.push(&buf[..n]),
                    Err(_) => {}
                },
            }
            while let Some(item) = dec.next_item() {
                if let unity_native::frame::Item::Frame(p) = item {
                    match decode::<FromNvim>(p) {
                        Ok(FromNvim::Cmd(c)) => {
                            let _ = cmds.send(c);
                        }
                        Ok(FromNvim::Hello(_)) => {
                            s.greet.store(true, Ordering::SeqCst);
                            s.ready.notify_all();
                        }
                        _ => {}
                    }
                }
            }
            // Commands read before a reload are still run (by the editor loop).
            if s.epoch.load(Ordering::SeqCst) != epoch {
                s.listening.store(false, Ordering::SeqCst);
                break;
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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
    refresh: Refresh,
    tests: TestRunner,
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
            refresh: Refresh::new(&project),
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
            tests: TestRunner::default(),
        };
        e.set_state(e.state);
        e
    }

    fn run(&mut self, cmds: &Receiver<Cmd>) {
        let mut next_log = Instant::now();
        while !QUIT.load(Ordering::SeqCst) {
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
                self.shared.reloading.store(false, Ordering::SeqCst);
            }
            let mut tested = Outcome::default();
            self.tests
                .tick(now, self.reload_until.is_some(), &mut tested);
            self.tested(tested);
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
            time: Some(now_ms()),
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

    /// Sends what the simulated Test Framework produced and keeps its run for replays.
    fn tested(&mut self, out: Outcome) {
        if out.send.is_empty() {
            return;
        }
        for m in &out.send {
            self.shared.control(m);
        }
        let kept = self.tests.replay().iter();
        self.shared.out.lock().unwrap().tests =
            kept.map(|m| encode_frame(m).expect("encodable")).collect();
        if out.reload {
            self.reload(Duration::from_millis(300));
        }
    }

    fn command(&mut self, cmd: Cmd) {
        let mut tested = Outcome::default();
        if let Some(result) = self.tests.command(&cmd.name, &cmd.args, &mut tested) {
            self.reply(cmd.id, result);
            self.tested(tested);
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
            "refresh" => {
                let outcome = self.refresh.decide(&self.project, st.playing, st.compiling);
                if outcome == refresh::Outcome::Compile {
                    self.start_compile();
                }
                Ok(self.refresh.result(outcome, st.compiling))
            }
            "sim.refresh" => Ok(Some(self.refresh.configure(cmd.args.as_ref()))),
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
                    self.shared
                        .control(&hello(&Paths::new(&self.project), false));
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
            "sync" => sync_projects(&self.project)
                .map(|files| Some(Value::Map(vec![("files".into(), paths_value(&files))]))),
            "sim.projects" => sync_projects(&self.project).map(|files| {
                if !files.is_empty() {
                    self.shared.control(&FromUnity::Projects(Projects {
                        files: files.clone(),
                    }));
                }
                Some(paths_value(&files))
            }),
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
                let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
                    .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
                    .unwrap_or(0);
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
        self.refresh.compiling(&self.project);
        let started = Instant::now();
        let messages = scan_directives(&self.project.join("Assets"), &self.project);
        let count = |s: Severity| messages.iter().filter(|m| m.severity == s).count() as u32;
        let ms = match self.refresh.compile_ms {
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
            self.shared.out.lock().unwrap().summary = Some(encode_frame(&msg).expect("encodable"));
            self.reload(Duration::from_millis(self.refresh.reload_ms));
        }
    }

    fn reload(&mut self, takes: Duration) {
        self.shared.control(&FromUnity::Bye(Bye {
            reason: ByeReason::Reload,
        }));
        self.shared.reloading.store(true, Ordering::SeqCst);
        self.shared.epoch.fetch_add(1, Ordering::SeqCst);
        self.shared.ready.notify_all();
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

fn paths_value(files: &[String]) -> Value {
    Value::Array(files.iter().map(|f| Value::from(f.as_str())).collect())
}

/// Stand-in project files: a solution named after the project folder and one project listing
/// every script under Assets/. A file is written only when its text changed (as Unity's
/// generator does); returns the absolute paths written.
fn sync_projects(project: &Path) -> Result<Vec<String>, String> {
    let scripts: Vec<String> = files_with(&project.join("Assets"), &["cs"])
        .iter()
        .map(|p| relative(p, project))
        .collect();
    let compile: String = scripts
        .iter()
        .map(|s| format!("    <Compile Include=\"{s}\" />\n"))
        .collect();
    let csproj = format!(
        "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n{compile}  </ItemGroup>\n</Project>\n"
    );
    let name = project
        .file_name()
        .map_or_else(|| "Project".into(), |n| n.to_string_lossy().into_owned());
    let sln = "Microsoft Visual Studio Solution File, Format Version 12.00\n\
               Project(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"Assembly-CSharp\", \
               \"Assembly-CSharp.csproj\", \"{00000000-0000-0000-0000-000000000001}\"\nEndProject\n";
    let mut written = Vec::new();
    for (path, text) in [
        (project.join(format!("{name}.sln")), sln.to_owned()),
        (project.join("Assembly-CSharp.csproj"), csproj),
    ] {
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.to_string_lossy().into_owned());
    }
    Ok(written)
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
