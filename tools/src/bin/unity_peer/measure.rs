//! `unity-peer fifo-limit` and `unity-peer decode-bench`: the benchmark's Rust-only
//! measurements (see tests/bench/ and doc/performance.md).
//!
//! - `fifo-limit [--secs S] [--runs R]`: raw FIFO throughput on this machine, no Neovim: 64 KiB
//!   writes (bytes/s), then realistic frames written one per `write` (frames/s). A reader thread
//!   in the same process reads with 64 KiB `read`s.
//! - `decode-bench [--frames N] [--runs R]`: the crate's reader alone: `frame::Decoder` plus
//!   `protocol::decode::<FromUnity>` over an in-memory stream of realistic frames, fed in 64 KiB
//!   chunks; and what counting an exception at its site costs the drain (`sites_record_ns`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use unity_native::frame::{Decoder, Item};
use unity_native::log::look::Look;
use unity_native::log::sites::Sites;
use unity_native::log::Entry;
use unity_native::protocol::{decode, FromUnity};
use unity_nvim_tools::args::{Args, Spec};

use crate::console::{size_stats, Gen, EXCEPTION_SITES};
use crate::report::{die, emit, median};

pub static FIFO_LIMIT: Spec = Spec {
    tool: "unity-peer fifo-limit",
    usage: "unity-peer fifo-limit [--secs S] [--runs R] [--max-secs S]",
    options: &["--secs", "--runs", "--max-secs"],
};

pub static DECODE_BENCH: Spec = Spec {
    tool: "unity-peer decode-bench",
    usage: "unity-peer decode-bench [--frames N] [--runs R] [--max-secs S]",
    options: &["--frames", "--runs", "--max-secs"],
};

fn runs(a: &Args) -> usize {
    a.get_or("--runs", 5usize).max(1)
}
// fifo-limit

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("unity-peer-{tag}-{}", std::process::id()));
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

#[cfg(unix)]
fn make_fifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .unwrap_or_else(|e| die(&format!("mkfifo: {e}")));
}

#[cfg(windows)]
fn make_fifo(_path: &Path) {
    die("fifo-limit measures FIFOs, which Windows does not have");
}

pub fn fifo_limit(a: &Args) {
    let dir = temp_dir("fifo");
    let path = dir.join("fifo");
    make_fifo(&path);
    let secs = Duration::from_secs_f64(a.get_or("--secs", 0.7));

    let chunk = vec![0x55u8; 64 * 1024];
    let mut bytes_rates = Vec::new();
    for _ in 0..runs(a) {
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

    let frames = Gen::new(false).frames(50_000);
    let mut frame_rates = Vec::new();
    let mut frame_bytes_rates = Vec::new();
    for _ in 0..runs(a) {
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

pub fn decode_bench(a: &Args) {
    let frames = Gen::new(false).frames(a.get_or("--frames", 200_000usize).max(1));
    let stream: Vec<u8> = frames.concat();
    let mut full = Vec::new();
    let mut framing = Vec::new();
    let mut formatted = Vec::new();
    let mut logs_seen = 0usize;
    for _ in 0..runs(a) {
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
    fields.push((
        "sites_record_ns",
        format!("{:.0}", sites_record_ns(runs(a))),
    ));
    fields.extend(size_stats(&frames));
    emit(&fields);
}

/// What grouping an exception at its site costs the drain (`Sites::record`: the first project
/// frame found, the site looked up and counted), in ns per exception, median of `runs`.
fn sites_record_ns(runs: usize) -> f64 {
    let mut gen = Gen::new(true);
    let look = Look::default();
    let entries: Vec<Entry> = (0..100_000)
        .map(|_| Entry::log(gen.message(false), &look))
        .collect();
    let mut times = Vec::new();
    for _ in 0..runs {
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

// pipe-limit (Windows)

#[cfg(windows)]
pub static PIPE_LIMIT: Spec = Spec {
    tool: "unity-peer pipe-limit",
    usage: "unity-peer pipe-limit [--frames N] [--runs R] [--max-secs S]",
    options: &["--frames", "--runs", "--max-secs"],
};

/// `pipe-limit`: fifo-limit's frames/s over a named pipe (Windows): realistic frames, one
/// write each, from Unity's end (`PipeServer`) to the client the plugin reads with, in one
/// process. The ceiling the end-to-end figure is a ratio of.
#[cfg(windows)]
pub fn pipe_limit(a: &Args) {
    use unity_native::transport::{
        open_reader, read_some, wait_readable, write_private, Paths, PipeServer, Wait,
    };
    use unity_native::wake_pipe::Notifier;
    let paths = Paths::new(&temp_dir("pipe"));
    std::fs::create_dir_all(&paths.dir).unwrap_or_else(|e| die(&format!("mkdir: {e}")));
    let name = format!(r"\\.\pipe\unity-peer-limit.{}", std::process::id());
    let session = format!(
        r#"{{"protocol":1,"pid":{},"unity":"limit","project":"limit","pipes":{{"unity-to-nvim":{},"nvim-to-unity":{}}}}}"#,
        std::process::id(),
        unity_nvim_tools::json::quote(&name),
        unity_nvim_tools::json::quote(&format!("{name}.unused")),
    );
    write_private(&paths.session, session.as_bytes()).unwrap_or_else(|e| die(&format!("{e}")));
    let frames = Gen::new(false).frames(a.get_or("--frames", 100_000usize));
    let total: usize = frames.iter().map(Vec::len).sum();
    let never = Notifier::new().unwrap_or_else(|e| die(&format!("{e}")));
    let mut rates = Vec::new();
    for _ in 0..runs(a) {
        let mut server = PipeServer::create(&name).unwrap_or_else(|e| die(&format!("{e}")));
        let p = paths.clone();
        let reader = std::thread::spawn(move || {
            let mut r = open_reader(&p).expect("open the pipe");
            let (stop, mut buf, mut got) = (Notifier::new().expect("event"), vec![0u8; 65536], 0);
            while got < total {
                if wait_readable(&mut r, None, &stop, None) == Wait::Ready {
                    got += read_some(&mut r, &mut buf).expect("read").unwrap_or(0);
                }
            }
            Instant::now()
        });
        if server.accept(&never, None) != Ok(Wait::Ready) {
            die("the reader never connected");
        }
        let t0 = Instant::now();
        for f in &frames {
            server
                .write_all(f, &never)
                .unwrap_or_else(|e| die(&format!("write: {e:?}")));
        }
        let t1 = reader.join().unwrap_or_else(|_| die("the reader failed"));
        rates.push(frames.len() as f64 / t1.duration_since(t0).as_secs_f64());
    }
    let _ = std::fs::remove_dir_all(&paths.project);
    emit(&[
        (
            "pipe_limit_frames_per_s",
            format!("{:.0}", median(rates.clone())),
        ),
        ("pipe_limit_runs_frames_per_s", format!("{rates:.0?}")),
    ]);
}
