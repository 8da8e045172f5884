//! unity-flood: the benchmark's Unity peer and its Rust-only measurements (see tests/bench/ and
//! doc/performance.md).
//!
//! Subcommands (every result is one JSON object on a line of stdout):
//!
//! - `fifo-limit [--secs S]`: raw FIFO throughput on this machine, no Neovim: 64 KiB writes
//!   (bytes/s), then realistic frames written one per `write` (frames/s). A reader thread in the
//!   same process reads with 64 KiB `read`s.
//! - `decode-bench [--frames N] [--runs R]`: the crate's reader alone: `frame::Decoder` plus
//!   `protocol::decode::<FromUnity>` over an in-memory stream of realistic frames, fed in 64 KiB
//!   chunks; and what counting an exception at its site costs the drain (`sites_record_ns`).
//! - `peer --project DIR [--count N] [--mode flood|latency|idle] [--rate R]`: a Unity editor as
//!   far as the wire goes. Creates the rendezvous as Unity does (folder, FIFOs, `session.json`
//!   written last and atomically), opens its read end of `nvim-to-unity`, waits until Neovim's
//!   reader has `unity-to-nvim` open, writes `hello`, prints `{"ready":true}` and then obeys its
//!   stdin, one word a line: `go` sends one batch (N log frames as fast as the pipe takes them,
//!   or N frames at R per second for `latency`, each carrying its CLOCK_MONOTONIC write time as
//!   `t=<ns>` in the message; `rate`: the same without it) and prints what it did; `quit` or
//!   end of input leaves. `--kind exceptions` makes every message an exception thrown at one of
//!   20 places in `Assets/Scripts` (the runtime-exceptions bench).
//! - `peer --text FILE ...`: the same messages appended as text lines to FILE (what `tail -f` on
//!   Editor.log shows), no FIFO.
//!
//! Every message ends with ` (#<seq>)`; the last one of a batch never has a stack trace, so a
//! reader can tell when the last line of a batch has arrived. Times are CLOCK_MONOTONIC in
//! nanoseconds (the clock of Neovim's `vim.uv.hrtime()` and Python's `time.monotonic_ns()`).

