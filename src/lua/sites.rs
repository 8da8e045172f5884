//! Runtime exception sites (`sites`), filled by the drain.

use crate::log::sites::{Site, Sites};
use crate::protocol::Level;
use mlua::prelude::*;
use mlua::{UserData, UserDataMethods};

pub(super) struct LuaSites(pub(super) Sites);

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
