//! The log history and its buffer edits (`logbook`), and entries as Lua sees them.

use super::header_strings::HeaderStrings;
use crate::log::book::Custom;
use crate::log::entry::Group;
use crate::log::filter::{Filter, Scope};
use crate::log::look::{Look, Spec};
use crate::log::{Entry, Logbook};
use crate::protocol::{Level, Log};
use mlua::prelude::*;
use mlua::{UserData, UserDataMethods, Value};
use std::sync::Arc;

pub(super) struct LuaBook(pub(super) Logbook, HeaderStrings);

impl LuaBook {
    pub(super) fn new(lua: &Lua, book: Logbook) -> LuaResult<Self> {
        let history = book.history();
        let strings = HeaderStrings::new(lua, history.capacity(), history.first_id())?;
        Ok(Self(book, strings))
    }

    /// The pending edits as `{ {first, last, lines}, ... }`.
    fn flush(&mut self, lua: &Lua) -> LuaResult<LuaTable> {
        let edits = self.0.flush();
        let first = self.0.history().first_id();
        self.1.edits(lua, &edits, first)
    }
}

/// An entry as Lua sees it (`unity.LogEntry`): for `K`, jumps, quickfix and `User UnityLog`.
pub(super) fn entry_table(lua: &Lua, id: u64, e: &Entry) -> LuaResult<LuaTable> {
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

/// `log.look` as Lua gives it, every field required: the defaults live in lua/unity/config.lua.
pub(super) fn look_spec(t: &LuaTable) -> LuaResult<Spec> {
    let text = |key: &str| -> LuaResult<String> {
        t.get::<Option<String>>(key)?
            .ok_or_else(|| LuaError::runtime(format!("log.look.{key} is missing")))
    };
    let labels = t.get::<LuaTable>("labels")?;
    let label = |level: Level| -> LuaResult<String> {
        labels
            .get::<Option<String>>(level.as_str())?
            .ok_or_else(|| {
                LuaError::runtime(format!("log.look.labels.{} is missing", level.as_str()))
            })
    };
    Ok(Spec {
        labels: [
            label(Level::Log)?,
            label(Level::Warning)?,
            label(Level::Error)?,
            label(Level::Exception)?,
            label(Level::Assert)?,
        ],
        clock: text("clock")?,
        indent: text("indent")?,
        stack_indent: text("stack_indent")?,
        count: text("count")?,
        marker: text("marker")?,
        cut: text("cut")?,
        removed: [text("removed_one")?, text("removed_many")?],
        max_line: t.get("max_line")?,
    })
}

/// A list of strings. `create_sequence_from` pushes each string straight onto the Lua stack;
/// making each a `LuaString` first costs a registry reference per line, which was most of a
/// flood's main-loop time.
pub(super) fn lines_table<S: AsRef<str>>(lua: &Lua, lines: &[S]) -> LuaResult<LuaTable> {
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
            this.0
                .history()
                .get(id)
                .map(|e| entry_table(lua, id, e))
                .transpose()
        });

        // newest(text) -> the newest log entry whose message holds `text`, or nil: a search
        // of the whole history without a Lua value per entry.
        methods.add_method("newest", |lua, this, text: String| {
            this.0
                .history()
                .newest_first()
                .find(|(_, e)| e.level.is_some() && e.message.contains(&text))
                .map(|(id, e)| entry_table(lua, id, e))
                .transpose()
        });

        // entries(from_id?, visible_only?) -> log entries (no markers), oldest first.
        methods.add_method(
            "entries",
            |lua, this, (from, visible): (Option<u64>, Option<bool>)| {
                let out = lua.create_table()?;
                let mut n = 0;
                for (id, e) in this.0.history().since(from.unwrap_or(0)) {
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
            let c = this.0.history().counts();
            for g in Group::ALL {
                t.raw_set(g.as_str(), c[g as usize])?;
            }
            Ok(t)
        });

        methods.add_method("stats", |lua, this, ()| {
            let h = this.0.history();
            let s = h.stats();
            let t = lua.create_table()?;
            t.raw_set("added", s.added)?;
            t.raw_set("last_seq", s.last_seq)?;
            t.raw_set("last_id", s.last_id)?;
            t.raw_set("size", h.len())?;
            t.raw_set("removed", h.removed())?;
            t.raw_set("strings", this.1.held())?;
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
