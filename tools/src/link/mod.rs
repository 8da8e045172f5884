//! The peer's side of the wire: the rendezvous made as Unity makes it, the hello, a writer and
//! a reader that reopen their pipes as Unity's package does (the `editor` subcommand), and a
//! plain blocking connection (the benchmark's `flood`). The pipes themselves are the platform's
//! (`unix.rs`: FIFOs; `windows.rs`: named pipes), behind the functions these loops call.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

pub use os::{ignore_sigpipe, quit_on_signals, Pipes};

use crossbeam_channel::Sender;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use unity_native::frame::{Decoder, Item};
use unity_native::protocol::*;
use unity_native::transport::sleep;
use unity_native::wake_pipe::Notifier;

pub use unity_native::transport::WriteError;

pub(crate) static QUIT: AtomicBool = AtomicBool::new(false);

pub fn quitting() -> bool {
    QUIT.load(Ordering::SeqCst)
}

/// Makes the rendezvous for `project` (canonical), `session.json` last: it is the readiness
/// marker.
pub fn announce(project: &Path, unity: &str) -> Result<Pipes, String> {
    Pipes::announce(project, unity)
}

/// `again`: greeting Neovim again on a write end already open (see `UnityHello::again`).
pub fn hello(project: &Path, unity: &str, again: bool) -> FromUnity {
    FromUnity::Hello(UnityHello {
        protocol: PROTOCOL_VERSION,
        unity: unity.into(),
        project: project.to_string_lossy().into_owned(),
        pid: std::process::id(),
        again: Some(again),
        // The peer runs no debugger agent: it speaks as a package before them.
        debug_address: None,
        debug_port: None,
        debug_attach: None,
    })
}

/// What one wait for a command pipe's bytes gave.
pub enum Recv {
    Data(usize),
    /// Neovim closed its write end.
    End,
    Nothing,
    Stopped,
}

/// A plain connection for the benchmark: Unity's order (its read end of the command pipe
/// first), then its write end once Neovim's reader has it open, then the hello. The command
/// pipe is kept open and never read.
pub struct Plain {
    out: Mutex<os::Out>,
    _commands: Option<os::In>,
    /// Boxed: Windows' pipes are large, and a flood's sink is this or a file.
    pipes: Box<Pipes>,
    /// Never fires: the benchmark's peer waits for its reader.
    never: Notifier,
}

impl Plain {
    pub fn connect(project: &Path, unity: &str, timeout: Duration) -> Result<Self, String> {
        let pipes = Box::new(Pipes::announce(project, unity)?);
        let commands = pipes.open_in();
        let deadline = Instant::now() + timeout;
        let out = loop {
            match pipes.open_out() {
                Ok(out) => break out,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => {
                    return Err(format!(
                        "Neovim's reader never opened {}: {e:?}",
                        pipes.paths().to_nvim.display()
                    ))
                }
            }
        };
        let plain = Self {
            out: Mutex::new(out),
            _commands: commands,
            pipes,
            never: Notifier::new().map_err(|e| format!("pipe: {e}"))?,
        };
        let hello = encode_frame(&hello(project, unity, false)).expect("encodable");
        plain
            .send(&hello, &mut 0)
            .map_err(|e| format!("hello: {e:?}"))?;
        Ok(plain)
    }

    /// Writes all of `bytes`, waiting for the reader as long as it takes (counted in `full`).
    pub fn send(&self, bytes: &[u8], full: &mut u64) -> Result<(), WriteError> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.send(bytes, &self.never, full)
    }
}

impl Drop for Plain {
    fn drop(&mut self) {
        self.pipes.remove();
    }
}

/// What the editor's threads share: frames waiting to go out, and the pipes' state.
pub struct Shared {
    pub out: Mutex<Outbox>,
    pub ready: Condvar,
    /// Both pipes are closed while set, as during a domain reload.
    reloading: AtomicBool,
    /// Counts reloads, so that both pipe threads notice even a reload shorter than their waits.
    epoch: AtomicU64,
    /// The command pipe is open for reading: only then may a hello invite commands.
    listening: AtomicBool,
    /// Neovim said hello: greet it again (it may have missed ours).
    greet: AtomicBool,
    stop: Notifier,
    pipes: Pipes,
    unity: &'static str,
}

pub struct Outbox {
    pub control: VecDeque<Vec<u8>>,
    pub logs: VecDeque<Vec<u8>>,
    pub backlog: usize,
    /// The state frame every greeting sends after its hello.
    pub state: Option<Vec<u8>>,
    /// A frame to send once, on the greeting that opens the pipe (a compile summary carried
    /// over a reload).
    pub once: Option<Vec<u8>>,
    /// A torn frame is due (see [`tear`]).
    pub torn: bool,
}

impl Shared {
    pub fn control(&self, msg: &FromUnity) {
        self.raw(encode_frame(msg).expect("encodable"));
    }

    /// Queues raw bytes (fault injection) in order with the control frames.
    pub fn raw(&self, bytes: Vec<u8>) {
        let mut o = self.out.lock().unwrap();
        o.control.push_back(bytes);
        self.ready.notify_all();
    }

