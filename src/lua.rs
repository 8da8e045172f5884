//! The Lua binding: `require("unity_native")`. Thin on purpose: the logic lives in the
//! mlua-free modules; this file only converts values. It runs on Neovim's main thread only.
//! Failures the user can meet are returned as `nil, {kind = ..., ...}` tables of data, worded by
//! `lua/unity/messages.lua`; programming errors as `nil, "message"` (mlua's error userdata would
//! show as an empty message over RPC).

use crate::commands::SendError;
use crate::connection::{Connection, Options};
use crate::log::book::Custom;
use crate::log::entry::{Group, Line};
use crate::log::filter::{Filter, Scope};
use crate::log::look::{Look, Spec};
use crate::log::sites::{Site, Sites};
use crate::log::{Entry, Logbook};
use crate::protocol::{Level, Log};
use crate::queue::Event;
use crate::transport::WriteError;
use mlua::prelude::*;
use mlua::serde::SerializeOptions;
use mlua::{UserData, UserDataMethods, Value};
use nix::errno::Errno;
use once_cell::sync::Lazy;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// `{kind = kind}`, the start of every failure table (`unity.Failure` in lua/unity/types.lua).
fn failure(lua: &Lua, kind: &str) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 4)?;
    t.raw_set("kind", kind)?;
    Ok(t)
}

/// The errno as a number, its name (`EPIPE`) and the system's description.
fn set_errno(t: &LuaTable, e: Errno) -> LuaResult<()> {
    t.raw_set("errno", e as i32)?;
    t.raw_set("errname", format!("{e:?}"))?;
    t.raw_set("strerror", e.desc())
}

fn send_failure(lua: &Lua, e: &SendError, dir: &Path) -> LuaResult<LuaTable> {
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
fn undelivered(lua: &Lua, id: u64, why: WriteError) -> LuaResult<LuaTable> {
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

/// An entry as Lua sees it (`unity.LogEntry`): for `K`, jumps, quickfix and `User UnityLog`.
fn entry_table(lua: &Lua, id: u64, e: &Entry) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 7)?;
    t.raw_set("id", id)?;
    t.raw_set("seq", e.seq)?;
    t.raw_set("time", e.time)?;
    t.raw_set("level", e.level.map_or("marker", Level::as_str))?;
    t.raw_set("group", e.group().map_or("marker", Group::as_str))?;
    t.raw_set("message", e.message.as_str())?;
    t.raw_set("stack", e.stack.as_deref())?;
    Ok(t)
}

/// A log entry given from Lua: `{level, message, stack?, time?, seq?}`.
fn entry_from_table(t: &LuaTable, look: &Look) -> LuaResult<Entry> {
    let level: String = t.get("level")?;
    let message: String = t
        .get::<Option<LuaString>>("message")?
        .map_or_else(String::new, |s| s.to_string_lossy());
    if level == "marker" {
        return Ok(Entry::marker(&message, look));
    }
    let level = Level::parse(&level)
        .ok_or_else(|| LuaError::runtime(format!("unknown log level '{level}'")))?;
    let seq = t.get::<Option<u64>>("seq")?;
    let log = Log {
        seq: seq.unwrap_or(0),
        time: t.get("time")?,
        level,
        message,
        stack: t
            .get::<Option<LuaString>>("stack")?
            .map(|s| s.to_string_lossy()),
    };
    // Entries made in Lua have no sequence number unless given one.
    Ok(Entry {
        seq,
        ..Entry::log(log, look)
    })
}

fn event_table(lua: &Lua, ev: Event) -> LuaResult<Value> {
    let tagged = |tag: &str| -> LuaResult<LuaTable> {
        let t = lua.create_table_with_capacity(0, 3)?;
        t.raw_set("t", tag)?;
        Ok(t)
    };
    let t = match ev {
        Event::Log(e) => {
            let t = entry_table(lua, 0, &e)?;
            t.raw_set("t", "log")?;
            t
        }
        Event::Message(msg) => return lua.to_value_with(&msg, ser_opts()),
        Event::Lost { count, cause } => {
            let t = tagged("lost")?;
            t.raw_set("count", count)?;
            t.raw_set("cause", cause.as_str())?;
            t
        }
        Event::Corrupt { reason } => {
            let t = tagged("corrupt")?;
            t.raw_set("reason", reason)?;
            t
        }
        Event::Disconnected => tagged("disconnected")?,
        Event::Listening => tagged("listening")?,
        Event::Locked { pid } => {
            let t = tagged("locked")?;
            t.raw_set("pid", pid)?;
            t
        }
        Event::Superseded { pid } => {
            let t = tagged("superseded")?;
            t.raw_set("pid", pid)?;
            t
        }
        Event::Problem(message) => {
            let t = tagged("problem")?;
            t.raw_set("message", message)?;
            t
        }
        Event::Undelivered { id, why } => undelivered(lua, id, why)?,
    };
    Ok(Value::Table(t))
}

