//! unity.nvim's native core. Everything here but `lua` is free of mlua and tested with
//! `cargo test`; `lua` is the thin binding Neovim loads as `unity_native`.

pub mod commands;
pub mod connection;
pub mod crc32;
pub mod failure;
pub mod frame;
pub mod ledger;
pub mod lock;
pub mod log;
pub mod protocol;
pub mod queue;
pub mod reader;
pub mod transport;
#[cfg(unix)]
pub mod wake_pipe;
/// On Windows the notifier is an event object that can also ring a named pipe Neovim connects
/// to, made by the Windows transport (`transport/windows/wake.rs`).
#[cfg(windows)]
pub mod wake_pipe {
    pub use crate::transport::Notifier;
}

#[cfg(feature = "lua")]
mod lua;

/// Checked by the Lua side against its own version, so a stale build is reported.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The text of a panic payload.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
