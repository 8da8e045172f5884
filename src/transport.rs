//! The rendezvous folder and its FIFOs (doc/protocol.md §1-2): paths, the security checks, and
//! opening, waiting on and writing to the pipes without ever blocking indefinitely.

use crate::wake::{retry, Notifier};
use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::stat::{fstat, lstat, stat, FileStat, Mode, SFlag};
use nix::unistd::{geteuid, write};
use std::fmt;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    /// A writer found no reader (`ENXIO`): the peer is not there.
    NoReader,
    /// The path exists but is not safe to use; the text says why and what to do.
    Refused(String),
    Io(Errno),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Missing => f.write_str("the pipe does not exist"),
            OpenError::NoReader => f.write_str("nobody reads the pipe"),
            OpenError::Refused(why) => f.write_str(why),
            OpenError::Io(e) => write!(f, "{}", e.desc()),
        }
    }
}

fn refuse(path: &Path, what: &str) -> OpenError {
    OpenError::Refused(format!(
        "{} {what}: refusing it. Delete the folder {} and restart Unity so that it creates it afresh.",
        path.display(),
        path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
    ))
}

/// The checks of doc/protocol.md §1 on something already opened or looked up without
/// following links: ours, private, and of the expected kind.
fn check_owned_private(path: &Path, st: &FileStat, kind: SFlag) -> Result<(), OpenError> {
    let fmt = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    if fmt == SFlag::S_IFLNK {
        return Err(refuse(path, "is a symbolic link"));
    }
    if fmt != kind {
        let expected = if kind == SFlag::S_IFDIR {
            "a folder"
        } else {
            "a FIFO"
        };
        return Err(refuse(path, &format!("is not {expected}")));
    }
    let me = geteuid().as_raw();
    if st.st_uid != me {
        return Err(refuse(
            path,
            &format!("is owned by uid {}, not by you (uid {me})", st.st_uid),
        ));
    }
    let mode = st.st_mode & 0o777;
    if mode & 0o077 != 0 {
        return Err(refuse(
            path,
            &format!("is accessible by other users (mode {mode:o})"),
        ));
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
        Err(Errno::ELOOP | Errno::EMLINK) => return Err(refuse(path, "is a symbolic link")),
        Err(e) => return Err(OpenError::Io(e)),
    };
    let st = fstat(&fd).map_err(OpenError::Io)?;
    check_owned_private(path, &st, SFlag::S_IFIFO)?;
    Ok(fd)
}

/// Opens `unity-to-nvim` for reading. Succeeds at once whether or not Unity writes yet.
pub fn open_reader(paths: &Paths) -> Result<OwnedFd, OpenError> {
    open_fifo(paths, &paths.to_nvim, false)
}

/// Opens `nvim-to-unity` for writing; [`OpenError::NoReader`] when Unity is not listening.
pub fn open_writer(paths: &Paths) -> Result<OwnedFd, OpenError> {
    open_fifo(paths, &paths.to_unity, true)
}

