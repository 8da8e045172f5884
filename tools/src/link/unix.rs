//! The peer's pipes on Unix: the rendezvous folder and its two FIFOs (doc/protocol.md §1-2),
//! opened as Unity's package opens them, and Unity's signal handling.

use super::{Recv, QUIT};
use crate::rendezvous::{create_rendezvous, remove_rendezvous, write_session};
use nix::errno::Errno;
use nix::poll::PollFlags;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;
use unity_native::protocol::{encode_frame, FromUnity, Level, Log};
use unity_native::transport::{open_fifo, reader_gone, wait, OpenError, Paths, Wait, WriteError};
use unity_native::wake_pipe::{retry, Notifier};

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

/// SIGTERM and SIGINT make `quitting` true, as Unity quits on them.
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

/// One editor session's rendezvous.
pub struct Pipes {
    paths: Paths,
}

/// Our write end of `unity-to-nvim`.
pub struct Out(OwnedFd);

/// Our read end of `nvim-to-unity`.
pub struct In(OwnedFd);

impl Pipes {
    /// Makes the rendezvous for `project` (canonical), `session.json` last: it is the
    /// readiness marker.
    pub fn announce(project: &Path, unity: &str) -> Result<Self, String> {
        let paths = Paths::new(project);
        create_rendezvous(&paths)
            .map_err(|e| format!("cannot create {}: {e}", paths.dir.display()))?;
        write_session(&paths, unity)
            .map_err(|e| format!("cannot write {}: {e}", paths.session.display()))?;
        Ok(Self { paths })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The write end, once Neovim's reader has the FIFO open (`NoReader` before).
    pub fn open_out(&self) -> Result<Out, OpenError> {
        open_fifo(&self.paths, &self.paths.to_nvim, true).map(Out)
    }

    /// The read end (it opens at once, Neovim or not).
    pub fn open_in(&self) -> Option<In> {
        open_fifo(&self.paths, &self.paths.to_unity, false)
            .ok()
            .map(In)
    }

    /// After an end of stream the old descriptor stays open until the new one is (see the
    /// Neovim reader): commands written in between stay in the pipe.
    pub fn end_in(&self, i: In) -> Option<In> {
        Some(i)
    }

    /// A domain reload keeps the FIFO files: only the descriptors close.
    pub fn reload(&self) {}

    /// A second writer dies half way through a frame while ours stays open: the reader sees
    /// no end of stream, only a torn frame merged into the byte stream.
    pub fn tear(&self) {
        let frame = encode_frame(&FromUnity::Log(Log {
            seq: u64::MAX,
            time: None,
            level: Level::Log,
            message: "this frame is torn and must never be shown".repeat(20),
            stack: None,
        }))
        .expect("encodable");
        if let Ok(fd) = open_fifo(&self.paths, &self.paths.to_nvim, true) {
            let _ = nix::unistd::write(&fd, &frame[..frame.len() / 2]);
        }
    }

    pub fn remove(&self) {
        remove_rendezvous(&self.paths);
    }
}

impl Out {
    /// Writes all of `bytes`, waiting while the pipe is full (counted in `full`) until `stop`.
    pub fn send(
        &mut self,
        mut bytes: &[u8],
        stop: &Notifier,
        full: &mut u64,
    ) -> Result<(), WriteError> {
        while !bytes.is_empty() {
            match retry(|| nix::unistd::write(&self.0, bytes)) {
                Ok(n) => bytes = &bytes[n..],
                Err(Errno::EAGAIN) => {
                    *full += 1;
                    if wait(
                        &self.0,
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

    /// Whether Neovim's reader left.
    pub fn gone(&mut self) -> bool {
        reader_gone(&self.0)
    }
}

impl In {
    pub fn recv(&mut self, buf: &mut [u8], stop: &Notifier, timeout: Duration) -> Recv {
        match wait(&self.0, PollFlags::POLLIN, stop, Some(timeout)) {
            Wait::Stopped => Recv::Stopped,
            Wait::TimedOut => Recv::Nothing,
            Wait::Ready => match nix::unistd::read(&self.0, buf) {
                Ok(0) => Recv::End,
                Ok(n) => Recv::Data(n),
                Err(_) => Recv::Nothing,
            },
        }
    }
}
