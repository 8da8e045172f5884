//! unity-peer: the Unity side of the wire for unity.nvim's tests, `make demo` and `make bench`.
//! It keeps to the protocol (doc/protocol.md); Unity's behaviour is the stand-in host's
//! (tests/unity_host/, the real package under Mono).
//!
//! - `editor`: an editor that connects, logs, reloads and misbehaves on request (editor.rs);
//! - `flood`: the benchmark's peer (flood.rs);
//! - `fifo-limit`, `decode-bench` (and on Windows `pipe-limit`): the benchmark's Rust-only
//!   measurements (measure.rs).

mod console;
mod editor;
mod flood;
mod measure;
mod report;
mod test_flood;

use std::time::Duration;
use unity_nvim_tools::args::{Args, Spec};

const USAGE: &str = "unity-peer editor|flood|fifo-limit|decode-bench [OPTIONS]
       (a subcommand with a wrong option shows its own usage)";

fn main() {
    let mut argv = std::env::args().skip(1);
    let sub = argv.next().unwrap_or_default();
    match sub.as_str() {
        "editor" => editor::main(argv),
        "flood" => bench(&flood::ARGS, argv, flood::main),
        "fifo-limit" => bench(&measure::FIFO_LIMIT, argv, measure::fifo_limit),
        "decode-bench" => bench(&measure::DECODE_BENCH, argv, measure::decode_bench),
        #[cfg(windows)]
        "pipe-limit" => bench(&measure::PIPE_LIMIT, argv, measure::pipe_limit),
        _ => {
            eprintln!("unity-peer: unknown subcommand {sub:?}\nusage: {USAGE}");
            std::process::exit(2);
        }
    }
}

/// Runs a benchmark subcommand which, whatever happens to the benchmark's driver, never
/// outlives it for long (`--max-secs`).
fn bench(spec: &'static Spec, argv: impl Iterator<Item = String>, run: fn(&Args)) {
    let args = spec.parse(argv);
    let max = Duration::from_secs_f64(args.get_or("--max-secs", 600.0));
    std::thread::spawn(move || {
        std::thread::sleep(max);
        eprintln!("unity-peer: --max-secs reached, leaving");
        std::process::exit(4);
    });
    run(&args);
}