struct LuaConnection(Option<Connection>);

impl LuaConnection {
    fn get(&self) -> LuaResult<&Connection> {
        self.0
            .as_ref()
            .ok_or_else(|| LuaError::runtime("this unity.nvim connection is closed"))
    }
}

impl UserData for LuaConnection {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // A new descriptor for vim.uv to watch; libuv closes it with its handle.
        methods.add_method("wake_fd", |_, this, ()| {
            use std::os::fd::IntoRawFd;
            Ok(this
                .get()?
                .wake_fd()
                .map_err(LuaError::external)?
                .into_raw_fd())
        });

        // drain(book, budget_ms, max_events?, sites?) -> event|nil, more
        // Log messages go into `book` (no Lua value is made for them), errors with a frame in
        // the project's code are counted in `sites` too; the first other event ends the call
        // and is returned, so that it acts after the logs before it are shown.
        methods.add_method(
            "drain",
            |lua,
             this,
             (book, budget_ms, max, sites): (
                LuaAnyUserData,
                f64,
                Option<usize>,
                Option<LuaAnyUserData>,
            )| {
                let bridge = this.get()?;
                let mut book = book.borrow_mut::<LuaBook>()?;
                let mut sites = sites.map(|s| s.borrow_mut::<LuaSites>()).transpose()?;
                bridge.set_look(book.0.look());
                let mut other = None;
                let budget = Duration::from_secs_f64(budget_ms.clamp(0.0, 1000.0) / 1000.0);
                let more = bridge.drain(budget, max.unwrap_or(usize::MAX), |ev| match ev {
                    Event::Log(e) => {
                        if let Some(s) = sites.as_mut() {
                            s.0.record(&e);
                        }
                        book.0.push(e);
                        true
                    }
                    ev => {
                        other = Some(ev);
                        false
                    }
                });
                let ev = match other {
                    Some(ev) => event_table(lua, ev)?,
                    None => Value::Nil,
                };
                Ok((ev, more))
            },
        );

        // send(name, args?) -> id | nil, failure (`unity.Failure`: `{kind, path, pid?, errno?, ...}`)
        methods.add_method_mut("send", |lua, this, (name, args): (String, Value)| {
            let Some(bridge) = this.0.as_mut() else {
                return Err(LuaError::runtime("this unity.nvim connection is closed"));
            };
            let sent = match args {
                Value::Nil => bridge.send(&name, None),
                Value::Table(_) => match lua.from_value::<rmpv::Value>(args) {
                    Ok(v) => bridge.send(&name, Some(v)),
                    Err(e) => Err(SendError::Encode(e.to_string())),
                },
                _ => Err(SendError::BadArgs),
            };
            match sent {
                Ok(id) => Ok((Value::Integer(id as i64), Value::Nil)),
                Err(e) => Ok((
                    Value::Nil,
                    Value::Table(send_failure(lua, &e, &bridge.paths().dir)?),
                )),
            }
        });

        methods.add_method("writable", |_, this, ()| Ok(this.get()?.writable()));

        methods.add_method_mut("greet", |_, this, ()| {
            if let Some(b) = this.0.as_mut() {
                b.greet();
            }
            Ok(())
        });

        methods.add_method("stats", |lua, this, ()| {
            let s = this.get()?.stats();
            let t = lua.create_table()?;
            t.set("frames", s.frames)?;
            t.set("bytes", s.bytes)?;
            t.set("corrupt", s.corrupt)?;
            t.set("overflow", s.overflow)?;
            t.set("renumbered", s.renumbered)?;
            t.set("queued", s.queued)?;
            Ok(t)
        });