use nix::errno::Errno;
use nix::libc;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::io::{BufRead, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use unity_native::frame::{Decoder, Item};
use unity_native::log::look::Look;
use unity_native::log::sites::Sites;
use unity_native::log::Entry;
use unity_native::protocol::{
    decode, encode_frame, FromUnity, Level, Log, UnityHello, PROTOCOL_VERSION,
};
use unity_native::transport::{open_fifo, OpenError, Paths};
use unity_nvim_tools::args::Spec;
use unity_nvim_tools::json::quote;
use unity_nvim_tools::rendezvous::create_rendezvous;

const UNITY_VERSION: &str = "2022.3.0f1 (unity-flood)";

/// CLOCK_MONOTONIC in nanoseconds (nix re-exports libc; no extra crate or feature needed).
fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid pointer to a timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn die(msg: &str) -> ! {
    eprintln!("unity-flood: {msg}");
    std::process::exit(2);
}

/// Prints one JSON object built from (key, already-encoded value) pairs.
fn emit(fields: &[(&str, String)]) {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", quote(k)))
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{{{}}}", body.join(","));
    let _ = out.flush();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

// ---------------------------------------------------------------------------------------------
// Realistic console messages.

/// Deterministic game-like console output: mostly plain logs of 60-250 characters, some
/// warnings and errors, and one message in five with a five-frame stack trace.
struct Gen {
    rng: u64,
    seq: u64,
    /// Exceptions thrown at `EXCEPTION_SITES` places in the project's scripts instead of a
    /// console's mix (`--kind exceptions`).
    exceptions: bool,
}

/// Places the exceptions of `--kind exceptions` are thrown at.
const EXCEPTION_SITES: u64 = 20;

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
    fn new() -> Self {
        Self {
            rng: 0x9E37_79B9_7F4A_7C15,
            seq: 0,
            exceptions: false,
        }
    }

    fn next_rand(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// The next message; `last` marks the final message of a batch (never a stack trace).
    fn message(&mut self, last: bool) -> Log {
        if self.exceptions {
            return self.exception(last);
        }
        self.seq += 1;
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
        Log {
            seq: self.seq,
            time: Some(unix_ms()),
            level,
            message,
            stack,
        }
    }

    /// An exception at one of `EXCEPTION_SITES` places in Assets/Scripts/Enemy<k>.cs (line
    /// 10 + k), its first line the same at every place; the last one of a batch is a plain log.
    fn exception(&mut self, last: bool) -> Log {
        self.seq += 1;
        let k = self.next_rand() % EXCEPTION_SITES;
        let (level, message, stack) = if last {
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
        };
        Log {
            seq: self.seq,
            time: Some(unix_ms()),
            level,
            message,
            stack,
        }
    }

    fn frame(&mut self, last: bool) -> Vec<u8> {
        encode_frame(&FromUnity::Log(self.message(last))).expect("encodable")
    }

    fn frames(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| self.frame(i + 1 == n)).collect()
    }
}

fn size_stats(frames: &[Vec<u8>]) -> Vec<(&'static str, String)> {
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

// ---------------------------------------------------------------------------------------------
// Arguments.

struct Options {
    sub: String,
    project: Option<PathBuf>,
    text: Option<PathBuf>,
    count: usize,
    mode: String,
    rate: f64,
    secs: f64,
    runs: usize,
    frames: usize,
    open_timeout: f64,
    max_secs: f64,
    kind: String,
}

static ARGS: Spec = Spec {
    tool: "unity-flood",
    usage: "unity-flood fifo-limit [--secs S] [--runs R]
       unity-flood decode-bench [--frames N] [--runs R]
       unity-flood peer (--project DIR | --text FILE) [--count N] [--mode flood|latency|rate|idle] [--rate R] [--kind logs|exceptions] [--open-timeout S] [--max-secs S]",
    words: &["subcommand"],
    options: &[
        "--project",
        "--text",
        "--count",
        "--mode",
        "--rate",
        "--secs",
        "--runs",
        "--frames",
        "--open-timeout",
        "--max-secs",
        "--kind",
    ],
};

fn options() -> Options {
    let a = ARGS.from_env();
    Options {
        sub: a.words()[0].clone(),
        project: a.get("--project"),
        text: a.get("--text"),
        count: a.get_or("--count", 200_000),
        mode: a.get_or("--mode", "flood".into()),
        rate: a.get_or("--rate", 100.0),
        secs: a.get_or("--secs", 0.7),
        runs: a.get_or("--runs", 5),
        frames: a.get_or("--frames", 200_000),
        open_timeout: a.get_or("--open-timeout", 30.0),
        max_secs: a.get_or("--max-secs", 600.0),
        kind: a.get_or("--kind", "logs".into()),
    }
}

fn main() {
    let args = options();
    // Unity's runtime ignores SIGPIPE: a departed reader is EPIPE.
    // SAFETY: setting a signal to SIG_IGN.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // Whatever happens to the driver, never outlive it for long.
    let max = Duration::from_secs_f64(args.max_secs);
    std::thread::spawn(move || {
        std::thread::sleep(max);
        eprintln!("unity-flood: --max-secs reached, leaving");
        std::process::exit(4);
    });
    match args.sub.as_str() {
        "fifo-limit" => fifo_limit(&args),
        "decode-bench" => decode_bench(&args),
        "peer" => peer(&args),
        other => ARGS.fail(&format!("unknown subcommand {other}")),
    }
}

// ---------------------------------------------------------------------------------------------
// fifo-limit

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("unity-flood-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| die(&format!("{}: {e}", d.display())));
    d
}

/// One connection: a reader thread drains the FIFO with 64 KiB reads while `write` runs;
/// returns (units written, seconds from the first write until the reader saw everything).
fn fifo_run(path: &Path, write: impl FnOnce(&mut std::fs::File) -> u64) -> (u64, f64, u64) {
    let p = path.to_path_buf();
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::open(&p).expect("open fifo for reading");
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => panic!("read: {e}"),
            }
        }
        (total, Instant::now())
    });
    let mut w = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open fifo for writing");
    let t0 = Instant::now();
    let units = write(&mut w);
    drop(w);
    let (bytes, t1) = reader.join().expect("reader thread");
    (units, t1.duration_since(t0).as_secs_f64(), bytes)
}

