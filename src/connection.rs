//! One connection handle: the reader thread, the queue Neovim drains, and the command writer,
//! for one Unity project.

use crate::commands::Commands;
use crate::failure::Failure;
use crate::log::look::Look;
use crate::queue::{Event, Inbox};
use crate::reader;
use crate::transport::Paths;
use crate::wake_pipe::Notifier;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What a connection is opened with. No defaults here: the user's options and their defaults
/// live in one place, `lua/unity/config.lua`, and Lua passes every field.
#[derive(Debug, Clone)]
pub struct Options {
    /// Events the queue holds before log messages are dropped (and counted).
    pub queue_size: usize,
    /// Sent in Neovim's `hello`.
    pub client: String,
    /// Take over from another Neovim reading this project (`:UnityConnect!`).
    pub force: bool,
    /// How log messages are laid out: the logbook's (they are formatted on the reader thread).
    pub look: Arc<Look>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames: u64,
    pub bytes: u64,
    pub corrupt: u64,
    pub overflow: u64,
    pub renumbered: u64,
    pub queued: u64,
}

pub struct Connection {
    paths: Paths,
    inbox: Arc<Inbox>,
    stop: Arc<Notifier>,
    reader: Option<JoinHandle<()>>,
    commands: Commands,
    locked_by: Arc<AtomicU32>,
}

impl Connection {
    pub fn open(project: &Path, opts: &Options) -> std::io::Result<Self> {
        let paths = Paths::new(project);
        let inbox = Inbox::new(opts.queue_size.max(reader::MIN_QUEUE))?;
        let stop = Arc::new(Notifier::new()?);
        let locked_by = Arc::new(AtomicU32::new(0));
        let reader = reader::spawn(reader::Start {
            paths: paths.clone(),
            out: inbox.producer(),
            stop: Arc::clone(&stop),
            force: opts.force,
            locked_by: Arc::clone(&locked_by),
            look: Arc::clone(&opts.look),
        })?;
        let commands = Commands::new(paths.clone(), Arc::clone(&inbox), opts.client.clone());
        Ok(Self {
            paths,
            inbox,
            stop,
            reader: Some(reader),
            commands,
            locked_by,
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// A descriptor (the caller's to close) that becomes readable when events wait.
    #[cfg(unix)]
    pub fn wake_fd(&self) -> std::io::Result<std::os::fd::OwnedFd> {
        self.inbox.wake_fd()
    }

    /// What rings when events wait (Windows: Neovim connects to its named pipe).
    #[cfg(windows)]
    pub fn wake(&self) -> &Notifier {
        self.inbox.wake()
    }

    /// Whether events wait to be drained.
    pub fn pending(&self) -> bool {
        !self.inbox.is_empty()
    }

    pub fn drain(&self, budget: Duration, max: usize, f: impl FnMut(Event) -> bool) -> bool {
        self.inbox.drain(budget, max, f)
    }

    pub fn send(&mut self, name: &str, args: Option<rmpv::Value>) -> Result<u64, Failure> {
        // Replies go to whoever reads Unity's pipe: without it, commands would go unanswered.
        match self.locked_by.load(Ordering::Acquire) {
            0 => self.commands.send(name, args),
            pid => Err(Failure::Locked(pid)),
        }
    }

    /// Says hello to Unity now if it listens (see `Event::Listening`).
    pub fn greet(&mut self) {
        if self.locked_by.load(Ordering::Acquire) == 0 {
            self.commands.greet();
        }
    }

    /// Whether Unity is reading our commands right now.
    pub fn writable(&self) -> bool {
        self.commands.connected()
    }

    pub fn stats(&self) -> Stats {
        let c = &self.inbox.counters;
        Stats {
            frames: c.frames.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            corrupt: c.corrupt.load(Ordering::Relaxed),
            overflow: c.overflow.load(Ordering::Relaxed),
            renumbered: c.renumbered.load(Ordering::Relaxed),
            queued: self.inbox.len() as u64,
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.stop.notify();
        // The reader waits on its pipe together with `stop`, so it ends at once.
        if let Some(t) = self.reader.take() {
            let _ = t.join();
        }
    }
}
