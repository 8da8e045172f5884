//! The peer's pipes on Windows: Unity's two named pipes (doc/protocol.md §2, "Windows"), made
//! by unity_native's `PipeServer` with the protocol's flags (owner-only, local clients, one
//! instance, duplex, first instance), under names with a per-session nonce that
//! `session.json` gives. Each pipe waits in a slot; a connection takes it and gives it back
//! disconnected, and a domain reload closes both (they are made again at the next open).

use super::Recv;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use unity_native::protocol::PROTOCOL_VERSION;
use unity_native::transport::{
    errno_of, nonce, write_private, OpenError, Paths, PipeServer, Wait, WriteError,
};
use unity_native::wake_pipe::Notifier;

use crate::json::quote;

/// Windows has no SIGPIPE: a departed reader is an error of the write (`ERROR_NO_DATA`).
pub fn ignore_sigpipe() {}

/// Windows has no SIGTERM: the tests end the peer by ending its process, as a user ends Unity.
pub fn quit_on_signals() {}

/// How long one open waits for Neovim before the caller's loop looks around again.
const ACCEPT_SLICE: Duration = Duration::from_millis(100);

type Slot = Arc<Mutex<Option<PipeServer>>>;

/// One editor session's pipes.
pub struct Pipes {
    paths: Paths,
    /// `unity-to-nvim`, `nvim-to-unity`.
    names: [String; 2],
    slots: [Slot; 2],
    /// Counts reloads: a pipe taken before one is closed, not given back.
    generation: Arc<AtomicU64>,
}

/// A pipe taken from its slot for one connection.
struct Taken {
    /// Boxed: a connection is moved around, the pipe's state is large.
    server: Option<Box<PipeServer>>,
    slot: Slot,
    generation: Arc<AtomicU64>,
    taken_in: u64,
    stop: Notifier,
}

impl Drop for Taken {
    fn drop(&mut self) {
        let Some(mut server) = self.server.take() else {
            return;
        };
        if self.generation.load(Ordering::SeqCst) == self.taken_in {
            server.disconnect();
            let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(*server);
        }
    }
}

impl Taken {
    fn server(&mut self) -> &mut PipeServer {
        self.server.as_mut().expect("held until dropped")
    }
}

/// Our write end of `unity-to-nvim`.
pub struct Out(Taken);

/// Our read end of `nvim-to-unity`: listening as soon as the pipe exists; Neovim's writer
/// connects to it later.
pub struct In {
    taken: Taken,
    connected: bool,
}

