//! The reader thread: `unity-to-nvim` -> frames -> messages -> queue.
//!
//! It owns the pipe for the whole life of a connection handle: it waits for Unity to create the
//! rendezvous, reopens after every writer leaves (reloads, restarts), notices replaced FIFO files,
//! and accounts for every loss. It never touches Lua and never blocks without also watching its
//! stop signal.

use crate::failure::Failure;
use crate::frame::{Decoder, Item};
use crate::ledger::Ledger;
use crate::lock::Lock;
use crate::lock::CHECK_EVERY;
use crate::log::look::Look;
use crate::log::Entry;
use crate::protocol::{decode, FromUnity, TestEvent};
use crate::queue::{Event, LostCause, Producer};
use crate::transport::{
    open_reader, read_some, same_file, sleep, wait_readable, OpenError, Paths, ReadEnd, Wait,
};
use crate::wake_pipe::Notifier;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often to look again for a rendezvous that is not there yet.
const MISSING_POLL: Duration = Duration::from_millis(250);
/// While no writer has come, how often to check that the FIFO file was not replaced.
const REPLACED_POLL: Duration = Duration::from_millis(500);
/// Quiet time after which an incomplete frame may be given up (see `Decoder::unstick`).
const STALL: Duration = Duration::from_millis(100);
/// While events are held back for lack of room, how often to retry.
const HELD_RETRY: Duration = Duration::from_millis(20);
/// Bytes taken from the pipe at once.
const READ_SIZE: usize = 64 * 1024;
/// Most events one read can yield (the smallest frame is 15 bytes).
const EVENTS_PER_READ: usize = READ_SIZE / 15 + 2;
/// The smallest queue: room for two reads' worth of events, so the reader never has to drop.
pub const MIN_QUEUE: usize = 2 * EVENTS_PER_READ;

/// How the reader thread starts, and what it shares with its handle.
pub struct Start {
    pub paths: Paths,
    pub out: Producer,
    pub stop: Arc<Notifier>,
    /// Take the project's reader lock even when another Neovim holds it.
    pub force: bool,
    /// Set to the pid of the Neovim holding the lock while we are locked out (0: nobody).
    pub locked_by: Arc<AtomicU32>,
    /// How log messages are laid out (they are formatted here, off Neovim's main loop): the
    /// logbook's, given once at connect.
    pub look: Arc<Look>,
}

pub fn spawn(start: Start) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("unity-reader".into())
        .spawn(move || {
            let Start {
                paths,
                out,
                stop,
                force,
                locked_by,
                look,
            } = start;
            let lock = Lock::new(&paths.dir);
            let mut r = Reader {
                paths,
                out,
                stop,
                ledger: Ledger::default(),
                problem: None,
                lock,
                force,
                locked_by,
                greet: true,
                look,
            };
            // A bug here must not take Neovim down or go unnoticed.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.run()));
            r.lock.release();
            if let Err(p) = result {
                r.out.push(Event::Failure(Failure::ReaderStopped(
                    crate::panic_message(&*p),
                )));
                r.out.flush();
            }
        })
}

struct Reader {
    paths: Paths,
    out: Producer,
    stop: Arc<Notifier>,
    ledger: Ledger,
    /// The last problem reported, so that a persisting one is said once.
    problem: Option<Failure>,
    lock: Lock,
    force: bool,
    locked_by: Arc<AtomicU32>,
    /// Whether to announce `Listening` at the next open.
    greet: bool,
    look: Arc<Look>,
}

enum Ended {
    Stop,
    /// Open the FIFO again; `keep` is the old descriptor, to close once the new one is open.
    Reopen {
        writer_seen: bool,
        keep: Option<ReadEnd>,
    },
}

impl Reader {
    fn run(&mut self) {
        // The descriptor that saw the end of a stream stays open until its successor is: a
        // writer that opened in between must not find the pipe without a reader (its bytes
        // would be dropped with the pipe when it then gets EPIPE and closes).
        let mut previous: Option<ReadEnd> = None;
        loop {
            let opened = open_reader(&self.paths);
            drop(previous.take());
            let fd = match opened {
                Ok(fd) => fd,
                Err(e @ (OpenError::Refused { .. } | OpenError::Impostor { .. })) => {
                    self.report(e.into());
                    if sleep(&self.stop, Duration::from_secs(1)) {
                        return;
                    }
                    continue;
                }
                // A named pipe's one instance is taken: say who holds the project, if another
                // Neovim does (with FIFOs the open succeeds and the lock below tells).
                Err(OpenError::NoReader) => {
                    self.problem = None;
                    if let Err(pid) = self.lock.acquire(self.force) {
                        if self.locked_by.swap(pid, Ordering::AcqRel) != pid {
                            self.out.push(Event::Locked { pid });
                        }
                    }
                    if sleep(&self.stop, MISSING_POLL) {
                        return;
                    }
                    continue;
                }
                Err(_) => {
                    if sleep(&self.stop, MISSING_POLL) {
                        return;
                    }
                    continue;
                }
            };
            self.problem = None;
            // Only one Neovim may read: each would get part of the stream.
            if let Err(pid) = self.lock.acquire(std::mem::take(&mut self.force)) {
                drop(fd);
                if self.locked_by.swap(pid, Ordering::AcqRel) != pid {
                    self.out.push(Event::Locked { pid });
                }
                if sleep(&self.stop, Duration::from_secs(1)) {
                    return;
                }
                continue;
            }
            self.locked_by.store(0, Ordering::Release);
            if self.greet {
                self.out.push(Event::Listening);
            }
            match self.serve(fd) {
                Ended::Stop => return,
                // Greet again only after a real connection, not on every empty reopen.
                Ended::Reopen { writer_seen, keep } => {
                    self.greet = writer_seen;
                    previous = keep;
                }
            }
        }
    }

