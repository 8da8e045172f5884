//! The Unity side of the wire for unity.nvim's tests, `make demo` and `make bench`: what the
//! peer `unity-peer` (src/bin/unity_peer/) and the Rust tests share. Not part of the plugin:
//! `make` builds the module alone, and Neovim never creates a rendezvous.

pub mod args;
pub mod files;
pub mod json;
pub mod link;
#[cfg(unix)]
pub mod rendezvous;
