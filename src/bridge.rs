//! One connection handle: the reader thread, the queue Neovim drains, and the command writer,
//! for one Unity project.

use crate::commands::{Commands, SendError};
use crate::queue::{Event, Inbox};
use crate::reader;
use crate::transport::Paths;
use crate::wake::Notifier;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Options {
    /// Events the queue holds before log messages are dropped (and counted).
    pub queue_size: usize,
    /// Sent in Neovim's `hello`.
    pub client: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            queue_size: 100_000,
            client: format!("unity.nvim {}", crate::VERSION),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames: u64,
    pub bytes: u64,
    pub corrupt: u64,
    pub overflow: u64,
    pub queued: u64,
}

pub struct Bridge {
    paths: Paths,
    inbox: Arc<Inbox>,
    stop: Arc<Notifier>,
    reader: Option<JoinHandle<()>>,
    commands: Commands,
}

impl Bridge {
    pub fn open(project: &Path, opts: &Options) -> std::io::Result<Self> {
        let paths = Paths::new(project);
        let inbox = Inbox::new(opts.queue_size)?;
        let stop = Arc::new(Notifier::new()?);
        let reader = reader::spawn(paths.clone(), inbox.producer(), Arc::clone(&stop))?;
        let commands = Commands::new(paths.clone(), Arc::clone(&inbox), opts.client.clone());
        Ok(Self {
            paths,
            inbox,
            stop,
            reader: Some(reader),
            commands,
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// A descriptor (the caller's to close) that becomes readable when events wait.
    pub fn wake_fd(&self) -> std::io::Result<std::os::fd::OwnedFd> {
        self.inbox.wake_fd()
    }

    pub fn drain(&self, budget: Duration, f: impl FnMut(Event)) -> bool {
        self.inbox.drain(budget, f)
    }

    pub fn send(&mut self, name: &str, args: Option<rmpv::Value>) -> Result<u64, SendError> {
        self.commands.send(name, args)
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
            queued: self.inbox.len() as u64,
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.stop.notify();
        // The reader waits on its pipe together with `stop`, so it ends at once.
        if let Some(t) = self.reader.take() {
            let _ = t.join();
        }
    }
}
