//! unity-flood: the benchmark's Unity peer (see tests/bench/). Placeholder until written.
fn main() {
    eprintln!("unity-flood: not written yet");
    std::process::exit(2);
}