        methods.add_method("paths", |lua, this, ()| {
            let p = this.get()?.paths();
            let t = lua.create_table()?;
            t.set("dir", p.dir.to_string_lossy())?;
            t.set("to_nvim", p.to_nvim.to_string_lossy())?;
            t.set("to_unity", p.to_unity.to_string_lossy())?;
            t.set("session", p.session.to_string_lossy())?;
            Ok(t)
        });

        // Stops the threads and closes the pipes; later calls say the connection is closed.
        methods.add_method_mut("close", |_, this, ()| {
            this.0.take();
            Ok(())
        });
    }
}

struct LuaBook(Logbook, HeaderStrings);

/// The Lua strings of entries' header lines as last handed to Lua by a change (a render, a
/// filter), in a Lua table: showing an entry again (a filter cleared, collapsing off) reuses
/// its string instead of making one, which was most of what bringing 100 000 lines back cost
/// (doc/performance.md, "Filtering a long history"). Appended lines are not kept (see
/// `View::append`). Slot `id % capacity`: the ids in the history never share one. A string is
/// used only for the very line it was made from (`lines`, held so that its address is not
/// reused): a header made again (another look, a count) gets a new string, never a wrong one.
struct HeaderStrings {
    /// Slot + 1 -> string.
    table: LuaTable,
    lines: Vec<Option<Line>>,
    /// Entries from this id on may hold a slot; older ones were released.
    from: u64,
}

impl LuaBook {
    fn new(lua: &Lua, book: Logbook) -> LuaResult<Self> {
        let table = lua.create_table_with_capacity(book.capacity().min(1 << 20), 0)?;
        let strings = HeaderStrings {
            table,
            lines: vec![None; book.capacity()],
            from: book.first_id(),
        };
        Ok(Self(book, strings))
    }

    /// The pending edits as `{ {first, last, lines}, ... }`; deletions share one empty list (a
    /// filter change can make thousands of them).
    fn flush(&mut self, lua: &Lua) -> LuaResult<LuaTable> {
        let LuaBook(book, strings) = self;
        let edits = book.flush();
        let first = book.first_id();
        let slots = strings.lines.len() as u64;
        let from = std::mem::replace(&mut strings.from, first).max(first.saturating_sub(slots));
        let table = strings.table.clone();
        // SAFETY: the closure only uses the Lua C API on the stack it was given (the strings'
        // table at index 1) within the slots it checked, and cannot panic; mlua runs it
        // protected, so a Lua memory error comes back as an error.
        unsafe {
            lua.exec_raw::<LuaTable>(table, |state| {
                edits_table(state, &edits, from..first, &mut strings.lines)
            })
        }
    }
}

/// Raw Lua: with the strings' table at index 1, releases the strings of the entries `gone`
/// and leaves the edits' table in its place.
unsafe fn edits_table(
    state: *mut mlua::lua_State,
    edits: &[crate::log::view::Edit],
    gone: std::ops::Range<u64>,
    held: &mut [Option<Line>],
) {
    use mlua::ffi;
    ffi::luaL_checkstack(state, 8, std::ptr::null());
    let first = gone.end;
    for id in gone {
        let slot = (id % held.len() as u64) as usize;
        if held[slot].take().is_some() {
            ffi::lua_pushnil(state);
            ffi::lua_rawseti(state, 1, slot as ffi::lua_Integer + 1);
        }
    }
    ffi::lua_createtable(state, edits.len() as i32, 0); // 2: the edits
    ffi::lua_createtable(state, 0, 0); // 3: the empty list
    for (i, e) in edits.iter().enumerate() {
        ffi::lua_createtable(state, 3, 0);
        ffi::lua_pushinteger(state, e.first as ffi::lua_Integer);
        ffi::lua_rawseti(state, -2, 1);
        ffi::lua_pushinteger(state, e.last as ffi::lua_Integer);
        ffi::lua_rawseti(state, -2, 2);
        if e.lines.is_empty() {
            ffi::lua_pushvalue(state, 3);
        } else {
            push_lines(state, e, first, held);
        }
        ffi::lua_rawseti(state, -2, 3);
        ffi::lua_rawseti(state, 2, i as ffi::lua_Integer + 1);
    }
    ffi::lua_pop(state, 1);
    ffi::lua_replace(state, 1);
}

