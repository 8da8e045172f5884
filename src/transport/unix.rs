//! The Unix side of the transport: the rendezvous folder and its FIFOs (doc/protocol.md §1-2),
//! the security checks, and opening, waiting on and writing to the pipes without ever blocking
//! indefinitely. Tested in tools/tests/transport.rs, against a rendezvous made as Unity makes it.

use super::{refuse, OpenError, Paths, Wait, WriteError};
use crate::failure::Unsafe;
use crate::wake_pipe::{retry, Notifier};
pub use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::stat::{fstat, lstat, stat, FileStat, Mode, SFlag};
use nix::unistd::{geteuid, write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The checks of doc/protocol.md §1 on something already opened or looked up without
/// following links: ours, private, and of the expected kind.
fn check_owned_private(path: &Path, st: &FileStat, kind: SFlag) -> Result<(), OpenError> {
    let fmt = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    if fmt == SFlag::S_IFLNK {
        return Err(refuse(path, Unsafe::Symlink));
    }
    if fmt != kind {
        let why = if kind == SFlag::S_IFDIR {
            Unsafe::NotFolder
        } else {
            Unsafe::NotFifo
        };
        return Err(refuse(path, why));
    }
    let me = geteuid().as_raw();
    if st.st_uid != me {
        let uid = st.st_uid;
        return Err(refuse(path, Unsafe::Owner { uid, me }));
    }
    #[allow(clippy::useless_conversion)] // mode_t is 16 bits on macOS
    let mode = u32::from(st.st_mode) & 0o777;
    if mode & 0o077 != 0 {
        return Err(refuse(path, Unsafe::Shared { mode }));
    }
    Ok(())
}

/// Checks the rendezvous folder itself (a symbolic link, a foreign owner or open permissions
/// would let another user read the console or drive the editor).
pub fn check_dir(dir: &Path) -> Result<(), OpenError> {
    match lstat(dir) {
        Ok(st) => check_owned_private(dir, &st, SFlag::S_IFDIR),
        Err(Errno::ENOENT | Errno::ENOTDIR) => Err(OpenError::Missing),
        Err(e) => Err(OpenError::Io(e)),
    }
}

/// The checks of doc/protocol.md §1 on the folder and both FIFOs, opening nothing (for
/// `:checkhealth unity`).
pub fn check_fifos(paths: &Paths) -> Result<(), OpenError> {
    check_dir(&paths.dir)?;
    for p in [&paths.to_nvim, &paths.to_unity] {
        match lstat(p.as_path()) {
            Ok(st) => check_owned_private(p, &st, SFlag::S_IFIFO)?,
            Err(Errno::ENOENT) => return Err(OpenError::Missing),
            Err(e) => return Err(OpenError::Io(e)),
        }
    }
    Ok(())
}

/// Opens one of the FIFOs of `paths` without blocking, for reading or writing, after the
/// security checks. Both ends use it: Neovim here, and the simulated editor.
pub fn open_fifo(paths: &Paths, path: &Path, write: bool) -> Result<OwnedFd, OpenError> {
    check_dir(&paths.dir)?;
    let flags = if write {
        OFlag::O_WRONLY
    } else {
        OFlag::O_RDONLY
    };
    let flags = flags | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
    let fd = match retry(|| open(path, flags, Mode::empty())) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Err(OpenError::Missing),
        Err(Errno::ENXIO) => return Err(OpenError::NoReader),
        Err(Errno::ELOOP | Errno::EMLINK) => return Err(refuse(path, Unsafe::Symlink)),
        Err(e) => return Err(OpenError::Io(e)),
    };
    let st = fstat(&fd).map_err(OpenError::Io)?;
    check_owned_private(path, &st, SFlag::S_IFIFO)?;
    Ok(fd)
}

/// The reader's end of `unity-to-nvim`.
pub type ReadEnd = OwnedFd;
/// The writer's end of `nvim-to-unity`.
pub type WriteEnd = OwnedFd;
/// What else a reader waits on: the lock's nudge FIFO.
pub type Wake<'a> = BorrowedFd<'a>;

/// Opens `unity-to-nvim` for reading. Succeeds at once whether or not Unity writes yet.
pub fn open_reader(paths: &Paths) -> Result<ReadEnd, OpenError> {
    open_fifo(paths, &paths.to_nvim, false)
}

/// Opens `nvim-to-unity` for writing; [`OpenError::NoReader`] when Unity is not listening.
pub fn open_writer(paths: &Paths) -> Result<WriteEnd, OpenError> {
    open_fifo(paths, &paths.to_unity, true)
}

/// Waits until the reader has bytes or an end of stream, `also` is readable, `stop` fires or
/// the timeout passes.
pub fn wait_readable(
    fd: &mut ReadEnd,
    also: Option<Wake>,
    stop: &Notifier,
    timeout: Option<Duration>,
) -> Wait {
    wait_or(fd, PollFlags::POLLIN, also, stop, timeout)
}

