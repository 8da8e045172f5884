//! The native bridge over real FIFOs, with this test playing a scripted Unity.

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use unity_native::connection::{Connection, Options};
use unity_native::failure::Failure;
use unity_native::frame::{Decoder, Item};
use unity_native::protocol::*;
use unity_native::queue::{Event, LostCause};
use unity_native::transport::{open_fifo, Paths, WriteError};
use unity_nvim_tools::rendezvous::create_rendezvous;

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unity-nvim-bridge-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What Lua passes with the default configuration (lua/unity/config.lua holds the defaults).
fn opts() -> Options {
    Options {
        queue_size: 32_768,
        client: "unity.nvim test".into(),
        force: false,
        look: std::sync::Arc::new(unity_native::log::look::Look::default()),
    }
}

fn hello(pid: u32) -> FromUnity {
    FromUnity::Hello(UnityHello {
        protocol: 1,
        unity: "test".into(),
        project: "/p".into(),
        pid,
        again: Some(false),
        debug_address: None,
        debug_port: None,
        debug_attach: None,
    })
}

fn log(seq: u64) -> FromUnity {
    FromUnity::Log(Log {
        seq,
        time: None,
        level: Level::Log,
        message: format!("m{seq}"),
        stack: None,
    })
}

fn frame(m: &FromUnity) -> Vec<u8> {
    encode_frame(m).unwrap()
}

/// Unity's write end: waits until the bridge's reader has the FIFO open.
fn unity_writer(p: &Paths) -> OwnedFd {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match open_fifo(p, &p.to_nvim, true) {
            Ok(fd) => return fd,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("the bridge never opened its reader: {e:?}"),
        }
    }
}

fn write(fd: &OwnedFd, bytes: &[u8]) {
    let mut off = 0;
    while off < bytes.len() {
        match nix::unistd::write(fd, &bytes[off..]) {
            Ok(n) => off += n,
            Err(nix::errno::Errno::EAGAIN) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => panic!("write: {e}"),
        }
    }
}

/// Drains until `pred` holds for everything received so far.
fn collect_until(b: &Connection, pred: impl Fn(&[Event]) -> bool) -> Vec<Event> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pred(&got) {
        assert!(Instant::now() < deadline, "timed out; got {got:?}");
        b.drain(Duration::from_millis(5), usize::MAX, |e| {
            got.push(e);
            true
        });
        std::thread::sleep(Duration::from_millis(2));
    }
    got
}

fn logs(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log(l) => l.seq,
            _ => None,
        })
        .collect()
}

fn lost(events: &[Event], cause: LostCause) -> u64 {
    events
        .iter()
        .map(|e| match e {
            Event::Lost { count, cause: c } if *c == cause => *count,
            _ => 0,
        })
        .sum()
}

