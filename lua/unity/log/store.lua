--- The log history: entries in arrival order, bounded, with level counts, filters, scopes and
--- Unity-style collapsing. Plain Lua (no Neovim API), so the view can ask it what to show.
local M = {}

---@alias unity.LogGroup "error"|"warning"|"log"

---@class unity.StoredEntry: unity.LogEntry
---@field id integer     position in arrival order
---@field group unity.LogGroup|"marker"
---@field key string     identity for collapsing (level, message, stack)

local GROUP = { error = "error", exception = "error", assert = "error", warning = "warning", log = "log" }

---@class unity.LogStore
---@field entries table<integer, unity.StoredEntry>
---@field first integer          id of the oldest entry kept
---@field last integer           id of the newest entry
---@field removed integer        entries that left the history since the last clear
---@field counts table<unity.LogGroup, integer>
---@field cap integer
---@field marks table<string, integer>   scope name -> first id of that scope
---@field filter unity.LogFilter
---@field collapse boolean
---@field dups table<string, {first: integer, count: integer}>
local Store = {}
Store.__index = Store

---@class unity.LogFilter
---@field levels table<unity.LogGroup, boolean>
---@field text string|nil       case-insensitive unless it has capitals
---@field scope "all"|"compile"|"play"

---@param cap integer
---@return unity.LogStore
function M.new(cap)
  local s = setmetatable({ cap = cap, collapse = false, marks = {} }, Store)
  s.filter = { levels = { error = true, warning = true, log = true }, text = nil, scope = "all" }
  s:clear()
  return s
end

--- Forgets every entry; counts start again.
function Store:clear()
  self.entries, self.dups = {}, {}
  self.first, self.last, self.removed = (self.last or 0) + 1, self.last or 0, 0
  self.counts = { error = 0, warning = 0, log = 0 }
end

---@return integer
function Store:size()
  return self.last - self.first + 1
end

--- Counts `e` in the collapse index; returns the entry that represents its group, if any.
---@param e unity.StoredEntry
---@return unity.StoredEntry|nil
function Store:index(e)
  e.key = e.key or (e.level .. "\0" .. e.message .. "\0" .. (e.stack or ""))
  local d = self.dups[e.key]
  if d then
    d.count = d.count + 1
    return self.entries[d.first]
  end
  self.dups[e.key] = { first = e.id, count = 1 }
end

--- Adds an entry. Returns it, and for a collapsed duplicate the entry that represents it.
---@param e unity.LogEntry|{level: "marker", message: string}
---@return unity.StoredEntry entry, unity.StoredEntry|nil representative
function Store:add(e)
  self.last = self.last + 1
  local group = e.level == "marker" and "marker" or GROUP[e.level] or "log"
  local entry = e --[[@as unity.StoredEntry]]
  entry.id, entry.group = self.last, group
  self.entries[entry.id] = entry
  if group == "marker" then
    return entry
  end
  self.counts[group] = self.counts[group] + 1
  -- The collapse index (a key per entry) is kept only while collapsing: it is the costliest
  -- part of adding, and rebuilt in one pass when collapsing starts.
  return entry, self.collapse and self:index(entry) or nil
end

--- Collapses identical entries or stops doing so.
---@param on boolean
function Store:set_collapse(on)
  self.collapse = on
  self.dups = {}
  if on then
    self:each(function(e)
      if e.group ~= "marker" then
        self:index(e)
      end
    end)
  end
end

--- Drops the oldest entries beyond the cap; returns them (oldest first).
---@param slack? integer  let the history exceed the cap by this much before trimming
---@return unity.StoredEntry[]
function Store:trim(slack)
  local out = {}
  if self:size() <= self.cap + (slack or 0) then
    return out
  end
  while self:size() > self.cap do
    local e = self.entries[self.first]
    self.entries[self.first] = nil
    self.first = self.first + 1
    self.removed = self.removed + 1
    out[#out + 1] = e
    local d = e.group ~= "marker" and self.collapse and self.dups[e.key]
    if e.group ~= "marker" then
      self.counts[e.group] = self.counts[e.group] - 1
    end
    if d then
      d.count = d.count - 1
      if d.count == 0 then
        self.dups[e.key] = nil
      elseif d.first == e.id then
        -- The next copy still kept represents the group from now on.
        for id = e.id + 1, self.last do
          local n = self.entries[id]
          if n and n.key == e.key then
            d.first = id
            break
          end
        end
      end
    end
  end
  return out
end

--- How many identical entries a collapsed entry stands for.
---@param e unity.StoredEntry
---@return integer
function Store:repeats(e)
  local d = e.key and self.dups[e.key]
  return d and d.count or 1
end

--- Starts scope `name` ("compile", "play") at the next entry.
function Store:mark(name)
  self.marks[name] = self.last + 1
end

--- Whether the filter, scope and collapsing let `e` be shown.
---@param e unity.StoredEntry
---@return boolean
function Store:visible(e)
  local f = self.filter
  if f.scope ~= "all" and e.id < (self.marks[f.scope] or math.huge) then
    return false
  end
  if e.group == "marker" then
    return true
  end
  if not f.levels[e.group] then
    return false
  end
  if self.collapse and self.dups[e.key].first ~= e.id then
    return false
  end
  if f.text then
    local hay = e.message .. "\n" .. (e.stack or "")
    if f.text:lower() == f.text then
      hay = hay:lower()
    end
    if not hay:find(f.text, 1, true) then
      return false
    end
  end
  return true
end

--- Calls `fn(entry)` for every entry kept, oldest first.
function Store:each(fn)
  for id = self.first, self.last do
    local e = self.entries[id]
    if e then
      fn(e)
    end
  end
end

return M
