//! Failures as Lua sees them (`unity.Failure` in lua/unity/types.lua): `{kind = ..., ...}` with
//! the failure's data, worded by `lua/unity/messages.lua`.

use crate::failure::{Failure, Unsafe};
use crate::transport::{errno_number, Errno, WriteError, GONE};
use mlua::prelude::*;

/// `{kind, ...}`: the kind (`Failure::kind`) and the failure's data under stable names.
pub(super) fn failure_table(lua: &Lua, f: &Failure) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 6)?;
    t.raw_set("kind", f.kind())?;
    match f {
        Failure::Encode(detail) | Failure::ReaderStopped(detail) => {
            t.raw_set("detail", detail.as_str())?
        }
        Failure::Refused { path, why } => {
            t.raw_set("path", path.to_string_lossy())?;
            t.raw_set("why", why.as_str())?;
            match why {
                Unsafe::Owner { uid, me } => {
                    t.raw_set("uid", *uid)?;
                    t.raw_set("me", *me)?;
                }
                Unsafe::Shared { mode } => t.raw_set("mode", format!("{mode:o}"))?,
                Unsafe::Symlink | Unsafe::NotFolder | Unsafe::NotFifo => {}
            }
        }
        Failure::Locked(pid) => t.raw_set("pid", *pid)?,
        Failure::Io(e) | Failure::Start(e) | Failure::Write(e) | Failure::Read(e) => {
            set_errno(&t, *e)?
        }
        // What the writer met when Unity closed its pipe.
        Failure::ReaderGone => set_errno(&t, GONE)?,
        Failure::Impostor {
            pipe,
            server,
            unity,
        } => {
            t.raw_set("path", pipe.as_str())?;
            t.raw_set("server", *server)?;
            t.raw_set("pid", *unity)?;
        }
        Failure::NotRunning
        | Failure::NotConnected
        | Failure::NotReading
        | Failure::BadName
        | Failure::BadArgs
        | Failure::Closed => {}
    }
    Ok(t)
}

/// The errno as a number, its name (`EPIPE`) and the system's description.
fn set_errno(t: &LuaTable, e: Errno) -> LuaResult<()> {
    t.raw_set("errno", errno_number(e))?;
    t.raw_set("errname", format!("{e:?}"))?;
    t.raw_set("strerror", e.desc())
}

/// A command the writer could not deliver: `{t = "undelivered", id, kind, errno?, ...}`.
pub(super) fn undelivered(lua: &Lua, id: u64, why: WriteError) -> LuaResult<LuaTable> {
    let t = failure_table(lua, &why.into())?;
    t.raw_set("t", "undelivered")?;
    t.raw_set("id", id)?;
    Ok(t)
}
