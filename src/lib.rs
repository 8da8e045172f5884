//! unity.nvim's native core. Everything here but `lua` is free of mlua and tested with
//! `cargo test`; `lua` is the thin binding Neovim loads as `unity_native`.

pub mod crc32;
pub mod frame;
pub mod protocol;