/// Raw Lua: pushes the list of `e`'s lines, headers of entries from `first` on taken from (or
/// kept in) the strings' table at index 1. Only lines someone else holds are kept (an entry's
/// own header, a hook's): a collapsed group's header with its count is made for this edit.
unsafe fn push_lines(
    state: *mut mlua::lua_State,
    e: &crate::log::view::Edit,
    first: u64,
    held: &mut [Option<Line>],
) {
    use mlua::ffi;
    ffi::lua_createtable(state, e.lines.len() as i32, 0);
    let list = ffi::lua_gettop(state);
    let mut heads = e.heads.iter().peekable();
    for (i, line) in e.lines.iter().enumerate() {
        let head = heads
            .next_if(|h| h.0 == i)
            .map(|h| h.1)
            .filter(|&id| id >= first);
        let push = |state| {
            ffi::lua_pushlstring(state, line.as_ptr().cast(), line.len());
        };
        match head {
            Some(id) => {
                let slot = (id % held.len() as u64) as usize;
                let key = slot as ffi::lua_Integer + 1;
                if held[slot].as_ref().is_some_and(|h| Arc::ptr_eq(h, line)) {
                    ffi::lua_rawgeti(state, 1, key);
                } else {
                    push(state);
                    if Arc::strong_count(line) > 1 {
                        ffi::lua_pushvalue(state, -1);
                        ffi::lua_rawseti(state, 1, key);
                        held[slot] = Some(Arc::clone(line));
                    }
                }
            }
            None => push(state),
        }
        ffi::lua_rawseti(state, list, i as ffi::lua_Integer + 1);
    }
}

/// `log.look` as Lua gives it; what it leaves out keeps its default.
fn look_spec(t: &LuaTable) -> LuaResult<Spec> {
    let mut spec = Spec::default();
    if let Some(labels) = t.get::<Option<LuaTable>>("labels")? {
        for pair in labels.pairs::<String, String>() {
            let (name, label) = pair?;
            let level = Level::parse(&name).ok_or_else(|| {
                LuaError::runtime(format!("log.look.labels: unknown level '{name}'"))
            })?;
            spec.labels[level as usize] = label;
        }
    }
    for (key, field) in [
        ("clock", &mut spec.clock),
        ("indent", &mut spec.indent),
        ("stack_indent", &mut spec.stack_indent),
        ("count", &mut spec.count),
        ("marker", &mut spec.marker),
        ("cut", &mut spec.cut),
    ] {
        if let Some(v) = t.get::<Option<String>>(key)? {
            *field = v;
        }
    }
    if let Some(n) = t.get::<Option<usize>>("max_line")? {
        spec.max_line = n;
    }
    Ok(spec)
}

/// A list of strings. `create_sequence_from` pushes each string straight onto the Lua stack;
/// making each a `LuaString` first costs a registry reference per line, which was most of a
/// flood's main-loop time.
fn lines_table<S: AsRef<str>>(lua: &Lua, lines: &[S]) -> LuaResult<LuaTable> {
    lua.create_sequence_from(lines.iter().map(AsRef::as_ref))
}

fn filter_table(lua: &Lua, f: &Filter) -> LuaResult<LuaTable> {
    let levels = lua.create_table()?;
    for g in Group::ALL {
        levels.raw_set(g.as_str(), f.levels[g as usize])?;
    }
    let t = lua.create_table()?;
    t.raw_set("levels", levels)?;
    t.raw_set("text", f.text.as_deref())?;
    t.raw_set("scope", f.scope.as_str())?;
    Ok(t)
}

fn scope(s: &str) -> LuaResult<Scope> {
    Scope::parse(s)
        .ok_or_else(|| LuaError::runtime(format!("unknown scope '{s}' (all, compile or play)")))
}

impl UserData for LuaBook {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // add(entries): log entries or markers made in Lua (tests, the client's markers).
        methods.add_method_mut("add", |_, this, entries: Vec<LuaTable>| {
            let look = Arc::clone(this.0.look());
            for t in entries {
                this.0.push(entry_from_table(&t, &look)?);
            }
            Ok(())
        });

        // flush() -> { {first, last, lines}, ... }: nvim_buf_set_lines calls, in order.
        methods.add_method_mut("flush", |lua, this, ()| this.flush(lua));

