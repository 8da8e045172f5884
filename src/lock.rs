//! One reader per project: `Temp/NeovimBridge/nvim.lock` holds the pid of the Neovim that reads
//! Unity's pipe (doc/protocol.md §2). Two readers would each get part of the stream. A second
//! Neovim is told who holds it; taking over rewrites the file and writes a byte into the
//! holder's `nvim-<pid>.nudge` FIFO, which the holder's reader polls: it learns at once that it
//! was superseded, even while Unity is quiet, and without any periodic wake-up. Windows has no
//! FIFOs: there the holder checks the file every `CHECK_EVERY` while it waits (doc/protocol.md
//! §2, "Windows").

use crate::transport::{alive, Wake};
#[cfg(unix)]
use nix::{
    fcntl::{open, OFlag},
    sys::stat::Mode,
};
#[cfg(unix)]
use std::os::{
    fd::{AsFd, OwnedFd},
    unix::fs::{FileTypeExt, MetadataExt},
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a reader waiting for Unity checks the file, where nothing nudges it.
#[cfg(unix)]
pub const CHECK_EVERY: Option<Duration> = None;
#[cfg(windows)]
pub const CHECK_EVERY: Option<Duration> = Some(Duration::from_millis(250));

#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    pid: u32,
    /// (inode, mtime ns, size) when we last found the file to be ours: a changed file is read
    /// again, an unchanged one is not.
    seen: Option<(u64, i64, u64)>,
    /// Our nudge FIFO, open read-write (so it never reports a hang-up), and its inode: Unity
    /// recreating the folder removes the file, and it is made again at the next acquire.
    #[cfg(unix)]
    nudge: Option<(OwnedFd, u64)>,
}

#[cfg(unix)]
fn stamp(path: &Path) -> Option<(u64, i64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((
        m.ino(),
        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        m.size(),
    ))
}

/// A rewrite replaces the file (a rename): its modification time changes.
#[cfg(windows)]
fn stamp(path: &Path) -> Option<(u64, i64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((0, t.as_nanos() as i64, m.len()))
}

impl Lock {
    pub fn new(dir: &Path) -> Self {
        Self::for_pid(dir, std::process::id())
    }

    fn for_pid(dir: &Path, pid: u32) -> Self {
        Self {
            path: dir.join("nvim.lock"),
            pid,
            seen: None,
            #[cfg(unix)]
            nudge: None,
        }
    }

    #[cfg(unix)]
    fn nudge_path(&self, pid: u32) -> PathBuf {
        self.path.with_file_name(format!("nvim-{pid}.nudge"))
    }

    /// The pid in the lock file, if any.
    fn holder(&self) -> Option<u32> {
        std::fs::read_to_string(&self.path)
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Takes the lock unless another live Neovim holds it (then `Err(its pid)`); `force` takes
    /// it anyway.
    pub fn acquire(&mut self, force: bool) -> Result<(), u32> {
        match self.holder() {
            Some(p) if p != self.pid && alive(p) && !force => return Err(p),
            Some(p) if p == self.pid => {}
            // Best effort: a folder we cannot write to must not keep the user out.
            holder => {
                let _ = self.write();
                if let Some(p) = holder.filter(|&p| p != self.pid) {
                    self.wake_holder(p);
                }
            }
        }
        self.seen = stamp(&self.path);
        self.make_nudge();
        Ok(())
    }

    /// Tells the Neovim we took over from (best effort: it may be gone, or an older version
    /// without a nudge FIFO, which then learns at its next read).
    #[cfg(unix)]
    fn wake_holder(&self, pid: u32) {
        let path = self.nudge_path(pid);
        let fifo = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_fifo());
        let flags = OFlag::O_WRONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
        if let (true, Ok(fd)) = (fifo, open(&path, flags, Mode::empty())) {
            let _ = nix::unistd::write(&fd, b"!");
        }
    }

    /// Windows: the holder sees the file change on its timer.
    #[cfg(windows)]
    fn wake_holder(&self, _pid: u32) {}

    #[cfg(windows)]
    fn make_nudge(&mut self) {}

    #[cfg(unix)]
    fn make_nudge(&mut self) {
        let path = self.nudge_path(self.pid);
        let current = std::fs::symlink_metadata(&path).ok();
        if matches!((&self.nudge, &current), (Some((_, ino)), Some(m)) if m.ino() == *ino) {
            return;
        }
        let _ = std::fs::remove_file(&path);
        let flags = OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
        let made = nix::unistd::mkfifo(&path, Mode::from_bits_truncate(0o600))
            .and_then(|()| open(&path, flags, Mode::empty()));
        self.nudge = made.ok().and_then(|fd| {
            let ino = std::fs::symlink_metadata(&path).ok()?.ino();
            Some((fd, ino))
        });
    }

