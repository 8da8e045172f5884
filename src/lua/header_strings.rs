//! The Lua strings of the log's header lines, kept between edits: the only `unsafe` of the
//! binding (raw Lua C API calls that build the edits' tables without a registry reference per
//! line).

use crate::log::entry::Line;
use crate::log::view::Edit;
use mlua::prelude::*;
use std::sync::Arc;

/// The Lua strings of entries' header lines as last handed to Lua by a change (a render, a
/// filter), in a Lua table: showing an entry again (a filter cleared, collapsing off) reuses
/// its string instead of making one, which was most of what bringing 100 000 lines back cost
/// (doc/performance.md, "Filtering a long history"). Appended lines are not kept (see
/// `View::append`). Slot `id % capacity`: the ids in the history never share one. A string is
/// used only for the very line it was made from (`lines`, held so that its address is not
/// reused): a header made again (another look, a count) gets a new string, never a wrong one.
pub(super) struct HeaderStrings {
    /// Slot + 1 -> string.
    table: LuaTable,
    lines: Vec<Option<Line>>,
    /// Entries from this id on may hold a slot; older ones were released.
    from: u64,
}

impl HeaderStrings {
    /// Slots for `capacity` entries, the oldest of which has the id `first`.
    pub(super) fn new(lua: &Lua, capacity: usize, first: u64) -> LuaResult<Self> {
        Ok(Self {
            table: lua.create_table_with_capacity(capacity.min(1 << 20), 0)?,
            lines: vec![None; capacity],
            from: first,
        })
    }

    /// How many header strings are kept (for `stats`).
    pub(super) fn held(&self) -> usize {
        self.lines.iter().flatten().count()
    }

    /// `edits` as `{ {first, last, lines}, ... }`, where `first` is the oldest id still in the
    /// history; deletions share one empty list (a filter change can make thousands of them).
    pub(super) fn edits(&mut self, lua: &Lua, edits: &[Edit], first: u64) -> LuaResult<LuaTable> {
        let slots = self.lines.len() as u64;
        let from = std::mem::replace(&mut self.from, first).max(first.saturating_sub(slots));
        let table = self.table.clone();
        let held = &mut self.lines;
        // SAFETY: the closure only uses the Lua C API on the stack it was given (the strings'
        // table at index 1) within the slots it checked, and cannot panic; mlua runs it
        // protected, so a Lua memory error comes back as an error.
        unsafe {
            lua.exec_raw::<LuaTable>(table, |state| edits_table(state, edits, from..first, held))
        }
    }
}

/// Raw Lua: with the strings' table at index 1, releases the strings of the entries `gone`
/// and leaves the edits' table in its place.
unsafe fn edits_table(
    state: *mut mlua::lua_State,
    edits: &[Edit],
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
unsafe fn push_lines(state: *mut mlua::lua_State, e: &Edit, first: u64, held: &mut [Option<Line>]) {
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
