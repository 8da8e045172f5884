//! A pipe used as an edge-triggered signal between threads (and to Neovim's event loop), so
//! that nobody has to poll on a timer: the waiting side watches the read end.

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::unistd::{pipe2, read, write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

pub struct Notifier {
    rx: OwnedFd,
    tx: OwnedFd,
}

impl Notifier {
    pub fn new() -> std::io::Result<Self> {
        let (rx, tx) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        Ok(Self { rx, tx })
    }

    /// Makes the read end readable. Never blocks: when the pipe is full, it is readable already.
    pub fn notify(&self) {
        let _ = write(&self.tx, &[1]);
    }

    /// Empties the pipe, so that the next `notify` is a new edge.
    pub fn clear(&self) {
        let mut buf = [0u8; 64];
        while let Ok(n) = read(&self.rx, &mut buf) {
            if n < buf.len() {
                break;
            }
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.rx.as_fd()
    }

    /// A close-on-exec duplicate of the read end.
    pub fn dup_fd(&self) -> std::io::Result<OwnedFd> {
        self.rx.try_clone()
    }

    /// Whether a notification is waiting (without consuming it).
    pub fn is_set(&self) -> bool {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let mut fds = [PollFd::new(self.rx.as_fd(), PollFlags::POLLIN)];
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
    }
}

/// `EINTR`-safe wrapper used by the threads that wait on pipes.
pub fn retry<T>(mut f: impl FnMut() -> nix::Result<T>) -> nix::Result<T> {
    loop {
        match f() {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_sets_and_clear_resets() {
        let n = Notifier::new().unwrap();
        assert!(!n.is_set());
        n.notify();
        n.notify();
        assert!(n.is_set());
        n.clear();
        assert!(!n.is_set());
        // A pipe's worth of notifications neither blocks nor loses the edge.
        for _ in 0..100_000 {
            n.notify();
        }
        assert!(n.is_set());
        n.clear();
        assert!(!n.is_set());
    }
}
