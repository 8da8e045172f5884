//! What the benchmark's subcommands print: one JSON object a line, and CLOCK_MONOTONIC times
//! in nanoseconds (the clock of Neovim's `vim.uv.hrtime()` and Python's `time.monotonic_ns()`).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};
use unity_nvim_tools::json::quote;

/// CLOCK_MONOTONIC in nanoseconds (nix re-exports libc; no extra crate or feature needed).
#[cfg(unix)]
pub fn mono_ns() -> u64 {
    use nix::libc;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid pointer to a timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// QueryPerformanceCounter in nanoseconds: the clock of libuv's `uv_hrtime` on Windows, so that
/// Neovim's `vim.uv.hrtime()` compares with it as with CLOCK_MONOTONIC elsewhere.
#[cfg(windows)]
pub fn mono_ns() -> u64 {
    use windows_sys::Win32::System::Performance::{
        QueryPerformanceCounter, QueryPerformanceFrequency,
    };
    let (mut count, mut freq) = (0i64, 0i64);
    // SAFETY: both write one integer we own.
    unsafe {
        QueryPerformanceCounter(&mut count);
        QueryPerformanceFrequency(&mut freq);
    }
    (count as f64 * 1e9 / freq.max(1) as f64) as u64
}

pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn die(msg: &str) -> ! {
    eprintln!("unity-peer: {msg}");
    std::process::exit(2);
}

/// Prints one JSON object built from (key, already-encoded value) pairs.
pub fn emit(fields: &[(&str, String)]) {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", quote(k)))
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{{{}}}", body.join(","));
    let _ = out.flush();
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}