fn fifo_limit(a: &Options) {
    let dir = temp_dir("fifo");
    let path = dir.join("fifo");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap_or_else(|e| die(&format!("mkfifo: {e}")));
    let secs = Duration::from_secs_f64(a.secs);

    let chunk = vec![0x55u8; 64 * 1024];
    let mut bytes_rates = Vec::new();
    for _ in 0..a.runs.max(1) {
        let (_, s, bytes) = fifo_run(&path, |w| {
            let t0 = Instant::now();
            let mut n = 0u64;
            while !n.is_multiple_of(64) || t0.elapsed() < secs {
                w.write_all(&chunk).expect("write");
                n += 1;
            }
            n
        });
        bytes_rates.push(bytes as f64 / s);
    }

    let frames = Gen::new().frames(50_000);
    let mut frame_rates = Vec::new();
    let mut frame_bytes_rates = Vec::new();
    for _ in 0..a.runs.max(1) {
        let (n, s, bytes) = fifo_run(&path, |w| {
            let t0 = Instant::now();
            let mut n = 0u64;
            'outer: loop {
                for f in &frames {
                    // One write per frame, as a Unity peer writes one message.
                    let wrote = w.write(f).expect("write");
                    assert_eq!(wrote, f.len(), "a frame under PIPE_BUF is written whole");
                    n += 1;
                    if n.is_multiple_of(256) && t0.elapsed() >= secs {
                        break 'outer;
                    }
                }
            }
            n
        });
        frame_rates.push(n as f64 / s);
        frame_bytes_rates.push(bytes as f64 / s);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut fields = vec![
        (
            "fifo_limit_bytes_per_s",
            format!("{:.0}", median(bytes_rates.clone())),
        ),
        (
            "fifo_limit_frames_per_s",
            format!("{:.0}", median(frame_rates.clone())),
        ),
        (
            "fifo_limit_frame_bytes_per_s",
            format!("{:.0}", median(frame_bytes_rates)),
        ),
        ("fifo_limit_runs_bytes_per_s", format!("{bytes_rates:.0?}")),
        ("fifo_limit_runs_frames_per_s", format!("{frame_rates:.0?}")),
    ];
    fields.extend(size_stats(&frames));
    emit(&fields);
}

// ---------------------------------------------------------------------------------------------
// decode-bench

/// Feeds `stream` to a `Decoder` in 64 KiB reads, as the reader thread does, handing every
/// frame's payload to `f`; returns the seconds it took.
fn time_frames(stream: &[u8], mut f: impl FnMut(&[u8])) -> f64 {
    let t0 = Instant::now();
    let mut dec = Decoder::new();
    for chunk in stream.chunks(64 * 1024) {
        dec.push(chunk);
        while let Some(item) = dec.next_item() {
            if let Item::Frame(p) = item {
                f(p);
            }
        }
    }
    t0.elapsed().as_secs_f64()
}

fn decode_bench(a: &Options) {
    let frames = Gen::new().frames(a.frames.max(1));
    let stream: Vec<u8> = frames.concat();
    let mut full = Vec::new();
    let mut framing = Vec::new();
    let mut formatted = Vec::new();
    let mut logs_seen = 0usize;
    for _ in 0..a.runs.max(1) {
        // Framing and CRC only.
        let mut n = 0usize;
        framing.push(time_frames(&stream, |p| {
            n += std::hint::black_box(p.len()) & 1 | 1
        }));
        assert_eq!(n, frames.len());

        // Framing, CRC and MessagePack decoding into the protocol's types.
        let mut logs = 0usize;
        full.push(time_frames(&stream, |p| {
            if let Ok(FromUnity::Log(l)) = decode::<FromUnity>(p) {
                std::hint::black_box(&l);
                logs += 1;
            }
        }));
        logs_seen = logs;

        // All the reader thread does: decoding, then the log window's header (`Entry::log`).
        let look = Look::default();
        formatted.push(time_frames(&stream, |p| {
            if let Ok(FromUnity::Log(l)) = decode::<FromUnity>(p) {
                std::hint::black_box(Entry::log(l, &look));
            }
        }));
    }
    assert_eq!(logs_seen, frames.len(), "every frame decodes to a log");
    let n = frames.len() as f64;
    let mb = stream.len() as f64 / 1e6;
    let t_full = median(full.clone());
    let t_framing = median(framing);
    let mut fields = vec![
        ("decode_frames_per_s", format!("{:.0}", n / t_full)),
        ("decode_mb_per_s", format!("{:.1}", mb / t_full)),
        (
            "decode_framing_only_frames_per_s",
            format!("{:.0}", n / t_framing),
        ),
        (
            "decode_framing_only_mb_per_s",
            format!("{:.1}", mb / t_framing),
        ),
        (
            "decode_format_frames_per_s",
            format!("{:.0}", n / median(formatted)),
        ),
        ("decode_frames", frames.len().to_string()),
        (
            "decode_runs_frames_per_s",
            format!("{:.0?}", full.iter().map(|t| n / t).collect::<Vec<_>>()),
        ),
    ];
    fields.push(("sites_record_ns", format!("{:.0}", sites_record_ns(a.runs))));
    fields.extend(size_stats(&frames));
    emit(&fields);
}