    /// Queues a log frame. When the backlog is full the oldest goes (as in Unity), unless
    /// `wait`: then the game waits for the writer (a flood that must arrive whole).
    pub fn log(&self, msg: &FromUnity, wait: bool) {
        let mut o = self.out.lock().unwrap();
        while wait && o.logs.len() >= o.backlog && !quitting() {
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

    /// Says bye for a reload and closes both pipes until [`Shared::reloaded`].
    pub fn reload(&self) {
        self.control(&FromUnity::Bye(Bye {
            reason: ByeReason::Reload,
        }));
        self.reloading.store(true, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.pipes.reload();
        self.ready.notify_all();
    }

    pub fn reloaded(&self) {
        self.reloading.store(false, Ordering::SeqCst);
    }

    pub fn hello(&self, again: bool) -> FromUnity {
        hello(&self.pipes.paths().project, self.unity, again)
    }
}

/// The editor's pipes: a writer and a reader thread; commands arrive on `commands`.
pub struct Link {
    pub shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Link {
    pub fn start(pipes: Pipes, unity: &'static str, backlog: usize, commands: Sender<Cmd>) -> Self {
        let shared = Arc::new(Shared {
            out: Mutex::new(Outbox {
                control: VecDeque::new(),
                logs: VecDeque::new(),
                backlog,
                state: None,
                once: None,
                torn: false,
            }),
            ready: Condvar::new(),
            reloading: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            greet: AtomicBool::new(false),
            stop: Notifier::new().expect("pipe"),
            pipes,
            unity,
        });
        let writer = {
            let s = Arc::clone(&shared);
            std::thread::spawn(move || write_loop(&s))
        };
        let reader = {
            let s = Arc::clone(&shared);
            std::thread::spawn(move || read_loop(&s, &commands))
        };
        Self {
            shared,
            threads: vec![writer, reader],
        }
    }

    /// Quits as Unity does: says bye, lets the writer deliver it, removes the rendezvous.
    pub fn quit(self) {
        let s = &self.shared;
        s.control(&FromUnity::Bye(Bye {
            reason: ByeReason::Quit,
        }));
        let deadline = Instant::now() + Duration::from_millis(300);
        while Instant::now() < deadline && !s.out.lock().unwrap().control.is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
        s.stop.notify();
        s.ready.notify_all();
        for t in self.threads {
            let _ = t.join();
        }
        s.pipes.remove();
    }
}

/// The writer thread: `unity-to-nvim`, reopened whenever Neovim leaves or a reload ends.
fn write_loop(s: &Shared) {
    let put = |fd: &mut os::Out, f: &[u8]| fd.send(f, &s.stop, &mut 0);
    while !quitting() || !s.out.lock().unwrap().control.is_empty() {
        if s.reloading.load(Ordering::SeqCst) || !s.listening.load(Ordering::SeqCst) {
            if sleep(&s.stop, Duration::from_millis(20)) {
                return;
            }
            continue;
        }
        let epoch = s.epoch.load(Ordering::SeqCst);
        let mut fd = match s.pipes.open_out() {
            Ok(fd) => fd,
            Err(_) => {
                if sleep(&s.stop, Duration::from_millis(100)) {
                    return;
                }
                continue;
            }
        };
        // `once` only on the greeting that opens the pipe; the others answer Neovim's hello.
        let greeting = |opening: bool| {
            let mut o = s.out.lock().unwrap();
            let mut frames = vec![encode_frame(&s.hello(!opening)).expect("encodable")];
            frames.extend(o.state.clone());
            frames.extend(o.once.take().filter(|_| opening));
            frames
        };
        s.greet.store(false, Ordering::SeqCst);
        if greeting(true).iter().any(|f| put(&mut fd, f).is_err()) {
            continue;
        }
        loop {
            // A reload closes the pipe once its bye (a control frame) is out.
            if s.epoch.load(Ordering::SeqCst) != epoch && s.out.lock().unwrap().control.is_empty() {
                break;
            }
            if s.greet.swap(false, Ordering::SeqCst)
                && greeting(false).iter().any(|f| put(&mut fd, f).is_err())
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
                s.pipes.tear();
                continue;
            }
            let Some(frame) = frame else {
                if fd.gone() || s.stop.is_set() {
                    break;
                }
                continue;
            };
            if put(&mut fd, &frame).is_err() {
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

/// The reader thread: commands from `nvim-to-unity`, kept open so that Neovim can connect.
fn read_loop(s: &Shared, cmds: &Sender<Cmd>) {
    let mut buf = vec![0u8; 65536];
    // What the platform keeps open after an end of stream until the next open (see
    // `Pipes::end_in`).
    let mut previous = None;
    while !quitting() {
        if s.reloading.load(Ordering::SeqCst) {
            if sleep(&s.stop, Duration::from_millis(20)) {
                return;
            }
            continue;
        }
        let epoch = s.epoch.load(Ordering::SeqCst);
        let opened = s.pipes.open_in();
        drop(previous.take());
        let Some(mut fd) = opened else {
            if sleep(&s.stop, Duration::from_millis(100)) {
                return;
            }
            continue;
        };
        s.listening.store(true, Ordering::SeqCst);
        let mut dec = Decoder::new();
        loop {
            match fd.recv(&mut buf, &s.stop, Duration::from_millis(50)) {
                Recv::Stopped => return,
                Recv::Nothing => {
                    if dec.pending() > 0 {
                        dec.unstick();
                    }
                }
                Recv::End => {
                    previous = s.pipes.end_in(fd);
                    break;
                }
                Recv::Data(n) => dec.push(&buf[..n]),
            }
            while let Some(item) = dec.next_item() {
                if let Item::Frame(p) = item {
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

/// The canonical path of a project folder given on the command line.
pub fn project_dir(given: &Path) -> Result<PathBuf, String> {
    let p = std::fs::canonicalize(given).map_err(|e| format!("{}: {e}", given.display()))?;
    // Windows spells a canonical path `\\?\C:\...`; Unity writes `C:\...`.
    let plain = p
        .to_str()
        .and_then(|s| s.strip_prefix(r"\\?\"))
        .map(PathBuf::from);
    Ok(plain.unwrap_or(p))
}
