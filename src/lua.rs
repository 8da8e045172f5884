//! The Lua binding: `require("unity_native")`. Thin on purpose: the logic lives in the
//! mlua-free modules; this file only converts values. It runs on Neovim's main thread only.
//! Errors are returned as `nil, "message"` (mlua's error userdata would show as an empty
//! message over RPC).

use crate::bridge::{Bridge, Options};
use crate::commands::SendError;
use crate::protocol::{FromUnity, Log};
use crate::queue::Event;
use mlua::prelude::*;
use mlua::serde::SerializeOptions;
use mlua::{UserData, UserDataMethods, Value};
use once_cell::sync::Lazy;
use std::path::Path;
use std::sync::Mutex;
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

fn log_table(lua: &Lua, l: Log) -> LuaResult<LuaTable> {
    let t = lua.create_table_with_capacity(0, 6)?;
    t.raw_set("t", "log")?;
    t.raw_set("seq", l.seq)?;
    if let Some(time) = l.time {
        t.raw_set("time", time)?;
    }
    t.raw_set("level", l.level.as_str())?;
    t.raw_set("message", l.message)?;
    if let Some(stack) = l.stack {
        t.raw_set("stack", stack)?;
    }
    Ok(t)
}

fn event_table(lua: &Lua, ev: Event) -> LuaResult<Value> {
    let tagged = |tag: &str| -> LuaResult<LuaTable> {
        let t = lua.create_table_with_capacity(0, 3)?;
        t.raw_set("t", tag)?;
        Ok(t)
    };
    let t = match ev {
        Event::Message(FromUnity::Log(l)) => log_table(lua, l)?,
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
    };
    Ok(Value::Table(t))
}

struct LuaBridge(Option<Bridge>);

impl LuaBridge {
    fn get(&self) -> LuaResult<&Bridge> {
        self.0
            .as_ref()
            .ok_or_else(|| LuaError::runtime("this unity.nvim connection is closed"))
    }
}

impl UserData for LuaBridge {
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

        // drain(budget_ms, max_events?) -> events, more
        methods.add_method(
            "drain",
            |lua, this, (budget_ms, max): (f64, Option<usize>)| {
                let bridge = this.get()?;
                let events = lua.create_table()?;
                let mut err = None;
                let mut n = 0;
                let budget = Duration::from_secs_f64(budget_ms.clamp(0.0, 1000.0) / 1000.0);
                let more = bridge.drain(budget, max.unwrap_or(usize::MAX), |ev| {
                    if err.is_some() {
                        return;
                    }
                    match event_table(lua, ev).and_then(|v| {
                        n += 1;
                        events.raw_set(n, v)
                    }) {
                        Ok(()) => {}
                        Err(e) => err = Some(e),
                    }
                });
                match err {
                    Some(e) => Err(e),
                    None => Ok((events, more)),
                }
            },
        );

        // send(name, args?) -> id | nil, err, kind (see `SendError::kind`)
        methods.add_method_mut("send", |lua, this, (name, args): (String, Value)| {
            let Some(bridge) = this.0.as_mut() else {
                return Err(LuaError::runtime("this unity.nvim connection is closed"));
            };
            let sent = match args {
                Value::Nil => bridge.send(&name, None),
                Value::Table(_) => match lua.from_value::<rmpv::Value>(args) {
                    Ok(v) => bridge.send(&name, Some(v)),
                    Err(e) => Err(SendError::Invalid(format!(
                        "arguments of '{name}' cannot be sent to Unity: {e}"
                    ))),
                },
                other => Err(SendError::Invalid(format!(
                    "arguments of '{name}' must be a table, not a {}",
                    other.type_name()
                ))),
            };
            match sent {
                Ok(id) => Ok((Value::Integer(id as i64), Value::Nil, Value::Nil)),
                Err(e) => Ok((
                    Value::Nil,
                    Value::String(lua.create_string(e.to_string())?),
                    Value::String(lua.create_string(e.kind())?),
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

#[mlua::lua_module(skip_memory_check)]
fn unity_native(lua: &Lua) -> LuaResult<LuaTable> {
    install_panic_hook();
    let m = lua.create_table()?;
    m.set("version", crate::VERSION)?;

    // connect(project, {queue_size?, client?, force?}) -> handle | nil, err
    m.set(
        "connect",
        lua.create_function(|lua, (project, opts): (String, Option<LuaTable>)| {
            let mut o = Options::default();
            if let Some(t) = opts {
                if let Some(n) = t.get::<Option<usize>>("queue_size")? {
                    o.queue_size = n;
                }
                if let Some(c) = t.get::<Option<String>>("client")? {
                    o.client = c;
                }
                o.force = t.get::<Option<bool>>("force")?.unwrap_or(false);
            }
            match Bridge::open(Path::new(&project), &o) {
                Ok(b) => Ok((
                    Value::UserData(lua.create_userdata(LuaBridge(Some(b)))?),
                    Value::Nil,
                )),
                Err(e) => fail(
                    lua,
                    format!("could not start the unity.nvim connection: {e}"),
                ),
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

    m.set(
        "last_panic",
        lua.create_function(|_, ()| Ok(LAST_PANIC.lock().ok().and_then(|p| p.clone())))?,
    )?;
    Ok(m)
}
