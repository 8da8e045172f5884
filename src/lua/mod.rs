//! The Lua binding: `require("unity_native")`. Thin on purpose: the logic lives in the
//! mlua-free modules; this folder only converts values, a file per native object (`connection`,
//! `book`, `sites`), with the failure tables in `failure` and the one `unsafe` part, the log's
//! header strings, in `header_strings`. It runs on Neovim's main thread only.
//! Failures the user can meet are returned as `nil, {kind = ..., ...}` tables of data, worded by
//! `lua/unity/messages.lua`; programming errors as `nil, "message"` (mlua's error userdata would
//! show as an empty message over RPC).

mod book;
mod connection;
mod failure;
mod header_strings;
mod sites;

use crate::connection::{Connection, Options};
use crate::failure::Failure;
use crate::log::look::Look;
use crate::log::sites::Sites;
use crate::log::Logbook;
use book::{lines_table, look_spec, LuaBook};
use connection::LuaConnection;
use failure::failure_table;
use mlua::prelude::*;
use mlua::serde::SerializeOptions;
use mlua::Value;
use once_cell::sync::Lazy;
use sites::LuaSites;
use std::path::Path;
use std::sync::{Arc, Mutex};

static LAST_PANIC: Lazy<Mutex<Option<String>>> = Lazy::new(|| Mutex::new(None));

/// The default hook prints to stderr, which garbles Neovim's screen: record the panic instead
/// (`last_panic()`, shown by `:checkhealth unity`).
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let text = format!("{info}");
            if let Ok(mut last) = LAST_PANIC.lock() {
                *last = Some(text);
            }
        }))
    });
}

fn ser_opts() -> SerializeOptions {
    SerializeOptions::new()
        .serialize_none_to_null(false)
        .serialize_unit_to_null(false)
        .set_array_metatable(false)
}

fn fail(lua: &Lua, msg: impl AsRef<str>) -> LuaResult<(Value, Value)> {
    Ok((Value::Nil, Value::String(lua.create_string(msg.as_ref())?)))
}

#[mlua::lua_module(skip_memory_check)]
fn unity_native(lua: &Lua) -> LuaResult<LuaTable> {
    install_panic_hook();
    let m = lua.create_table()?;
    m.set("version", crate::VERSION)?;

    // connect(project, {queue_size, book, client, force?}) -> handle | nil, failure
    // Every option is required: their defaults live in lua/unity/config.lua only. Log messages
    // are laid out with `book`'s look, on the reader thread.
    m.set(
        "connect",
        lua.create_function(|lua, (project, t): (String, LuaTable)| {
            let book = t.get::<LuaAnyUserData>("book")?;
            let o = Options {
                queue_size: t.get("queue_size")?,
                look: Arc::clone(book.borrow::<LuaBook>()?.0.look()),
                client: t.get("client")?,
                force: t.get::<Option<bool>>("force")?.unwrap_or(false),
            };
            match Connection::open(Path::new(&project), &o) {
                Ok(b) => Ok((
                    Value::UserData(lua.create_userdata(LuaConnection(Some(b)))?),
                    Value::Nil,
                )),
                Err(e) => {
                    let errno = crate::transport::errno_of(&e);
                    let t = failure_table(lua, &Failure::Start(errno))?;
                    t.raw_set("path", project)?;
                    Ok((Value::Nil, Value::Table(t)))
                }
            }
        })?,
    )?;

    // check(project) -> true | nil, failure: the security checks of the rendezvous, for health.
    m.set(
        "check",
        lua.create_function(|lua, project: String| {
            let paths = crate::transport::Paths::new(Path::new(&project));
            match crate::transport::check_fifos(&paths) {
                Ok(()) => Ok((Value::Boolean(true), Value::Nil)),
                Err(e) => Ok((Value::Nil, Value::Table(failure_table(lua, &e.into())?))),
            }
        })?,
    )?;

    // logbook(history, look) -> book | nil, err: the log history and its buffer edits, laid
    // out as `look` says (`log.look` of the options, with `max_line`).
    m.set(
        "logbook",
        lua.create_function(|lua, (cap, look): (usize, LuaTable)| {
            match Look::new(look_spec(&look)?) {
                Ok(look) => Ok((
                    Value::UserData(
                        lua.create_userdata(LuaBook::new(lua, Logbook::new(cap, Arc::new(look)))?)?,
                    ),
                    Value::Nil,
                )),
                Err(e) => fail(lua, format!("unity.nvim: option {e}")),
            }
        })?,
    )?;

    // lines(text) -> every line of `text`, cleaned and uncut (what `K` shows).
    m.set(
        "lines",
        lua.create_function(|lua, text: LuaString| {
            lines_table(lua, &crate::log::text::lines(&text.to_string_lossy()))
        })?,
    )?;

    // sites() -> a store of runtime exception sites, filled by `drain`.
    m.set(
        "sites",
        lua.create_function(|lua, ()| lua.create_userdata(LuaSites(Sites::default())))?,
    )?;

    // locations(line) -> { {path, line, col}, ... }: the source locations named in a line.
    m.set(
        "locations",
        lua.create_function(|lua, text: LuaString| {
            let text = text.to_string_lossy();
            let out = lua.create_table()?;
            for (i, l) in crate::log::frames::locations(&text).into_iter().enumerate() {
                let t = lua.create_table_with_capacity(3, 0)?;
                t.raw_set(1, l.path)?;
                t.raw_set(2, l.line)?;
                t.raw_set(3, l.col)?;
                out.raw_set(i + 1, t)?;
            }
            Ok(out)
        })?,
    )?;

    m.set(
        "last_panic",
        lua.create_function(|_, ()| Ok(LAST_PANIC.lock().ok().and_then(|p| p.clone())))?,
    )?;
    Ok(m)
}
