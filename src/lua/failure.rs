//! Failures the user can meet, as tables of data (`unity.Failure` in lua/unity/types.lua):
//! `{kind = ..., ...}`, worded by `lua/unity/messages.lua`.

use crate::commands::SendError;
use crate::transport::WriteError;
use mlua::prelude::*;
use nix::errno::Errno;
use std::path::Path;

/// `{kind = kind}`, the start of every failure table (`unity.Failure` in lua/unity/types.lua).
pub(super) fn failure(lua: &Lua, kind: &str) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 4)?;
    t.raw_set("kind", kind)?;
    Ok(t)
}

/// The errno as a number, its name (`EPIPE`) and the system's description.
pub(super) fn set_errno(t: &LuaTable, e: Errno) -> LuaResult<()> {
    t.raw_set("errno", e as i32)?;
    t.raw_set("errname", format!("{e:?}"))?;
    t.raw_set("strerror", e.desc())
}

pub(super) fn send_failure(lua: &Lua, e: &SendError, dir: &Path) -> LuaResult<LuaTable> {
    let t = failure(lua, e.kind())?;
    t.raw_set("path", dir.to_string_lossy())?;
    match e {
        SendError::Encode(why) | SendError::Refused(why) => t.raw_set("detail", why.as_str())?,
        SendError::Locked(pid) => t.raw_set("pid", *pid)?,
        SendError::Io(errno) => set_errno(&t, *errno)?,
        SendError::NotRunning
        | SendError::NotConnected
        | SendError::NotReading
        | SendError::BadName
        | SendError::BadArgs => {}
    }
    Ok(t)
}

/// A command the writer could not deliver: `{t = "undelivered", id, kind, errno?, ...}`.
pub(super) fn undelivered(lua: &Lua, id: u64, why: WriteError) -> LuaResult<LuaTable> {
    let (kind, errno) = match why {
        WriteError::ReaderGone => ("reader_gone", Some(Errno::EPIPE)),
        WriteError::Stopped => ("closed", None),
        WriteError::Io(e) => ("write", Some(e)),
    };
    let t = failure(lua, kind)?;
    t.raw_set("t", "undelivered")?;
    t.raw_set("id", id)?;
    if let Some(e) = errno {
        set_errno(&t, e)?;
    }
    Ok(t)
}
