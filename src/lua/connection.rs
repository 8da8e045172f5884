//! The connection handle: drain, send, and the events the drain hands to Lua.

use super::book::{entry_table, LuaBook};
use super::failure::{failure_table, undelivered};
use super::ser_opts;
use super::sites::LuaSites;
use crate::connection::Connection;
use crate::failure::Failure;
use crate::queue::Event;
use mlua::prelude::*;
use mlua::{UserData, UserDataMethods, Value};
use std::time::Duration;

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
        Event::Failure(f) => {
            let t = failure_table(lua, &f)?;
            t.raw_set("t", "failure")?;
            t
        }
        Event::Undelivered { id, why } => undelivered(lua, id, why)?,
    };
    Ok(Value::Table(t))
}

pub(super) struct LuaConnection(pub(super) Option<Connection>);

impl LuaConnection {
    fn get(&self) -> LuaResult<&Connection> {
        self.0
            .as_ref()
            .ok_or_else(|| LuaError::runtime("this unity.nvim connection is closed"))
    }
}

impl UserData for LuaConnection {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // A new descriptor for vim.uv to watch; libuv closes it with its handle. nil on
        // Windows, where libuv cannot watch the module's descriptors: see `wake_pipe`.
        methods.add_method("wake_fd", |_, this, ()| {
            #[cfg(unix)]
            {
                use std::os::fd::IntoRawFd;
                Ok(Some(
                    this.get()?
                        .wake_fd()
                        .map_err(LuaError::external)?
                        .into_raw_fd(),
                ))
            }
            #[cfg(windows)]
            {
                this.get()?;
                Ok(None::<i32>)
            }
        });

        // wake_pipe() -> name | nil, why: (Windows) the named pipe to connect to with vim.uv,
        // written when events wait; call `trust_wake_pipe` once connected.
        // trust_wake_pipe() -> true | nil, why: starts the writes once the pipe's client is
        // this Neovim; otherwise the pipe is closed and the caller looks at `pending` on a timer.
        #[cfg(windows)]
        {
            methods.add_method("wake_pipe", |_, this, ()| {
                Ok(match this.get()?.wake().watch_pipe() {
                    Ok(name) => (Some(name), None),
                    Err(e) => (None, Some(format!("cannot make the wake-up pipe: {e}"))),
                })
            });
            methods.add_method("trust_wake_pipe", |_, this, ()| {
                Ok(match this.get()?.wake().trust_watcher() {
                    Ok(()) => (Some(true), None),
                    Err(e) => (None, Some(e.to_string())),
                })
            });
        }

        // pending() -> whether events wait to be drained.
        methods.add_method("pending", |_, this, ()| Ok(this.get()?.pending()));

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

        // send(name, args?) -> id | nil, failure (`unity.Failure`: `{kind, pid?, errno?, ...}`)
        methods.add_method_mut("send", |lua, this, (name, args): (String, Value)| {
            let Some(bridge) = this.0.as_mut() else {
                return Err(LuaError::runtime("this unity.nvim connection is closed"));
            };
            let sent = match args {
                Value::Nil => bridge.send(&name, None),
                Value::Table(_) => match lua.from_value::<rmpv::Value>(args) {
                    Ok(v) => bridge.send(&name, Some(v)),
                    Err(e) => Err(Failure::Encode(e.to_string())),
                },
                _ => Err(Failure::BadArgs),
            };
            match sent {
                Ok(id) => Ok((Value::Integer(id as i64), Value::Nil)),
                Err(e) => Ok((Value::Nil, Value::Table(failure_table(lua, &e)?))),
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