/// What grouping an exception at its site costs the drain (`Sites::record`: the first project
/// frame found, the site looked up and counted), in ns per exception, median of `runs`.
fn sites_record_ns(runs: usize) -> f64 {
    let mut gen = Gen {
        exceptions: true,
        ..Gen::new()
    };
    let look = Look::default();
    let entries: Vec<Entry> = (0..100_000)
        .map(|_| Entry::log(gen.message(false), &look))
        .collect();
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let mut sites = Sites::default();
        let t0 = Instant::now();
        for e in &entries {
            sites.record(e);
        }
        times.push(t0.elapsed().as_secs_f64() * 1e9 / entries.len() as f64);
        assert_eq!(sites.all().len() as u64, EXCEPTION_SITES);
    }
    median(times)
}

// ---------------------------------------------------------------------------------------------
// peer

fn write_session(paths: &Paths) {
    unity_nvim_tools::rendezvous::write_session(paths, UNITY_VERSION)
        .unwrap_or_else(|e| die(&format!("cannot write {}: {e}", paths.session.display())));
}

/// Counters of one batch.
#[derive(Default)]
struct Sent {
    frames: u64,
    bytes: u64,
    /// Writes that found the pipe full (each then waited in poll for room).
    eagain: u64,
}

/// Writes one frame with as few `write`s as the pipe allows, waiting in poll while it is full.
/// Never drops: a reader that left ends the peer.
fn write_frame(fd: &OwnedFd, mut bytes: &[u8], sent: &mut Sent) {
    let len = bytes.len();
    while !bytes.is_empty() {
        match nix::unistd::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                sent.eagain += 1;
                let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
                match poll(&mut fds, PollTimeout::from(10_000u16)) {
                    Ok(0) => die("the reader took nothing for 10 s"),
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => die(&format!("poll: {e}")),
                }
            }
            Err(Errno::EPIPE) => {
                emit(&[("error", quote("the reader left (EPIPE)"))]);
                std::process::exit(3);
            }
            Err(e) => die(&format!("write: {e}")),
        }
    }
    sent.frames += 1;
    sent.bytes += len as u64;
}

enum Sink {
    Fifo(OwnedFd),
    Text(std::fs::File),
}

fn text_of(l: &Log) -> Vec<u8> {
    let mut s = l.message.clone();
    s.push('\n');
    if let Some(st) = &l.stack {
        s.push_str(st);
        s.push('\n');
    }
    s.into_bytes()
}