/// Reads what is there: `Some(0)` at the end of the stream, `None` when nothing is.
pub fn read_some(fd: &mut ReadEnd, buf: &mut [u8]) -> Result<Option<usize>, Errno> {
    match retry(|| nix::unistd::read(&*fd, buf)) {
        Ok(n) => Ok(Some(n)),
        Err(Errno::EAGAIN) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Waits until `n` is notified, `stop` fires or the timeout passes.
pub fn wait_notified(n: &Notifier, stop: &Notifier, timeout: Option<Duration>) -> Wait {
    wait(&n.fd(), PollFlags::POLLIN, stop, timeout)
}

/// The number of an error, as the system gives it.
pub fn errno_number(e: Errno) -> i32 {
    e as i32
}

/// The error a writer meets when its reader left.
pub const GONE: Errno = Errno::EPIPE;

/// The error of a failed standard-library call.
pub fn errno_of(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

/// Whether process `pid` exists (signal 0 only asks).
pub fn alive(pid: u32) -> bool {
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// Whether `path` still names the file open as `fd` (a restarted editor replaces the FIFOs,
/// and a descriptor on a deleted FIFO never sees a writer again).
pub fn same_file(path: &Path, fd: &OwnedFd) -> bool {
    match (stat(path), fstat(fd)) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

fn timeout_of(d: Option<Duration>) -> PollTimeout {
    match d {
        None => PollTimeout::NONE,
        Some(d) => PollTimeout::try_from(d.as_millis().min(i32::MAX as u128) as i32)
            .unwrap_or(PollTimeout::MAX),
    }
}

/// Waits until `fd` has `events` (or an error/hang-up, which the next read or write reports),
/// `stop` fires, or the timeout passes.
pub fn wait(fd: &impl AsFd, events: PollFlags, stop: &Notifier, timeout: Option<Duration>) -> Wait {
    wait_or(fd, events, None, stop, timeout)
}

/// `wait`, also `Ready` when `also` becomes readable.
pub fn wait_or(
    fd: &impl AsFd,
    events: PollFlags,
    also: Option<BorrowedFd>,
    stop: &Notifier,
    timeout: Option<Duration>,
) -> Wait {
    let mut fds = vec![
        PollFd::new(stop.fd(), PollFlags::POLLIN),
        PollFd::new(fd.as_fd(), events),
    ];
    fds.extend(also.map(|a| PollFd::new(a, PollFlags::POLLIN)));
    match retry(|| poll(&mut fds, timeout_of(timeout))) {
        Ok(0) => Wait::TimedOut,
        Ok(_) if fds[0].any().unwrap_or(false) => Wait::Stopped,
        Ok(_) => Wait::Ready,
        // poll only fails on bad arguments or lack of memory: let the caller retry its loop.
        Err(_) => Wait::TimedOut,
    }
}

/// Sleeps up to `d`, returning early (true) when `stop` fires.
pub fn sleep(stop: &Notifier, d: Duration) -> bool {
    let mut fds = [PollFd::new(stop.fd(), PollFlags::POLLIN)];
    matches!(retry(|| poll(&mut fds, timeout_of(Some(d)))), Ok(n) if n > 0)
}

/// Whether the reader of a FIFO we write to has gone (`POLLERR`), without waiting.
pub fn reader_gone(fd: &impl AsFd) -> bool {
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
    match retry(|| poll(&mut fds, PollTimeout::ZERO)) {
        Ok(_) => fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP)),
        Err(_) => true,
    }
}

/// Writes all of `bytes` to a non-blocking `fd`, waiting for room while the pipe is full, until
/// `stop` fires or `deadline` passes.
pub fn write_all(
    fd: &OwnedFd,
    mut bytes: &[u8],
    stop: &Notifier,
    deadline: Option<Instant>,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        match retry(|| write(fd, bytes)) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EAGAIN) => {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                if left == Some(Duration::ZERO) {
                    return Err(WriteError::Stopped);
                }
                let slice = left.map_or(Duration::from_millis(100), |l| {
                    l.min(Duration::from_millis(100))
                });
                if wait(fd, PollFlags::POLLOUT, stop, Some(slice)) == Wait::Stopped {
                    return Err(WriteError::Stopped);
                }
            }
            Err(Errno::EPIPE) => return Err(WriteError::ReaderGone),
            Err(e) => return Err(WriteError::Io(e)),
        }
    }
    Ok(())
}

/// Replaces `path` atomically (a temporary file, then a rename) with a file only its owner may
/// read: readers never see half a file.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?
        .write_all(bytes)?;
    std::fs::rename(&tmp, path)
}