#[test]
fn stream_gaps_garbage_torn_frames_and_reconnects() {
    let dir = project("stream");
    let p = Paths::new(&dir);
    // The bridge starts before Unity: it waits for the rendezvous.
    let b = Connection::open(&dir, &opts()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    create_rendezvous(&p).unwrap();
    let w = unity_writer(&p);
    let mut bytes = frame(&hello(7));
    bytes.extend(frame(&log(1)));
    bytes.extend(frame(&log(2)));
    bytes.extend(frame(&log(5))); // 3 and 4 never came
    bytes.extend_from_slice(b"\x55\x4e garbage \x00\xff");
    bytes.extend(frame(&log(6)));
    let torn = frame(&log(7));
    bytes.extend_from_slice(&torn[..torn.len() - 3]);
    bytes.extend(frame(&log(8)));
    bytes.extend(frame(&log(8))); // seq did not grow: a new numbering, delivered
    write(&w, &bytes);
    let ev = collect_until(&b, |e| logs(e).iter().filter(|&&s| s == 8).count() == 2);
    // The reader announced that it listens (Neovim then says hello), then Unity's hello came.
    assert!(matches!(ev[0], Event::Listening), "{:?}", ev[0]);
    assert!(
        matches!(ev[1], Event::Message(FromUnity::Hello(_))),
        "{:?}",
        ev[1]
    );
    assert_eq!(logs(&ev), vec![1, 2, 5, 6, 8, 8]);
    assert_eq!(b.stats().renumbered, 1);
    assert_eq!(lost(&ev, LostCause::Gap), 3, "2 missing + the torn one");
    assert_eq!(
        lost(&ev, LostCause::Corrupt),
        1,
        "the garbage run, which no gap explains"
    );
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Corrupt { .. }))
            .count(),
        2
    );

    // Unity closes (a reload): the bridge sees the end, then a new writer is read again.
    drop(w);
    collect_until(&b, |e| e.contains(&Event::Disconnected));
    let w = unity_writer(&p);
    write(&w, &[frame(&hello(7)), frame(&log(9))].concat());
    let ev = collect_until(&b, |e| logs(e) == vec![9]);
    assert_eq!(lost(&ev, LostCause::Gap), 0);
    drop(w);
    collect_until(&b, |e| e.contains(&Event::Disconnected));

    // Unity restarts: new FIFO files, a new pid whose seq starts again without a gap.
    std::thread::sleep(Duration::from_millis(20));
    create_rendezvous(&p).unwrap();
    let w = unity_writer(&p);
    write(&w, &[frame(&hello(8)), frame(&log(1))].concat());
    let ev = collect_until(&b, |e| logs(e) == vec![1]);
    assert_eq!(lost(&ev, LostCause::Gap), 0);
    assert_eq!(b.stats().corrupt, 2);
}

#[test]
fn a_slow_neovim_leaves_bytes_in_the_pipe_and_loses_nothing() {
    let dir = project("backpressure");
    let p = Paths::new(&dir);
    create_rendezvous(&p).unwrap();
    // The smallest queue there is (queue sizes are raised to reader::MIN_QUEUE).
    let b = Connection::open(
        &dir,
        &Options {
            queue_size: 1,
            ..opts()
        },
    )
    .unwrap();
    let w = unity_writer(&p);
    let mut bytes = frame(&hello(1));
    for seq in 1..=50_000 {
        bytes.extend(frame(&log(seq)));
    }
    bytes.extend(frame(&FromUnity::Bye(Bye {
        reason: ByeReason::Quit,
    })));
    let total = bytes.len();
    // Unity writes from its own thread; nobody drains for a while.
    let unity = std::thread::spawn(move || write(&w, &bytes));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !unity.is_finished(),
        "{total} bytes cannot all be in flight: the reader must have stopped reading"
    );
    assert!(
        b.stats().queued <= unity_native::reader::MIN_QUEUE as u64,
        "the queue stays bounded"
    );
    let ev = collect_until(&b, |e| {
        e.iter()
            .any(|x| matches!(x, Event::Message(FromUnity::Bye(_))))
    });
    unity.join().unwrap();
    let got = logs(&ev);
    assert!(
        got.len() == 50_000 && got.iter().zip(1..).all(|(a, b)| *a == b),
        "all delivered, in order"
    );
    assert_eq!(b.stats().overflow, 0);
    assert!(!ev.iter().any(|e| matches!(e, Event::Lost { .. })));
}

/// Unity's read end of the command pipe, decoding what Neovim sends.
struct UnityReader {
    fd: OwnedFd,
    dec: Decoder,
}

impl UnityReader {
    fn open(p: &Paths) -> Self {
        Self {
            fd: open_fifo(p, &p.to_unity, false).unwrap(),
            dec: Decoder::new(),
        }
    }