impl Pipes {
    /// Creates both pipes, then writes `session.json` (naming them) last.
    pub fn announce(project: &Path, unity: &str) -> Result<Self, String> {
        let paths = Paths::new(project);
        if paths.dir.symlink_metadata().is_ok() {
            std::fs::remove_dir_all(&paths.dir)
                .map_err(|e| format!("cannot remove {}: {e}", paths.dir.display()))?;
        }
        std::fs::create_dir_all(&paths.dir)
            .map_err(|e| format!("cannot create {}: {e}", paths.dir.display()))?;
        let base = format!(r"\\.\pipe\unity-nvim.{}", nonce());
        let pipes = Self {
            names: [
                format!("{base}.unity-to-nvim"),
                format!("{base}.nvim-to-unity"),
            ],
            paths,
            slots: Default::default(),
            generation: Arc::new(AtomicU64::new(0)),
        };
        for i in 0..2 {
            let server = pipes.create(i)?;
            *pipes.slots[i].lock().unwrap() = Some(server);
        }
        let session = format!(
            "{{\"protocol\":{PROTOCOL_VERSION},\"pid\":{},\"unity\":{},\"project\":{},\"pipes\":{{\"unity-to-nvim\":{},\"nvim-to-unity\":{}}}}}\n",
            std::process::id(),
            quote(unity),
            quote(&pipes.paths.project.to_string_lossy()),
            quote(&pipes.names[0]),
            quote(&pipes.names[1]),
        );
        write_private(&pipes.paths.session, session.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", pipes.paths.session.display()))?;
        Ok(pipes)
    }

    fn create(&self, i: usize) -> Result<PipeServer, String> {
        PipeServer::create(&self.names[i])
            .map_err(|e| format!("cannot create the pipe {}: {e}", self.names[i]))
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Pipe `i`, made again if a reload closed it.
    fn take(&self, i: usize) -> Result<Taken, OpenError> {
        let stop = Notifier::new().map_err(|e| OpenError::Io(errno_of(&e)))?;
        let server = self.slots[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // After a reload the pipe is made again, under the same name.
        let server = match server {
            Some(s) => s,
            None => self.create(i).map_err(|_| OpenError::Missing)?,
        };
        Ok(Taken {
            server: Some(Box::new(server)),
            slot: Arc::clone(&self.slots[i]),
            generation: Arc::clone(&self.generation),
            taken_in: self.generation.load(Ordering::SeqCst),
            stop,
        })
    }

    /// The write end, once Neovim's reader opened the pipe (`NoReader` before).
    pub fn open_out(&self) -> Result<Out, OpenError> {
        let mut taken = self.take(0)?;
        let never = Notifier::new().map_err(|e| OpenError::Io(errno_of(&e)))?;
        match taken.server().accept(&never, Some(ACCEPT_SLICE)) {
            Ok(Wait::Ready) => Ok(Out(taken)),
            // Nobody yet, or a client that came and left (a refused one): the pipe goes back
            // to its slot disconnected, free for the next.
            Ok(_) | Err(_) => Err(OpenError::NoReader),
        }
    }

    /// The read end, listening at once (as a FIFO's read end opens without a writer).
    pub fn open_in(&self) -> Option<In> {
        self.take(1).ok().map(|taken| In {
            taken,
            connected: false,
        })
    }

    /// Neovim's writer left: the pipe is disconnected and waits for the next one.
    pub fn end_in(&self, i: In) -> Option<In> {
        drop(i);
        None
    }

    /// A domain reload closes both pipes (taken ones when their connection ends).
    pub fn reload(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for slot in &self.slots {
            slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
    }

    /// Nothing to tear: a named pipe has one client at a time, and a client that dies ends
    /// its connection (the torn frame a second FIFO writer makes has no equivalent here).
    pub fn tear(&self) {}

    pub fn remove(&self) {
        self.reload();
        let _ = std::fs::remove_dir_all(&self.paths.dir);
    }
}

impl Out {
    /// Writes all of `bytes`, waiting while the pipe is full, until `stop`.
    pub fn send(
        &mut self,
        bytes: &[u8],
        stop: &Notifier,
        _full: &mut u64,
    ) -> Result<(), WriteError> {
        self.0.server().write_all(bytes, stop)
    }

    /// Whether Neovim's reader left (the read Unity keeps posted completed).
    pub fn gone(&mut self) -> bool {
        let t = &mut self.0;
        let stop = &t.stop;
        let server = t.server.as_mut().expect("held until dropped");
        !matches!(
            server.read(&mut [0u8; 1], stop, Some(Duration::ZERO)),
            Ok(None)
        )
    }
}

impl In {
    pub fn recv(&mut self, buf: &mut [u8], stop: &Notifier, timeout: Duration) -> Recv {
        if !self.connected {
            return match self.taken.server().accept(stop, Some(timeout)) {
                Ok(Wait::Ready) => {
                    self.connected = true;
                    Recv::Nothing
                }
                Ok(Wait::Stopped) => Recv::Stopped,
                Ok(Wait::TimedOut) => Recv::Nothing,
                // A writer that came and left (a refused Neovim): listen for the next.
                Err(_) => Recv::End,
            };
        }
        match self.taken.server().read(buf, stop, Some(timeout)) {
            Ok(Some(0)) | Err(_) => Recv::End,
            Ok(Some(n)) => Recv::Data(n),
            Ok(None) if stop.is_set() => Recv::Stopped,
            Ok(None) => Recv::Nothing,
        }
    }
}
