//! The log window's model, free of mlua: entries as the reader thread makes them (`entry`,
//! laid out by `look`, text cleaned by `text`), the history that keeps the newest of them
//! (`history`), which of them the window shows (`filter`, `collapse`), the rows and buffer
//! edits (`view`), and the logbook that puts these together for the Lua binding (`book`).
//! Beside it: source locations in the text (`frames`) and runtime exception sites (`sites`).

pub mod book;
pub mod collapse;
pub mod entry;
pub mod filter;
pub mod frames;
pub mod history;
pub mod look;
pub mod sites;
pub mod text;
pub mod view;

pub use book::Logbook;
pub use entry::Entry;
