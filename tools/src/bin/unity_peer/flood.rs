//! `unity-peer flood`: the benchmark's Unity peer (see tests/bench/ and doc/performance.md).
//!
//! `flood --project DIR [--count N] [--mode flood|latency|rate|idle] [--rate R]`: a Unity
//! editor as far as the wire goes. Makes the rendezvous as Unity does, connects (tools/src/
//! link.rs, `Plain`), writes `hello`, prints `{"ready":true}` and then obeys its stdin, one word
//! a line: `go` sends one batch (N log frames as fast as the pipe takes them, or N frames at R
//! per second for `latency`, each carrying its CLOCK_MONOTONIC write time as `t=<ns>` in the
//! message; `rate`: the same without it) and prints what it did; `quit` or end of input leaves.
//! `--kind exceptions` makes every message an exception thrown at one of 20 places in
//! `Assets/Scripts` (the runtime-exceptions bench). `flood --text FILE ...`: the same messages
//! appended as text lines to FILE (what `tail -f` on Editor.log shows), no FIFO.
//!
//! Every message ends with ` (#<seq>)`; the last one of a batch never has a stack trace, so a
//! reader can tell when the last line of a batch has arrived.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use unity_native::protocol::{encode_frame, FromUnity, Log};
use unity_nvim_tools::args::{Args, Spec};
use unity_nvim_tools::json::quote;
use unity_nvim_tools::link::{self, Plain, WriteError};

use crate::console::Gen;
use crate::report::{die, emit, mono_ns};

const UNITY_VERSION: &str = "2022.3.0f1 (unity-peer flood)";

pub static ARGS: Spec = Spec {
    tool: "unity-peer flood",
    usage: "unity-peer flood (--project DIR | --text FILE) [--count N] [--mode flood|latency|rate|idle] [--rate R] [--kind logs|exceptions] [--open-timeout S] [--max-secs S]",
    options: &[
        "--project",
        "--text",
        "--count",
        "--mode",
        "--rate",
        "--kind",
        "--open-timeout",
        "--max-secs",
    ],
};

/// Counters of one batch.
#[derive(Default)]
struct Sent {
    frames: u64,
    bytes: u64,
    /// Writes that found the pipe full (each then waited in poll for room).
    eagain: u64,
}

enum Sink {
    Fifo(Plain),
    Text(std::fs::File),
}

impl Sink {
    /// One message as the sink takes it: a frame, or its text lines.
    fn encode(&self, l: Log) -> Vec<u8> {
        match self {
            Sink::Fifo(_) => encode_frame(&FromUnity::Log(l)).expect("encodable"),
            Sink::Text(_) => {
                let mut s = l.message;
                s.push('\n');
                if let Some(st) = &l.stack {
                    s.push_str(st);
                    s.push('\n');
                }
                s.into_bytes()
            }
        }
    }

    /// One write per message, as a logger appends one entry; never drops: a reader that left
    /// ends the peer.
    fn put(&self, bytes: &[u8], sent: &mut Sent) {
        let done = match self {
            Sink::Fifo(link) => link.send(bytes, &mut sent.eagain),
            Sink::Text(f) => {
                let mut f = f;
                f.write_all(bytes).map_err(|e| die(&format!("write: {e}")))
            }
        };
        match done {
            Ok(()) => {}
            Err(WriteError::ReaderGone) => {
                emit(&[("error", quote("the reader left (EPIPE)"))]);
                std::process::exit(3);
            }
            Err(e) => die(&format!("write: {e:?}")),
        }
        sent.frames += 1;
        sent.bytes += bytes.len() as u64;
    }
}

pub fn main(a: &Args) {
    let mut gen = Gen::new(match a.get_or("--kind", "logs".to_owned()).as_str() {
        "logs" => false,
        "exceptions" => true,
        other => a.fail(&format!("unknown --kind {other} (logs or exceptions)")),
    });
    let count = a.get_or("--count", 200_000usize);
    let mode = a.get_or("--mode", "flood".to_owned());
    link::ignore_sigpipe();
    // Unity's side of the rendezvous, or a plain log file.
    let sink = match (a.get::<PathBuf>("--project"), a.get::<PathBuf>("--text")) {
        (_, Some(file)) => Sink::Text(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)
                .unwrap_or_else(|e| die(&format!("{}: {e}", file.display()))),
        ),
        (Some(project), None) => {
            let project = link::project_dir(&project).unwrap_or_else(|e| die(&e));
            let timeout = Duration::from_secs_f64(a.get_or("--open-timeout", 30.0));
            Sink::Fifo(Plain::connect(&project, UNITY_VERSION, timeout).unwrap_or_else(|e| die(&e)))
        }
        (None, None) => a.fail("flood needs --project DIR or --text FILE"),
    };
    emit(&[("ready", "true".into())]);

    // The next flood batch is made and encoded before `go`, so making it costs no write time.
    let make = |gen: &mut Gen| Batch::new(gen, count, &sink);
    let mut next: Option<Batch> = None;
    if mode == "flood" {
        next = Some(make(&mut gen));
    }
    let rate = a.get_or("--rate", 100.0f64);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while let Some(Ok(line)) = lines.next() {
        match line.trim() {
            "go" => {}
            "quit" => break,
            _ => continue,
        }
        match mode.as_str() {
            "idle" => emit(&[("idle", "true".into())]),
            "latency" => paced_batch(count, rate, &mut gen, &sink, true),
            "rate" => paced_batch(count, rate, &mut gen, &sink, false),
            _ => {
                let batch = next.take().unwrap_or_else(|| make(&mut gen));
                flood_batch(&batch, &sink);
                next = Some(make(&mut gen));
            }
        }
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
            .map(|i| sink.encode(gen.message(i + 1 == count)))
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
    for b in &batch.bufs {
        sink.put(b, &mut sent);
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
fn paced_batch(count: usize, rate: f64, gen: &mut Gen, sink: &Sink, stamp: bool) {
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let start = Instant::now();
    let mut sent = Sent::default();
    let t_first = mono_ns();
    for i in 0..count {
        let due = start + period * i as u32;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let mut l = gen.message(i + 1 == count);
        if stamp {
            l.message = format!("t={} {}", mono_ns(), l.message);
        }
        sink.put(&sink.encode(l), &mut sent);
    }
    emit(&[
        ("t_first_ns", t_first.to_string()),
        ("t_last_ns", mono_ns().to_string()),
        ("frames", sent.frames.to_string()),
        ("eagain", sent.eagain.to_string()),
        ("last_seq", gen.seq.to_string()),
    ]);
}