    fn next(&mut self) -> FromNvim {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(Item::Frame(payload)) = self.dec.next_item() {
                return decode(payload).unwrap();
            }
            assert!(Instant::now() < deadline, "no frame from Neovim");
            match nix::unistd::read(&self.fd, &mut buf) {
                Ok(n) if n > 0 => self.dec.push(&buf[..n]),
                _ => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }
}

#[test]
fn commands_hello_first_ids_and_failures() {
    let dir = project("commands");
    let p = Paths::new(&dir);
    let mut b = Connection::open(&dir, &opts()).unwrap();
    assert_eq!(b.send("play", None), Err(Failure::NotRunning));
    create_rendezvous(&p).unwrap();
    assert_eq!(b.send("play", None), Err(Failure::NotConnected));
    assert_eq!(b.send("", None), Err(Failure::BadName));
    assert_eq!(b.send("a\nb", None), Err(Failure::BadName));
    assert_eq!(
        b.send("x", Some(rmpv::Value::from(1))),
        Err(Failure::BadArgs)
    );

    let mut unity = UnityReader::open(&p);
    let args = rmpv::Value::Map(vec![("count".into(), 3.into())]);
    let id1 = b.send("game.spawn", Some(args.clone())).unwrap();
    let id2 = b.send("state", None).unwrap();
    assert!(id2 > id1);
    match unity.next() {
        FromNvim::Hello(h) => {
            assert_eq!(h.protocol, 1);
            assert_eq!(h.pid, std::process::id());
        }
        other => panic!("hello first, got {other:?}"),
    }
    assert_eq!(
        unity.next(),
        FromNvim::Cmd(Cmd {
            id: id1,
            name: "game.spawn".into(),
            args: Some(args)
        })
    );
    assert_eq!(
        unity.next(),
        FromNvim::Cmd(Cmd {
            id: id2,
            name: "state".into(),
            args: None
        })
    );
    assert!(b.writable());

    // Unity's reader leaves (a reload): the next send notices and says so at once.
    drop(unity);
    assert!(!b.writable());
    assert_eq!(b.send("play", None), Err(Failure::NotConnected));
    // It comes back: hello again before the next command.
    let mut unity = UnityReader::open(&p);
    let id3 = b.send("play", None).unwrap();
    assert!(matches!(unity.next(), FromNvim::Hello(_)));
    assert!(matches!(unity.next(), FromNvim::Cmd(c) if c.id == id3));
}

#[test]
fn a_unity_that_stops_reading_never_blocks_send_or_close() {
    let dir = project("full");
    let p = Paths::new(&dir);
    create_rendezvous(&p).unwrap();
    let mut b = Connection::open(&dir, &opts()).unwrap();
    let _unity = open_fifo(&p, &p.to_unity, false).unwrap(); // open, never read
    let big = rmpv::Value::Map(vec![("blob".into(), rmpv::Value::from("x".repeat(8192)))]);
    let mut ids = Vec::new();
    let err = loop {
        match b.send("big", Some(big.clone())) {
            Ok(id) => ids.push(id),
            Err(e) => break e,
        }
        assert!(ids.len() < 10_000, "send never reported the full pipe");
    };
    assert_eq!(err, Failure::NotReading);
    // The writer thread is stuck on the full pipe; closing must still return (a hang fails).
    drop(b);
}

#[test]
fn queued_commands_are_reported_undelivered_not_replied_when_unity_leaves() {
    let dir = project("leave");
    let p = Paths::new(&dir);
    create_rendezvous(&p).unwrap();
    let mut b = Connection::open(&dir, &opts()).unwrap();
    let unity = open_fifo(&p, &p.to_unity, false).unwrap();
    let big = rmpv::Value::Map(vec![("blob".into(), rmpv::Value::from("x".repeat(60_000)))]);
    // Two large commands fill the pipe; the third waits in the writer thread.
    let ids: Vec<u64> = (0..3)
        .map(|_| b.send("big", Some(big.clone())).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    drop(unity);
    let ev = collect_until(&b, |e| {
        e.iter()
            .any(|x| matches!(x, Event::Undelivered { id, .. } if *id == ids[2]))
    });
    // The write in progress meets EPIPE; the one still queued is reported with the same cause.
    let undelivered: Vec<(u64, WriteError)> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Undelivered { id, why } => Some((*id, *why)),
            _ => None,
        })
        .collect();
    assert!(undelivered.iter().any(|(id, _)| *id == ids[2]));
    assert!(undelivered
        .iter()
        .all(|(_, why)| *why == WriteError::ReaderGone));
    // Nothing pretends to be Unity.
    assert!(!ev
        .iter()
        .any(|e| matches!(e, Event::Message(FromUnity::Reply(_)))));
}