    fn report(&mut self, why: Failure) {
        if self.problem.as_ref() != Some(&why) {
            self.problem = Some(why.clone());
            self.out.push(Event::Failure(why));
        }
    }

    /// Reads one opened FIFO until its writers are gone.
    fn serve(&mut self, mut fd: ReadEnd) -> Ended {
        let mut dec = Decoder::new();
        let mut buf = vec![0u8; READ_SIZE];
        let mut writer_seen = false;
        loop {
            // When Neovim is behind, leave the bytes in the pipe rather than drop what we
            // decoded: Unity's own bounded queue then drops its oldest logs (a seq gap, shown),
            // and the newest, which matter most, still arrive.
            if self.out.wait_for_room(EVENTS_PER_READ, &self.stop) {
                return Ended::Stop;
            }
            let timeout = if !self.out.flush() {
                Some(HELD_RETRY)
            } else if dec.pending() > 0 {
                Some(STALL)
            } else if !writer_seen {
                Some(REPLACED_POLL)
            } else {
                None
            };
            let timeout = match (timeout, CHECK_EVERY) {
                (Some(t), Some(c)) => Some(t.min(c)),
                (t, c) => t.or(c),
            };
            match wait_readable(&mut fd, self.lock.nudge_fd(), &self.stop, timeout) {
                Wait::Stopped => return Ended::Stop,
                Wait::TimedOut => {
                    // Without a nudge (Windows), a takeover is seen on this timer.
                    if CHECK_EVERY.is_some() {
                        if let Err(pid) = self.lock.check() {
                            self.locked_by.store(pid, Ordering::Release);
                            self.out.push(Event::Superseded { pid });
                            return Ended::Stop;
                        }
                    }
                    if dec.pending() > 0 && dec.unstick() {
                        self.take(&mut dec);
                    }
                    if !writer_seen && !same_file(&self.paths.to_nvim, &fd) {
                        return Ended::Reopen {
                            writer_seen,
                            keep: None,
                        };
                    }
                    continue;
                }
                Wait::Ready => {}
            }
            // Yield before reading when another Neovim took over: what is in the pipe is its.
            // A takeover nudges us (the pipe may then be empty: the read below finds EAGAIN).
            self.lock.take_nudges();
            if let Err(pid) = self.lock.check() {
                self.locked_by.store(pid, Ordering::Release);
                self.out.push(Event::Superseded { pid });
                return Ended::Stop;
            }
            match read_some(&mut fd, &mut buf) {
                Ok(Some(0)) => {
                    self.closed(&mut dec, writer_seen);
                    // Some systems report a hang-up before any writer came: do not spin.
                    if !writer_seen && sleep(&self.stop, Duration::from_millis(50)) {
                        return Ended::Stop;
                    }
                    return Ended::Reopen {
                        writer_seen,
                        keep: Some(fd),
                    };
                }
                Ok(Some(n)) => {
                    writer_seen = true;
                    let c = self.out.counters();
                    c.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    dec.push(&buf[..n]);
                    self.take(&mut dec);
                }
                Ok(None) => {}
                Err(e) => {
                    self.report(Failure::Read(e));
                    return Ended::Reopen {
                        writer_seen,
                        keep: None,
                    };
                }
            }
        }
    }

    /// Every writer closed: what remains can no longer become a frame.
    fn closed(&mut self, dec: &mut Decoder, writer_seen: bool) {
        loop {
            self.take(dec);
            if !dec.unstick() {
                break;
            }
        }
        if dec.close().is_some() {
            self.corrupt("the stream ended inside a frame".into());
        }
        if writer_seen {
            let unexplained = self.ledger.closed();
            self.lost(unexplained, LostCause::Corrupt);
            self.out.push(Event::Disconnected);
        }
    }

    fn take(&mut self, dec: &mut Decoder) {
        while let Some(item) = dec.next_item() {
            match item {
                Item::Garbage(n) => {
                    self.corrupt(format!("skipped {n} bytes that were not a valid frame"))
                }
                Item::Frame(payload) => {
                    self.out.counters().frames.fetch_add(1, Ordering::Relaxed);
                    match decode::<FromUnity>(payload) {
                        Ok(msg) => self.message(msg),
                        Err(e) => self.corrupt(format!("dropped a malformed message: {e}")),
                    }
                }
            }
        }
    }

    fn corrupt(&mut self, reason: String) {
        self.ledger.corrupt();
        self.out.counters().corrupt.fetch_add(1, Ordering::Relaxed);
        self.out.push(Event::Corrupt { reason });
    }

    fn lost(&mut self, count: u64, cause: LostCause) {
        if count > 0 {
            self.out.push(Event::Lost { count, cause });
        }
    }

    fn message(&mut self, msg: FromUnity) {
        match &msg {
            FromUnity::Unknown => return,
            FromUnity::Test(t) if t.event == TestEvent::Unknown => return,
            FromUnity::Hello(h) => {
                let unexplained = self.ledger.hello(h.pid);
                self.lost(unexplained, LostCause::Corrupt);
            }
            FromUnity::Log(l) => {
                let v = self.ledger.log(l.seq);
                if v.renumbered {
                    let c = self.out.counters();
                    c.renumbered.fetch_add(1, Ordering::Relaxed);
                }
                self.lost(v.gap, LostCause::Gap);
                self.lost(v.corrupt, LostCause::Corrupt);
            }
            _ => {}
        }
        self.out.push(match msg {
            FromUnity::Log(l) => Event::Log(Entry::log(l, &self.look)),
            other => Event::Message(other),
        });
    }
}
