//! The signal between threads, and from the queue to Neovim's event loop. Threads wait on an
//! event object (Windows waits on handles). Neovim's libuv cannot watch an event, nor a
//! descriptor of this module, but it can connect to a named pipe: `watch_pipe` makes one (a
//! private name, as the transport's pipes are made), and once Neovim itself is its client, every
//! `notify` also writes a byte there, as `notify` on Unix writes to the pipe Neovim watches.

use super::server::{nonce, PipeServer};
use super::sys::{Errno, Event};
use std::sync::{Mutex, MutexGuard};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::GetCurrentProcessId;

pub struct Notifier {
    event: Event,
    /// Boxed: most notifiers (stop signals) never have one.
    watcher: Mutex<Option<Box<Watcher>>>,
}

/// The named pipe Neovim connects to; written only once its client proved to be this process.
struct Watcher {
    server: PipeServer,
    name: String,
    trusted: bool,
}

/// Why the watcher pipe cannot be used (the caller falls back to looking at the queue on a timer).
#[derive(Debug, PartialEq, Eq)]
pub enum WatchError {
    /// `watch_pipe` was not called, or an earlier refusal closed the pipe.
    NoPipe,
    /// Nobody connected to the pipe yet.
    NotConnected,
    /// Another process connected to the pipe before Neovim did.
    Stranger {
        pid: u32,
    },
    Io(Errno),
}

impl std::fmt::Display for WatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchError::NoPipe => f.write_str("the wake-up pipe was not made"),
            WatchError::NotConnected => f.write_str("nothing is connected to the wake-up pipe"),
            WatchError::Stranger { pid } => write!(
                f,
                "process {pid} connected to the wake-up pipe, not this Neovim (pid {})",
                // SAFETY: no arguments, no failure.
                unsafe { GetCurrentProcessId() }
            ),
            WatchError::Io(e) => write!(f, "the wake-up pipe failed: {}", e.desc()),
        }
    }
}

/// Rings the watcher: never waits (a byte still pending is enough).
static BYTE: [u8; 1] = [1];

impl Notifier {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            event: Event::new()?,
            watcher: Mutex::new(None),
        })
    }

    pub fn notify(&self) {
        self.event.set();
        let mut w = self.watcher();
        if let Some(pipe) = w.as_mut().filter(|p| p.trusted) {
            // Neovim closed its end (it is leaving, or the connection was replaced): nobody to wake.
            if pipe.server.nudge(&BYTE).is_err() {
                *w = None;
            }
        }
    }

    /// Resets the signal, so that the next `notify` is a new edge.
    pub fn clear(&self) {
        self.event.reset()
    }

    pub fn is_set(&self) -> bool {
        self.event.is_set()
    }

    pub fn raw(&self) -> HANDLE {
        self.event.raw()
    }

    /// Makes the named pipe (once) that this process connects to, to be woken like the event;
    /// returns its name.
    pub fn watch_pipe(&self) -> std::io::Result<String> {
        let mut w = self.watcher();
        if let Some(p) = w.as_ref() {
            return Ok(p.name.clone());
        }
        let name = format!(r"\\.\pipe\unity-nvim.wake.{}", nonce());
        *w = Some(Box::new(Watcher {
            server: PipeServer::create(&name)?,
            name: name.clone(),
            trusted: false,
        }));
        Ok(name)
    }

    /// Starts writing to the watcher pipe once its client is this very process; any other
    /// client closes the pipe (the caller then looks at the queue on a timer instead).
    pub fn trust_watcher(&self) -> Result<(), WatchError> {
        let mut w = self.watcher();
        let Some(pipe) = w.as_mut() else {
            return Err(WatchError::NoPipe);
        };
        let checked = match pipe.server.connected() {
            Ok(true) => match pipe.server.client_pid() {
                // SAFETY: no arguments, no failure.
                Ok(pid) if pid == unsafe { GetCurrentProcessId() } => Ok(()),
                Ok(pid) => Err(WatchError::Stranger { pid }),
                Err(e) => Err(WatchError::Io(e)),
            },
            Ok(false) => Err(WatchError::NotConnected),
            Err(e) => Err(WatchError::Io(e)),
        };
        match checked {
            Ok(()) => pipe.trusted = true,
            Err(_) => *w = None,
        }
        checked
    }

    fn watcher(&self) -> MutexGuard<'_, Option<Box<Watcher>>> {
        self.watcher.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::super::sys::{wide, Handle};
    use super::*;
    use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE};
    use windows_sys::Win32::Storage::FileSystem::{CreateFileW, ReadFile, OPEN_EXISTING};
    use windows_sys::Win32::System::Pipes::PeekNamedPipe;

    /// Connects as Neovim's libuv does (read and write access).
    fn connect(name: &str) -> Handle {
        let w = wide(name);
        // SAFETY: a NUL-terminated name; no attributes or template.
        let h = unsafe {
            CreateFileW(
                w.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                0,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            )
        };
        Handle::checked(h).expect("the wake-up pipe opens")
    }

    fn waiting(h: &Handle) -> u32 {
        let mut avail = 0u32;
        // SAFETY: no buffer is read; `avail` lives for the call.
        let ok = unsafe {
            PeekNamedPipe(
                h.0,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut avail,
                std::ptr::null_mut(),
            )
        };
        assert_ne!(ok, 0, "peek: {:?}", Errno::last());
        avail
    }

    #[test]
    fn rings_its_own_process_once_trusted_and_gives_up_when_it_left() {
        let n = Notifier::new().unwrap();
        let name = n.watch_pipe().unwrap();
        assert!(name.starts_with(r"\\.\pipe\unity-nvim.wake."), "{name}");
        assert_eq!(n.watch_pipe().unwrap(), name, "made once");
        let client = connect(&name);
        n.notify();
        assert!(n.is_set());
        assert_eq!(
            waiting(&client),
            0,
            "nothing is written before the client is checked"
        );
        n.trust_watcher().unwrap();
        n.notify();
        assert_eq!(waiting(&client), 1, "one byte a ring");
        // Neovim busy elsewhere: many rings, none waits for it to read (on Windows a full pipe
        // leaves the write pending and the next rings skip; wine's pipe took 70 000 bytes
        // without a pending write, each slower than the last, so this stays below that).
        for _ in 0..10_000 {
            n.notify();
        }
        let mut buf = vec![0u8; 1 << 20];
        let mut got = 0u32;
        // SAFETY: `buf` and `got` live for the call; a synchronous read.
        let ok = unsafe {
            ReadFile(
                client.0,
                buf.as_mut_ptr(),
                buf.len() as u32,
                &mut got,
                std::ptr::null_mut(),
            )
        };
        assert!(ok != 0 && got > 0, "the bytes are there to read");
        // Neovim gone: the next ring closes the pipe; the event rings on.
        drop(client);
        n.notify();
        n.notify();
        assert!(n.is_set());
        assert_eq!(n.trust_watcher(), Err(WatchError::NoPipe), "closed");
    }

    #[test]
    fn an_unconnected_pipe_is_given_up() {
        let n = Notifier::new().unwrap();
        assert_eq!(n.trust_watcher(), Err(WatchError::NoPipe));
        n.watch_pipe().unwrap();
        assert_eq!(n.trust_watcher(), Err(WatchError::NotConnected));
        assert_eq!(n.trust_watcher(), Err(WatchError::NoPipe), "closed");
    }
}