    /// Readable when another Neovim took over: poll it beside the pipe, then `check`.
    #[cfg(unix)]
    pub fn nudge_fd(&self) -> Option<Wake<'_>> {
        self.nudge.as_ref().map(|(fd, _)| fd.as_fd())
    }

    #[cfg(windows)]
    pub fn nudge_fd(&self) -> Option<Wake<'_>> {
        None
    }

    /// Empties the nudge FIFO, so that it is not reported readable again.
    #[cfg(windows)]
    pub fn take_nudges(&self) {}

    /// Empties the nudge FIFO, so that it is not reported readable again.
    #[cfg(unix)]
    pub fn take_nudges(&self) {
        let mut buf = [0u8; 64];
        if let Some((fd, _)) = &self.nudge {
            while matches!(nix::unistd::read(fd, &mut buf), Ok(n) if n > 0) {}
        }
    }

    fn write(&self) -> std::io::Result<()> {
        crate::transport::write_private(&self.path, format!("{}\n", self.pid).as_bytes())
    }

    /// Whether we still hold it; `Err(pid)` when another Neovim took it over. Cheap when the
    /// file did not change (one `stat`).
    pub fn check(&mut self) -> Result<(), u32> {
        let now = stamp(&self.path);
        if now.is_some() && now == self.seen {
            return Ok(());
        }
        match self.holder() {
            Some(p) if p != self.pid => Err(p),
            // Missing (Unity made the folder afresh) or ours: hold it again.
            _ => self.acquire(false),
        }
    }

    /// Removes the file if it is ours, and our nudge FIFO.
    pub fn release(&mut self) {
        if self.holder() == Some(self.pid) {
            let _ = std::fs::remove_file(&self.path);
        }
        #[cfg(unix)]
        if let Some((_, ino)) = self.nudge.take() {
            let path = self.nudge_path(self.pid);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.ino() == ino) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("unity-nvim-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn taken_refused_forced_and_yielded() {
        let d = dir("basic");
        let mut a = Lock::new(&d);
        a.acquire(false).unwrap();
        a.check().unwrap();
        // Another live process (our parent) holds it.
        let other = std::os::unix::process::parent_id();
        std::fs::write(d.join("nvim.lock"), format!("{other}\n")).unwrap();
        assert_eq!(a.check(), Err(other));
        let mut b = Lock::new(&d);
        assert_eq!(b.acquire(false), Err(other));
        b.acquire(true).unwrap();
        b.check().unwrap();
        b.release();
        assert!(!d.join("nvim.lock").exists());
    }

    #[test]
    fn taking_over_wakes_the_holder_at_once() {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let d = dir("nudge");
        let mut a = Lock::new(&d);
        a.acquire(false).unwrap();
        let readable = |l: &Lock| {
            let mut fds = [PollFd::new(l.nudge_fd().unwrap(), PollFlags::POLLIN)];
            poll(&mut fds, PollTimeout::ZERO).unwrap() == 1
        };
        assert!(!readable(&a), "no nudge before a takeover");
        // Another live process (our parent) takes over.
        let other = std::os::unix::process::parent_id();
        let mut b = Lock::for_pid(&d, other);
        assert_eq!(b.acquire(false), Err(std::process::id()));
        assert!(!readable(&a), "a refused Neovim does not wake the holder");
        b.acquire(true).unwrap();
        assert!(readable(&a), "the holder is woken");
        assert_eq!(a.check(), Err(other));
        a.take_nudges();
        assert!(!readable(&a), "emptied");
        // Each removes only its own nudge FIFO.
        a.release();
        assert!(!d
            .join(format!("nvim-{}.nudge", std::process::id()))
            .exists());
        assert!(d.join(format!("nvim-{other}.nudge")).exists());
        b.release();
        assert!(!d.join(format!("nvim-{other}.nudge")).exists());
    }

    #[test]
    fn a_dead_holder_does_not_count() {
        let d = dir("dead");
        std::fs::write(d.join("nvim.lock"), "999999999\n").unwrap();
        let mut a = Lock::new(&d);
        a.acquire(false).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("nvim.lock")).unwrap().trim(),
            std::process::id().to_string()
        );
    }
}