        // step(n) -> more: brings n more entries (newest first) to what a change of the
        // filter, collapsing or expansion says; their edits wait for flush.
        methods.add_method_mut("step", |_, this, n: u64| Ok(this.0.step(n)));
        methods.add_method("reshowing", |_, this, ()| Ok(this.0.reshowing()));

        // render(hook?): redraws everything; `hook(entry)` is asked about each entry that would
        // be shown: false hides it, a string is its header, nil shows it as usual.
        methods.add_method_mut("render", |lua, this, hook: Option<LuaFunction>| {
            let Some(hook) = hook else {
                this.0.render();
                return Ok(());
            };
            this.0.render_with(|id, e| {
                Ok(match hook.call::<Value>(entry_table(lua, id, e)?)? {
                    Value::Nil | Value::Boolean(true) => None,
                    Value::Boolean(false) => Some(Custom::Hidden),
                    Value::String(s) => Some(Custom::Header(s.to_string_lossy().into())),
                    other => {
                        return Err(LuaError::runtime(format!(
                            "the log hook returned a {}: a string, false or nil expected",
                            other.type_name()
                        )))
                    }
                })
            })
        });
        methods.add_method_mut("hide", |_, this, ()| {
            this.0.hide();
            Ok(())
        });
        methods.add_method_mut("clear", |_, this, ()| {
            this.0.clear();
            Ok(())
        });
        methods.add_method_mut("mark", |_, this, name: String| {
            this.0.mark(scope(&name)?);
            Ok(())
        });

        // entry_at(row) -> id, line (0: the header) | nil
        methods.add_method("entry_at", |_, this, row: i64| {
            Ok(this
                .0
                .entry_at(row)
                .map_or((None, None), |(id, line)| (Some(id), Some(line))))
        });
        methods.add_method("last_header", |_, this, ()| Ok(this.0.last_header()));
        methods.add_method("row_of", |_, this, id: u64| Ok(this.0.row_of(id)));

        methods.add_method("get", |lua, this, id: u64| {
            this.0.get(id).map(|e| entry_table(lua, id, e)).transpose()
        });

        // entries(from_id?, visible_only?) -> log entries (no markers), oldest first.
        methods.add_method(
            "entries",
            |lua, this, (from, visible): (Option<u64>, Option<bool>)| {
                let out = lua.create_table()?;
                let mut n = 0;
                for (id, e) in this.0.since(from.unwrap_or(0)) {
                    if e.level.is_some() && (visible != Some(true) || this.0.visible(id)) {
                        n += 1;
                        out.raw_set(n, entry_table(lua, id, e)?)?;
                    }
                }
                Ok(out)
            },
        );

        methods.add_method("counts", |lua, this, ()| {
            let t = lua.create_table()?;
            let c = this.0.counts();
            for g in Group::ALL {
                t.raw_set(g.as_str(), c[g as usize])?;
            }
            Ok(t)
        });

        methods.add_method("stats", |lua, this, ()| {
            let s = this.0.stats();
            let t = lua.create_table()?;
            t.raw_set("added", s.added)?;
            t.raw_set("last_seq", s.last_seq)?;
            t.raw_set("last_id", s.last_id)?;
            t.raw_set("size", this.0.len())?;
            t.raw_set("removed", this.0.removed())?;
            t.raw_set("strings", this.1.lines.iter().flatten().count())?;
            Ok(t)
        });

        methods.add_method("filter", |lua, this, ()| filter_table(lua, this.0.filter()));

        // set_filter({levels?, text? (false clears), scope?}): changes only what is given.
        methods.add_method_mut("set_filter", |_, this, t: LuaTable| {
            let mut f = this.0.filter().clone();
            if let Some(levels) = t.get::<Option<LuaTable>>("levels")? {
                for pair in levels.pairs::<String, bool>() {
                    let (name, on) = pair?;
                    let g = Group::parse(&name).ok_or_else(|| {
                        LuaError::runtime(format!("unknown level group '{name}'"))
                    })?;
                    f.levels[g as usize] = on;
                }
            }
            match t.get::<Value>("text")? {
                Value::Nil => {}
                Value::String(s) if !s.as_bytes().is_empty() => f.text = Some(s.to_string_lossy()),
                _ => f.text = None,
            }
            if let Some(s) = t.get::<Option<String>>("scope")? {
                f.scope = scope(&s)?;
            }
            this.0.set_filter(f);
            Ok(())
        });

