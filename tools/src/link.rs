//! The peer's side of the wire, and the only place it touches the transport: the rendezvous
//! made as Unity makes it, the hello, a writer and a reader that reopen their pipes as Unity's
//! package does (the `editor` subcommand), and a plain blocking connection (the benchmark's
//! `flood`). A second platform's transport goes here, behind these functions.

use crate::rendezvous::{create_rendezvous, remove_rendezvous, write_session};
use crossbeam_channel::Sender;
use nix::errno::Errno;
use nix::poll::PollFlags;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use unity_native::frame::{Decoder, Item};
use unity_native::protocol::*;
use unity_native::transport::{open_fifo, reader_gone, sleep, wait, OpenError, Paths, Wait};
use unity_native::wake_pipe::{retry, Notifier};

pub use unity_native::transport::WriteError;

static QUIT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    QUIT.store(true, Ordering::SeqCst);
}

/// Unity's Mono runtime ignores SIGPIPE: a departed reader is EPIPE, as the protocol says.
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal to SIG_IGN.
    unsafe {
        sigaction(
            Signal::SIGPIPE,
            &SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty()),
        )
    }
    .expect("ignore SIGPIPE");
}

/// SIGTERM and SIGINT make [`quitting`] true, as Unity quits on them.
pub fn quit_on_signals() {
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { sigaction(s, &action) }.expect("install signal handler");
    }
}

pub fn quitting() -> bool {
    QUIT.load(Ordering::SeqCst)
}

/// Makes the rendezvous for `project` (canonical), `session.json` last: it is the readiness
/// marker.
pub fn announce(project: &Path, unity: &str) -> Result<Paths, String> {
    let paths = Paths::new(project);
    create_rendezvous(&paths).map_err(|e| format!("cannot create {}: {e}", paths.dir.display()))?;
    write_session(&paths, unity)
        .map_err(|e| format!("cannot write {}: {e}", paths.session.display()))?;
    Ok(paths)
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

/// Writes all of `bytes`, waiting while the pipe is full (counted in `full`) until `stop`.
pub fn send(
    fd: &OwnedFd,
    mut bytes: &[u8],
    stop: &Notifier,
    full: &mut u64,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        match retry(|| nix::unistd::write(fd, bytes)) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EAGAIN) => {
                *full += 1;
                if wait(
                    fd,
                    PollFlags::POLLOUT,
                    stop,
                    Some(Duration::from_millis(100)),
                ) == Wait::Stopped
                {
                    return Err(WriteError::Stopped);
                }
            }
            Err(Errno::EPIPE) => return Err(WriteError::ReaderGone),
            Err(e) => return Err(WriteError::Io(e)),
        }
    }
    Ok(())
}

/// A plain connection for the benchmark: Unity's order (its read end of the command pipe
/// first), then its write end once Neovim's reader has it open, then the hello. The command
/// pipe's descriptor is kept open and never read.
pub struct Plain {
    out: OwnedFd,
    _commands: OwnedFd,
    paths: Paths,
    /// Never fires: the benchmark's peer waits for its reader.
    never: Notifier,
}

impl Plain {
    pub fn connect(project: &Path, unity: &str, timeout: Duration) -> Result<Self, String> {
        let paths = announce(project, unity)?;
        let commands = open_fifo(&paths, &paths.to_unity, false)
            .map_err(|e| format!("open {}: {e:?}", paths.to_unity.display()))?;
        let deadline = Instant::now() + timeout;
        let out = loop {
            match open_fifo(&paths, &paths.to_nvim, true) {
                Ok(fd) => break fd,
                Err(OpenError::NoReader) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(e) => {
                    return Err(format!(
                        "Neovim's reader never opened {}: {e:?}",
                        paths.to_nvim.display()
                    ))
                }
            }
        };
        let plain = Self {
            out,
            _commands: commands,
            paths,
            never: Notifier::new().map_err(|e| format!("pipe: {e}"))?,
        };
        let hello = encode_frame(&hello(project, unity, false)).expect("encodable");
        plain
            .send(&hello, &mut 0)
            .map_err(|e| format!("hello: {e:?}"))?;
        Ok(plain)
    }

    /// [`send`], waiting for the reader as long as it takes.
    pub fn send(&self, bytes: &[u8], full: &mut u64) -> Result<(), WriteError> {
        send(&self.out, bytes, &self.never, full)
    }
}

impl Drop for Plain {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.paths.dir);
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
    paths: Paths,
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
        self.ready.notify_all();
    }

    pub fn reloaded(&self) {
        self.reloading.store(false, Ordering::SeqCst);
    }

    pub fn hello(&self, again: bool) -> FromUnity {
        hello(&self.paths.project, self.unity, again)
    }
}

/// The editor's pipes: a writer and a reader thread; commands arrive on `commands`.
pub struct Link {
    pub shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Link {
    pub fn start(paths: Paths, unity: &'static str, backlog: usize, commands: Sender<Cmd>) -> Self {
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
            paths,
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
        remove_rendezvous(&s.paths);
    }
}

/// The writer thread: `unity-to-nvim`, reopened whenever Neovim leaves or a reload ends.
fn write_loop(s: &Shared) {
    let paths = &s.paths;
    let put = |fd: &OwnedFd, f: &[u8]| send(fd, f, &s.stop, &mut 0);
    while !quitting() || !s.out.lock().unwrap().control.is_empty() {
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
        // `once` only on the greeting that opens the pipe; the others answer Neovim's hello.
        let greeting = |opening: bool| {
            let mut o = s.out.lock().unwrap();
            let mut frames = vec![encode_frame(&s.hello(!opening)).expect("encodable")];
            frames.extend(o.state.clone());
            frames.extend(o.once.take().filter(|_| opening));
            frames
        };
        s.greet.store(false, Ordering::SeqCst);
        if greeting(true).iter().any(|f| put(&fd, f).is_err()) {
            continue;
        }
        loop {
            // A reload closes the pipe once its bye (a control frame) is out.
            if s.epoch.load(Ordering::SeqCst) != epoch && s.out.lock().unwrap().control.is_empty() {
                break;
            }
            if s.greet.swap(false, Ordering::SeqCst)
                && greeting(false).iter().any(|f| put(&fd, f).is_err())
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
            if put(&fd, &frame).is_err() {
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
fn read_loop(s: &Shared, cmds: &Sender<Cmd>) {
    let paths = &s.paths;
    let mut buf = vec![0u8; 65536];
    // After an end of stream the old descriptor stays open until the new one is (see the
    // Neovim reader): commands written in between stay in the pipe.
    let mut previous = None;
    while !quitting() {
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
                PollFlags::POLLIN,
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
    std::fs::canonicalize(given).map_err(|e| format!("{}: {e}", given.display()))
}