fn peer(a: &Options) {
    let mut gen = Gen {
        exceptions: match a.kind.as_str() {
            "logs" => false,
            "exceptions" => true,
            other => ARGS.fail(&format!("unknown --kind {other} (logs or exceptions)")),
        },
        ..Gen::new()
    };
    // Unity's side of the rendezvous, or a plain log file.
    let (sink, _keep, dir) = match (&a.project, &a.text) {
        (_, Some(file)) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .unwrap_or_else(|e| die(&format!("{}: {e}", file.display())));
            (Sink::Text(f), None, None)
        }
        (Some(project), None) => {
            let project = std::fs::canonicalize(project)
                .unwrap_or_else(|e| die(&format!("{}: {e}", project.display())));
            let paths = Paths::new(&project);
            create_rendezvous(&paths)
                .unwrap_or_else(|e| die(&format!("cannot create {}: {e}", paths.dir.display())));
            write_session(&paths);
            // Unity opens its read end of the command pipe before its write end.
            let cmd_fd = open_fifo(&paths, &paths.to_unity, false)
                .unwrap_or_else(|e| die(&format!("open {}: {e:?}", paths.to_unity.display())));
            let deadline = Instant::now() + Duration::from_secs_f64(a.open_timeout);
            let fd = loop {
                match open_fifo(&paths, &paths.to_nvim, true) {
                    Ok(fd) => break fd,
                    Err(OpenError::NoReader) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(1))
                    }
                    Err(e) => die(&format!(
                        "Neovim's reader never opened {}: {e:?}",
                        paths.to_nvim.display()
                    )),
                }
            };
            let hello = encode_frame(&FromUnity::Hello(UnityHello {
                protocol: PROTOCOL_VERSION,
                unity: UNITY_VERSION.into(),
                project: project.to_string_lossy().into_owned(),
                pid: std::process::id(),
                again: Some(false),
                debug_address: None,
                debug_port: None,
                debug_attach: None,
            }))
            .expect("encodable");
            write_frame(&fd, &hello, &mut Sent::default());
            (Sink::Fifo(fd), Some(cmd_fd), Some(paths.dir.clone()))
        }
        (None, None) => ARGS.fail("peer needs --project DIR or --text FILE"),
    };
    emit(&[("ready", "true".into())]);

    // The next flood batch is made and encoded before `go`, so making it costs no write time.
    let make = |gen: &mut Gen| Batch::new(gen, a.count, &sink);
    let mut next: Option<Batch> = None;
    if a.mode == "flood" {
        next = Some(make(&mut gen));
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while let Some(Ok(line)) = lines.next() {
        match line.trim() {
            "go" => {}
            "quit" => break,
            _ => continue,
        }
        match a.mode.as_str() {
            "idle" => emit(&[("idle", "true".into())]),
            "latency" => paced_batch(a, &mut gen, &sink, true),
            "rate" => paced_batch(a, &mut gen, &sink, false),
            _ => {
                let batch = next.take().unwrap_or_else(|| make(&mut gen));
                flood_batch(&batch, &sink);
                next = Some(make(&mut gen));
            }
        }
    }
    if let Some(d) = dir {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// One flood batch, encoded for its sink.
struct Batch {
    bufs: Vec<Vec<u8>>,
    first_seq: u64,
    last_seq: u64,
}

impl Batch {
    fn new(gen: &mut Gen, count: usize, sink: &Sink) -> Self {
        let first_seq = gen.seq + 1;
        let bufs = (0..count)
            .map(|i| {
                let l = gen.message(i + 1 == count);
                match sink {
                    Sink::Fifo(_) => encode_frame(&FromUnity::Log(l)).expect("encodable"),
                    Sink::Text(_) => text_of(&l),
                }
            })
            .collect();
        Self {
            bufs,
            first_seq,
            last_seq: gen.seq,
        }
    }
}

fn flood_batch(batch: &Batch, sink: &Sink) {
    let mut sent = Sent::default();
    let t_first = mono_ns();
    match sink {
        Sink::Fifo(fd) => {
            for b in &batch.bufs {
                write_frame(fd, b, &mut sent);
            }
        }
        Sink::Text(f) => {
            let mut f = f;
            for b in &batch.bufs {
                // One write per message, as a logger appends one entry.
                f.write_all(b)
                    .unwrap_or_else(|e| die(&format!("write: {e}")));
                sent.frames += 1;
                sent.bytes += b.len() as u64;
            }
        }
    }
    let t_last = mono_ns();
    emit(&[
        ("t_first_ns", t_first.to_string()),
        ("t_last_ns", t_last.to_string()),
        ("frames", sent.frames.to_string()),
        ("bytes", sent.bytes.to_string()),
        ("eagain", sent.eagain.to_string()),
        ("first_seq", batch.first_seq.to_string()),
        ("last_seq", batch.last_seq.to_string()),
        ("write_s", format!("{:.6}", (t_last - t_first) as f64 / 1e9)),
    ]);
}

/// N messages at `rate` per second on an absolute schedule; with `stamp` (latency), each
/// carries `t=<ns>`, the CLOCK_MONOTONIC time read just before it is encoded and written.
fn paced_batch(a: &Options, gen: &mut Gen, sink: &Sink, stamp: bool) {
    let period = Duration::from_secs_f64(1.0 / a.rate.max(0.001));
    let start = Instant::now();
    let mut sent = Sent::default();
    let t_first = mono_ns();
    for i in 0..a.count {
        let due = start + period * i as u32;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let mut l = gen.message(i + 1 == a.count);
        if stamp {
            l.message = format!("t={} {}", mono_ns(), l.message);
        }
        match sink {
            Sink::Fifo(fd) => {
                let frame = encode_frame(&FromUnity::Log(l)).expect("encodable");
                write_frame(fd, &frame, &mut sent);
            }
            Sink::Text(f) => {
                let mut f = f;
                let b = text_of(&l);
                f.write_all(&b)
                    .unwrap_or_else(|e| die(&format!("write: {e}")));
                sent.frames += 1;
            }
        }
    }
    emit(&[
        ("t_first_ns", t_first.to_string()),
        ("t_last_ns", mono_ns().to_string()),
        ("frames", sent.frames.to_string()),
        ("eagain", sent.eagain.to_string()),
        ("last_seq", gen.seq.to_string()),
    ]);
}