        methods.add_method_mut("toggle", |_, this, id: u64| {
            this.0.toggle(id);
            Ok(())
        });
        methods.add_method_mut("set_expand_all", |_, this, on: bool| {
            this.0.set_expand_all(on);
            Ok(())
        });

        methods.add_method("collapsing", |_, this, ()| Ok(this.0.collapsing()));
        methods.add_method_mut("set_collapse", |_, this, on: bool| {
            this.0.set_collapse(on);
            Ok(())
        });
    }
}

struct LuaSites(Sites);

/// A site as Lua sees it (`unity.RuntimeSite`).
fn site_table(lua: &Lua, s: &Site) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 7)?;
    t.raw_set("id", s.id)?;
    t.raw_set("path", s.path.as_str())?;
    t.raw_set("line", s.line)?;
    t.raw_set("text", s.text.as_str())?;
    t.raw_set("level", s.level.as_str())?;
    t.raw_set("count", s.count)?;
    t.raw_set("time", s.time)?;
    Ok(t)
}

fn sites_list<'a>(lua: &Lua, sites: impl Iterator<Item = &'a Site>) -> LuaResult<LuaTable> {
    let out = lua.create_table()?;
    for (i, s) in sites.enumerate() {
        out.raw_set(i + 1, site_table(lua, s)?)?;
    }
    Ok(out)
}

impl UserData for LuaSites {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // set_roots({dir, ...}): absolute folders of the project's own code.
        methods.add_method_mut("set_roots", |_, this, roots: Vec<String>| {
            this.0.set_roots(roots);
            Ok(())
        });
        // changed(max) -> up to `max` sites changed since last taken, oldest change first.
        methods.add_method_mut("changed", |lua, this, max: usize| {
            sites_list(lua, this.0.take_changed(max).into_iter())
        });
        methods.add_method("pending", |_, this, ()| Ok(this.0.pending()));
        methods.add_method("all", |lua, this, ()| sites_list(lua, this.0.all().iter()));
        methods.add_method("overflow", |_, this, ()| Ok(this.0.overflow()));
        // site_of(entry) -> id | nil: the site a log entry (`unity.LogEntry`) was counted at.
        methods.add_method("site_of", |_, this, t: LuaTable| {
            let Some(level) = Level::parse(&t.get::<String>("level")?) else {
                return Ok(None);
            };
            let message: String = t.get("message")?;
            let stack: Option<String> = t.get("stack")?;
            Ok(this.0.site_of(level, &message, stack.as_deref()))
        });
        methods.add_method_mut("clear", |_, this, ()| {
            this.0.clear();
            Ok(())
        });
    }
}

#[mlua::lua_module(skip_memory_check)]
fn unity_native(lua: &Lua) -> LuaResult<LuaTable> {
    install_panic_hook();
    let m = lua.create_table()?;
    m.set("version", crate::VERSION)?;

    // connect(project, {queue_size, max_line, client, force?}) -> handle | nil, failure
    // Every option is required: their defaults live in lua/unity/config.lua only.
    m.set(
        "connect",
        lua.create_function(|lua, (project, t): (String, LuaTable)| {
            let o = Options {
                queue_size: t.get("queue_size")?,
                max_line: t.get("max_line")?,
                client: t.get("client")?,
                force: t.get::<Option<bool>>("force")?.unwrap_or(false),
            };
            match Connection::open(Path::new(&project), &o) {
                Ok(b) => Ok((
                    Value::UserData(lua.create_userdata(LuaConnection(Some(b)))?),
                    Value::Nil,
                )),
                Err(e) => {
                    let t = failure(lua, "start")?;
                    t.raw_set("path", project)?;
                    set_errno(&t, Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
                    Ok((Value::Nil, Value::Table(t)))
                }
            }
        })?,
    )?;

    // check(project) -> true | nil, err: the security checks of the rendezvous, for health.
    m.set(
        "check",
        lua.create_function(|lua, project: String| {
            let paths = crate::transport::Paths::new(Path::new(&project));
            match crate::transport::check_fifos(&paths) {
                Ok(()) => Ok((Value::Boolean(true), Value::Nil)),
                Err(e) => fail(lua, e.to_string()),
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
