//! Commands to Unity over `nvim-to-unity`.
//!
//! `send` runs on Neovim's main loop and only does non-blocking work: it opens the FIFO without
//! waiting (no reader is the immediate error `Failure::NotConnected`) and hands the frame to a
//! writer thread, which waits for room when Unity is slow to read. A command that cannot be
//! delivered is reported as `Event::Undelivered` through the same queue as Unity's replies, so
//! a callback always learns the outcome, and can tell that Unity never saw the command.

use crate::failure::Failure;
use crate::protocol::{encode_frame, Cmd, FromNvim, NvimHello, PROTOCOL_VERSION};
use crate::queue::{Event, Inbox};
use crate::transport::{
    errno_of, open_writer, reader_gone, write_all, Paths, WriteEnd, WriteError,
};
use crate::wake_pipe::Notifier;
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Command ids are unique for the whole Neovim process (doc/protocol.md §5).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Commands waiting for the writer thread before `send` reports Unity as not reading.
const MAX_QUEUED: usize = 256;

struct Job {
    id: Option<u64>,
    bytes: Vec<u8>,
}

/// One opened write end and the thread that writes to it.
struct Conn {
    fd: Arc<WriteEnd>,
    tx: Option<Sender<Job>>,
    stop: Arc<Notifier>,
    dead: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.tx.take();
        self.stop.notify();
        // The thread only waits on the pipe together with `stop`, so this returns promptly.
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct Commands {
    paths: Paths,
    inbox: Arc<Inbox>,
    client: String,
    conn: Option<Conn>,
}

impl Commands {
    pub fn new(paths: Paths, inbox: Arc<Inbox>, client: String) -> Self {
        Self {
            paths,
            inbox,
            client,
            conn: None,
        }
    }

    /// Queues a command; returns its id.
    pub fn send(&mut self, name: &str, args: Option<rmpv::Value>) -> Result<u64, Failure> {
        if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
            return Err(Failure::BadName);
        }
        if let Some(a) = &args {
            if !a.is_map() {
                return Err(Failure::BadArgs);
            }
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let cmd = FromNvim::Cmd(Cmd {
            id,
            name: name.to_owned(),
            args,
        });
        let bytes = encode_frame(&cmd).map_err(|e| Failure::Encode(e.to_string()))?;
        let tx = self.connection()?;
        match tx.try_send(Job {
            id: Some(id),
            bytes,
        }) {
            Ok(()) => Ok(id),
            Err(TrySendError::Full(_)) => Err(Failure::NotReading),
            Err(TrySendError::Disconnected(_)) => Err(Failure::NotConnected),
        }
    }

    /// Opens the write end now if Unity listens, so that Unity hears our hello and greets us
    /// even if its own hello went to a reader that left just before ours came.
    pub fn greet(&mut self) {
        let _ = self.connection();
    }

    /// Whether a write end is open and its reader still there.
    pub fn connected(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| !c.dead.load(Ordering::Acquire) && !reader_gone(&c.fd))
    }

    /// The live connection's queue, opening the FIFO (hello first) when there is none.
    fn connection(&mut self) -> Result<&Sender<Job>, Failure> {
        if !self.connected() {
            self.conn = None;
            self.conn = Some(self.open()?);
        }
        match self.conn.as_ref().and_then(|c| c.tx.as_ref()) {
            Some(tx) => Ok(tx),
            None => Err(Failure::NotConnected),
        }
    }

    fn open(&self) -> Result<Conn, Failure> {
        let fd = Arc::new(open_writer(&self.paths)?);
        let hello = FromNvim::Hello(NvimHello {
            protocol: PROTOCOL_VERSION,
            client: self.client.clone(),
            pid: std::process::id(),
        });
        let (tx, rx) = bounded(MAX_QUEUED);
        let hello = encode_frame(&hello).map_err(|e| Failure::Encode(e.to_string()))?;
        let _ = tx.try_send(Job {
            id: None,
            bytes: hello,
        });
        let stop = Arc::new(Notifier::new().map_err(|e| Failure::Io(errno_of(&e)))?);
        let dead = Arc::new(AtomicBool::new(false));
        let thread = {
            let (fd, stop, dead, inbox) = (
                Arc::clone(&fd),
                Arc::clone(&stop),
                Arc::clone(&dead),
                Arc::clone(&self.inbox),
            );
            std::thread::Builder::new()
                .name("unity-writer".into())
                .spawn(move || write_loop(&fd, &rx, &stop, &dead, &inbox))
                .map_err(|e| Failure::Io(errno_of(&e)))?
        };
        Ok(Conn {
            fd,
            tx: Some(tx),
            stop,
            dead,
            thread: Some(thread),
        })
    }
}

/// Writes queued frames until the reader leaves, a write fails or the connection closes. A
/// command that was not written is reported as `Event::Undelivered` (with the reason), never as
/// a reply: replies come from Unity only.
fn write_loop(
    fd: &WriteEnd,
    rx: &Receiver<Job>,
    stop: &Notifier,
    dead: &AtomicBool,
    inbox: &Arc<Inbox>,
) {
    let mut out = inbox.producer();
    let mut undelivered = |job: Job, why: WriteError| {
        if let Some(id) = job.id {
            out.push(Event::Undelivered { id, why });
        }
    };
    for job in rx.iter() {
        let Err(why) = write_all(fd, &job.bytes, stop, None) else {
            continue;
        };
        dead.store(true, Ordering::Release);
        undelivered(job, why);
        for job in rx.try_iter() {
            undelivered(job, why);
        }
        break;
    }
    // Reports held back for lack of room must still arrive; give Neovim a second to make room.
    for _ in 0..50 {
        if out.flush() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
