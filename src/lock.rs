//! One reader per project: `Temp/NeovimBridge/nvim.lock` holds the pid of the Neovim that reads
//! Unity's pipe (doc/protocol.md §2). Two readers would each get part of the stream. A second
//! Neovim is told who holds it; taking over rewrites the file, and the holder yields before its
//! next read.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    pid: u32,
    /// (inode, mtime ns, size) when we last found the file to be ours: a changed file is read
    /// again, an unchanged one is not.
    seen: Option<(u64, i64, u64)>,
}

fn stamp(path: &Path) -> Option<(u64, i64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((
        m.ino(),
        m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        m.size(),
    ))
}

/// Whether process `pid` exists (signal 0 only asks).
pub fn alive(pid: u32) -> bool {
    use nix::errno::Errno;
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

impl Lock {
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join("nvim.lock"),
            pid: std::process::id(),
            seen: None,
        }
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
            _ => {
                let _ = self.write();
            }
        }
        self.seen = stamp(&self.path);
        Ok(())
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

    /// Removes the file if it is ours.
    pub fn release(&self) {
        if self.holder() == Some(self.pid) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
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
