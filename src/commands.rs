//! Commands to Unity over `nvim-to-unity`.
//!
//! `send` runs on Neovim's main loop and only does non-blocking work: it opens the FIFO without
//! waiting (no reader is the immediate error "Unity is not connected") and hands the frame to a
//! writer thread, which waits for room when Unity is slow to read. A command that cannot be
//! delivered is answered with a failed `reply` through the same queue as Unity's replies, so a
//! callback always learns the outcome.

use crate::protocol::{encode_frame, Cmd, FromNvim, FromUnity, NvimHello, Reply, PROTOCOL_VERSION};
use crate::queue::{Event, Inbox};
use crate::transport::{open_writer, reader_gone, write_all, OpenError, Paths, WriteError};
use crate::wake::Notifier;
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use std::fmt;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Command ids are unique for the whole Neovim process (doc/protocol.md §5).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Commands waiting for the writer thread before `send` reports Unity as not reading.
const MAX_QUEUED: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    NotRunning,
    NotConnected,
    NotReading,
    Invalid(String),
    Refused(String),
    /// Another Neovim (this pid) reads this project's Unity.
    Locked(u32),
    Io(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NotRunning => f.write_str("Unity is not running in this project (no Temp/NeovimBridge): open the project in Unity with the unity.nvim package installed"),
            SendError::NotConnected => f.write_str("Unity is not connected: it is starting, reloading scripts, or its unity.nvim package is not listening"),
            SendError::NotReading => f.write_str("Unity is not reading commands (its pipe is full): is the editor busy or frozen?"),
            SendError::Invalid(why) | SendError::Refused(why) => f.write_str(why),
            SendError::Locked(pid) => write!(f, "another Neovim (pid {pid}) is connected to this Unity project: :UnityConnect! takes over"),
            SendError::Io(why) => write!(f, "could not write to Unity: {why}"),
        }
    }
}

impl SendError {
    /// A stable name for the kind of failure, for callers that word their own message.
    pub fn kind(&self) -> &'static str {
        match self {
            SendError::NotRunning => "not_running",
            SendError::NotConnected => "not_connected",
            SendError::NotReading => "not_reading",
            SendError::Invalid(_) => "invalid",
            SendError::Refused(_) => "refused",
            SendError::Locked(_) => "locked",
            SendError::Io(_) => "io",
        }
    }
}

struct Job {
    id: Option<u64>,
    bytes: Vec<u8>,
}

/// One opened write end and the thread that writes to it.
struct Conn {
    fd: Arc<OwnedFd>,
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
    pub fn send(&mut self, name: &str, args: Option<rmpv::Value>) -> Result<u64, SendError> {
        if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
            return Err(SendError::Invalid(format!(
                "invalid command name {name:?}: use 1 to 256 printable characters"
            )));
        }
        if let Some(a) = &args {
            if !a.is_map() {
                return Err(SendError::Invalid(format!(
                    "arguments of '{name}' must be a table with string keys"
                )));
            }
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let cmd = FromNvim::Cmd(Cmd {
            id,
            name: name.to_owned(),
            args,
        });
        let bytes = encode_frame(&cmd)
            .map_err(|e| SendError::Invalid(format!("cannot send '{name}': {e}")))?;
        let tx = self.connection()?;
        match tx.try_send(Job {
            id: Some(id),
            bytes,
        }) {
            Ok(()) => Ok(id),
            Err(TrySendError::Full(_)) => Err(SendError::NotReading),
            Err(TrySendError::Disconnected(_)) => Err(SendError::NotConnected),
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
            .is_some_and(|c| !c.dead.load(Ordering::Acquire) && !reader_gone(&*c.fd))
    }

    /// The live connection's queue, opening the FIFO (hello first) when there is none.
    fn connection(&mut self) -> Result<&Sender<Job>, SendError> {
        if !self.connected() {
            self.conn = None;
            self.conn = Some(self.open()?);
        }
        match self.conn.as_ref().and_then(|c| c.tx.as_ref()) {
            Some(tx) => Ok(tx),
            None => Err(SendError::NotConnected),
        }
    }

    fn open(&self) -> Result<Conn, SendError> {
        let fd = Arc::new(open_writer(&self.paths).map_err(|e| match e {
            OpenError::Missing => SendError::NotRunning,
            OpenError::NoReader => SendError::NotConnected,
            OpenError::Refused(why) => SendError::Refused(why),
            OpenError::Io(e) => SendError::Io(e.desc().into()),
        })?);
        let hello = FromNvim::Hello(NvimHello {
            protocol: PROTOCOL_VERSION,
            client: self.client.clone(),
            pid: std::process::id(),
        });
        let (tx, rx) = bounded(MAX_QUEUED);
        let hello = encode_frame(&hello).map_err(|e| SendError::Io(e.to_string()))?;
        let _ = tx.try_send(Job {
            id: None,
            bytes: hello,
        });
        let stop = Arc::new(Notifier::new().map_err(|e| SendError::Io(e.to_string()))?);
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
                .map_err(|e| SendError::Io(e.to_string()))?
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

fn write_loop(
    fd: &OwnedFd,
    rx: &Receiver<Job>,
    stop: &Notifier,
    dead: &AtomicBool,
    inbox: &Arc<Inbox>,
) {
    let mut out = inbox.producer();
    let mut fail = |job: Job, why: &str| {
        if let Some(id) = job.id {
            out.push(Event::Message(FromUnity::Reply(Reply {
                id,
                ok: false,
                error: Some(why.to_owned()),
                result: None,
            })));
        }
    };
    for job in rx.iter() {
        let why = match write_all(fd, &job.bytes, stop, None) {
            Ok(()) => continue,
            Err(WriteError::ReaderGone) => "Unity closed the command pipe before reading this command (a script reload or quit); send it again",
            Err(WriteError::Stopped) => "the connection to Unity was closed before this command was sent",
            Err(WriteError::Io(_)) => "writing the command to Unity failed",
        };
        dead.store(true, Ordering::Release);
        fail(job, why);
        for job in rx.try_iter() {
            fail(job, why);
        }
        break;
    }
    // Replies held back for lack of room must still arrive; give Neovim a second to make room.
    for _ in 0..50 {
        if out.flush() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
