//! The byte streams between Neovim and Unity (doc/protocol.md §1-2), one seam chosen at compile
//! time: FIFOs in the rendezvous folder on Unix (`unix.rs`), named pipes on Windows
//! (`windows.rs`, the only `unsafe` of the transport). Both give the reader thread a
//! [`ReadEnd`] and the command writer a [`WriteEnd`] that wait together with a stop signal and
//! never block indefinitely; everything above (frames, queue, ledger, logbook) is shared.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

use crate::failure::Unsafe;
use std::path::{Path, PathBuf};

/// Where a project's bridge lives.
#[derive(Debug, Clone)]
pub struct Paths {
    pub project: PathBuf,
    pub dir: PathBuf,
    pub to_nvim: PathBuf,
    pub to_unity: PathBuf,
    pub session: PathBuf,
}

impl Paths {
    pub fn new(project: &Path) -> Self {
        let dir = project.join("Temp").join("NeovimBridge");
        Self {
            project: project.to_path_buf(),
            to_nvim: dir.join("unity-to-nvim"),
            to_unity: dir.join("nvim-to-unity"),
            session: dir.join("session.json"),
            dir,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Nothing at the path yet: Unity has not created it (or is not running).
    Missing,
    /// A writer found no reader (`ENXIO`), or the pipe's one instance is taken
    /// (`ERROR_PIPE_BUSY`): the peer is not there for us now.
    NoReader,
    /// The path exists but is not safe to use.
    Refused {
        path: PathBuf,
        why: Unsafe,
    },
    /// The named pipe is served by another process than the editor of `session.json`
    /// (Windows: a squatter, or a stale session).
    Impostor {
        pipe: String,
        server: u32,
        unity: u32,
    },
    Io(Errno),
}

#[cfg_attr(windows, allow(dead_code))]
fn refuse(path: &Path, why: Unsafe) -> OpenError {
    OpenError::Refused {
        path: path.to_path_buf(),
        why,
    }
}

/// Outcome of waiting on a pipe.
#[derive(Debug, PartialEq, Eq)]
pub enum Wait {
    Ready,
    Stopped,
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// `EPIPE` (`ERROR_BROKEN_PIPE`, `ERROR_NO_DATA` on Windows): the reader left.
    ReaderGone,
    /// Asked to stop, or the deadline passed with the pipe still full.
    Stopped,
    Io(Errno),
}
