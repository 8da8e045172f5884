//! Every failure a user can meet, as one type: a kind and its data. Rust never words them:
//! `src/lua/failure.rs` hands them to Lua as tables and `lua/unity/messages.lua` says each kind
//! (its `unity.FailureKind` lists them; a spec checks that every kind here has its words).

use crate::transport::{Errno, OpenError, WriteError};
use std::path::PathBuf;

/// Why something in the rendezvous (doc/protocol.md §1) is not safe to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    Symlink,
    NotFolder,
    NotFifo,
    /// Owned by another user.
    Owner {
        uid: u32,
        me: u32,
    },
    /// Readable or writable by other users.
    Shared {
        mode: u32,
    },
}

impl Unsafe {
    /// A stable name (`unity.Failure.why` in Lua).
    pub fn as_str(&self) -> &'static str {
        match self {
            Unsafe::Symlink => "symlink",
            Unsafe::NotFolder => "not_folder",
            Unsafe::NotFifo => "not_fifo",
            Unsafe::Owner { .. } => "owner",
            Unsafe::Shared { .. } => "shared",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No rendezvous: Unity is not running in the project (or has no package).
    NotRunning,
    /// The folder is there but nobody reads commands (starting, reloading, no package).
    NotConnected,
    /// Unity's command pipe and the writer's queue are full.
    NotReading,
    /// The name is empty, longer than 256 bytes, or holds control characters.
    BadName,
    /// The arguments are not a map.
    BadArgs,
    /// A value could not be encoded; the encoder's reason.
    Encode(String),
    /// The rendezvous is not safe to use.
    Refused { path: PathBuf, why: Unsafe },
    /// Another Neovim (this pid) reads this project's Unity.
    Locked(u32),
    /// A system call failed.
    Io(Errno),
    /// The connection's threads or pipes could not be made.
    Start(Errno),
    /// A command was not delivered: Unity closed its command pipe first.
    ReaderGone,
    /// A command was not delivered: the connection closed first.
    Closed,
    /// A command was not delivered: writing it failed.
    Write(Errno),
    /// The reader thread stopped on an internal error (a bug); the panic's message.
    ReaderStopped(String),
    /// Reading Unity's pipe failed (the reader opens it again).
    Read(Errno),
    /// The pipe `pipe` is served by process `server`, not by Unity (`unity`, from session.json).
    Impostor {
        pipe: String,
        server: u32,
        unity: u32,
    },
}

impl Failure {
    /// Every kind's name, as `kind` gives them.
    pub const KINDS: [&'static str; 16] = [
        "not_running",
        "not_connected",
        "not_reading",
        "bad_name",
        "bad_args",
        "encode",
        "refused",
        "locked",
        "io",
        "start",
        "reader_gone",
        "closed",
        "write",
        "reader_stopped",
        "read",
        "impostor",
    ];

    /// A stable name for the kind (`unity.FailureKind` in Lua).
    pub fn kind(&self) -> &'static str {
        Self::KINDS[match self {
            Failure::NotRunning => 0,
            Failure::NotConnected => 1,
            Failure::NotReading => 2,
            Failure::BadName => 3,
            Failure::BadArgs => 4,
            Failure::Encode(_) => 5,
            Failure::Refused { .. } => 6,
            Failure::Locked(_) => 7,
            Failure::Io(_) => 8,
            Failure::Start(_) => 9,
            Failure::ReaderGone => 10,
            Failure::Closed => 11,
            Failure::Write(_) => 12,
            Failure::ReaderStopped(_) => 13,
            Failure::Read(_) => 14,
            Failure::Impostor { .. } => 15,
        }]
    }
}

impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Missing => Failure::NotRunning,
            OpenError::NoReader => Failure::NotConnected,
            OpenError::Refused { path, why } => Failure::Refused { path, why },
            OpenError::Impostor {
                pipe,
                server,
                unity,
            } => Failure::Impostor {
                pipe,
                server,
                unity,
            },
            OpenError::Io(e) => Failure::Io(e),
        }
    }
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::ReaderGone => Failure::ReaderGone,
            WriteError::Stopped => Failure::Closed,
            WriteError::Io(e) => Failure::Write(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_listed() {
        let mut kinds = Failure::KINDS.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), Failure::KINDS.len());
        assert_eq!(Failure::ReaderStopped("x".into()).kind(), "reader_stopped");
        assert_eq!(Failure::from(WriteError::Stopped).kind(), "closed");
        assert_eq!(Failure::from(OpenError::Missing), Failure::NotRunning);
    }
}