/// Whether `path` still names the file open as `fd` (a restarted editor replaces the FIFOs,
/// and a descriptor on a deleted FIFO never sees a writer again).
pub fn same_file(path: &Path, fd: &OwnedFd) -> bool {
    match (stat(path), fstat(fd)) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

/// Outcome of waiting on a descriptor.
#[derive(Debug, PartialEq, Eq)]
pub enum Wait {
    Ready,
    Stopped,
    TimedOut,
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
    let mut fds = [
        PollFd::new(fd.as_fd(), events),
        PollFd::new(stop.fd(), PollFlags::POLLIN),
    ];
    match retry(|| poll(&mut fds, timeout_of(timeout))) {
        Ok(0) => Wait::TimedOut,
        Ok(_) if fds[1].any().unwrap_or(false) => Wait::Stopped,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// `EPIPE`: the reader left.
    ReaderGone,
    /// Asked to stop, or the deadline passed with the pipe still full.
    Stopped,
    Io(Errno),
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

/// Writes `session.json` as Unity does (the simulated editor and the benchmark's peer): last,
/// once the FIFOs exist, because it is the readiness marker.
pub fn write_session(paths: &Paths, unity_version: &str) -> std::io::Result<()> {
    let body = format!(
        "{{\"protocol\":{},\"pid\":{},\"unity\":{},\"project\":{}}}\n",
        crate::protocol::PROTOCOL_VERSION,
        std::process::id(),
        crate::json::quote(unity_version),
        crate::json::quote(&paths.project.to_string_lossy())
    );
    write_private(&paths.session, body.as_bytes())
}

/// Creates the rendezvous folder and FIFOs as Unity does (used by the simulated editor and the
/// tests): whatever stood there is removed first.
pub fn create_rendezvous(paths: &Paths) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if paths.dir.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(&paths.dir).or_else(|_| std::fs::remove_file(&paths.dir))?;
    }
    std::fs::create_dir_all(paths.dir.parent().unwrap_or(Path::new(".")))?;
    std::fs::DirBuilder::new().mode(0o700).create(&paths.dir)?;
    let fifo = Mode::from_bits_truncate(0o600);
    nix::unistd::mkfifo(&paths.to_nvim, fifo)?;
    nix::unistd::mkfifo(&paths.to_unity, fifo)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn project(name: &str) -> Paths {
        let dir = std::env::temp_dir().join(format!(
            "unity-nvim-transport-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Paths::new(&dir)
    }

    #[test]
    fn missing_then_present() {
        let p = project("missing");
        assert_eq!(open_reader(&p).unwrap_err(), OpenError::Missing);
        create_rendezvous(&p).unwrap();
        let r = open_reader(&p).unwrap();
        assert!(same_file(&p.to_nvim, &r));
        // No reader on the other pipe yet.
        assert_eq!(open_writer(&p).unwrap_err(), OpenError::NoReader);
        // Recreated files are different files.
        create_rendezvous(&p).unwrap();
        assert!(!same_file(&p.to_nvim, &r));
    }

    #[test]
    fn refuses_unsafe_rendezvous() {
        let p = project("unsafe");
        create_rendezvous(&p).unwrap();
        std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = open_reader(&p).unwrap_err();
        assert!(
            matches!(&err, OpenError::Refused(m) if m.contains("accessible by other users")),
            "{err}"
        );
        std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o700)).unwrap();

        std::fs::set_permissions(&p.to_nvim, std::fs::Permissions::from_mode(0o660)).unwrap();
        assert!(matches!(open_reader(&p), Err(OpenError::Refused(m)) if m.contains("mode 660")));

        std::fs::remove_file(&p.to_nvim).unwrap();
        std::fs::write(&p.to_nvim, b"").unwrap();
        std::fs::set_permissions(&p.to_nvim, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(open_reader(&p), Err(OpenError::Refused(m)) if m.contains("not a FIFO")));

        std::fs::remove_file(&p.to_nvim).unwrap();
        let elsewhere = p.project.join("elsewhere");
        nix::unistd::mkfifo(&elsewhere, Mode::from_bits_truncate(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &p.to_nvim).unwrap();
        assert!(
            matches!(open_reader(&p), Err(OpenError::Refused(m)) if m.contains("symbolic link"))
        );

        // A linked folder is refused too.
        let real = p.project.join("real");
        std::fs::rename(&p.dir, &real).unwrap();
        std::os::unix::fs::symlink(&real, &p.dir).unwrap();
        assert!(
            matches!(check_dir(&p.dir), Err(OpenError::Refused(m)) if m.contains("symbolic link"))
        );
    }

    #[test]
    fn refuses_a_rendezvous_owned_by_someone_else() {
        // Only root can give a file away; the project's CI and machines run as root.
        if !geteuid().is_root() {
            eprintln!("skipped: giving files to another user needs root");
            return;
        }
        let p = project("owner");
        create_rendezvous(&p).unwrap();
        let nobody = Some(nix::unistd::Uid::from_raw(65534));
        nix::unistd::chown(&p.to_nvim, nobody, None).unwrap();
        assert!(
            matches!(open_reader(&p), Err(OpenError::Refused(m)) if m.contains("owned by uid 65534"))
        );
        nix::unistd::chown(&p.dir, nobody, None).unwrap();
        assert!(
            matches!(check_dir(&p.dir), Err(OpenError::Refused(m)) if m.contains("not by you"))
        );
    }

    #[test]
    fn writer_learns_that_the_reader_left() {
        let p = project("epipe");
        create_rendezvous(&p).unwrap();
        let stop = Notifier::new().unwrap();
        let r = open_fifo(&p, &p.to_unity, false).unwrap();
        let w = open_writer(&p).unwrap();
        assert!(!reader_gone(&w));
        write_all(&w, b"hello", &stop, None).unwrap();
        drop(r);
        assert!(reader_gone(&w));
        assert_eq!(
            write_all(&w, b"x", &stop, None),
            Err(WriteError::ReaderGone)
        );
    }

    #[test]
    fn full_pipe_write_gives_up_at_the_deadline_or_on_stop() {
        let p = project("full");
        create_rendezvous(&p).unwrap();
        let stop = Notifier::new().unwrap();
        let _r = open_fifo(&p, &p.to_unity, false).unwrap();
        let w = open_writer(&p).unwrap();
        let big = vec![0u8; 1 << 20];
        let deadline = Instant::now() + Duration::from_millis(50);
        assert_eq!(
            write_all(&w, &big, &stop, Some(deadline)),
            Err(WriteError::Stopped)
        );
        stop.notify();
        assert_eq!(write_all(&w, &big, &stop, None), Err(WriteError::Stopped));
    }
}
