--- The log window: Unity's console as a Neovim buffer (filetype `unitylog`).
---
--- Public API first; the store (what is kept and shown), the view (buffer and windows), the
--- text layout and source locations live in their own modules beside this one.
local config = require("unity.config")
local store_mod = require("unity.log.store")
local map_keys -- defined with the key table below
local view = require("unity.log.view")
local text = require("unity.log.text")
local source = require("unity.log.source")

local M = {}

---@type unity.LogStore|nil
local store

local function S()
  if not store then
    store = store_mod.new(config.options.history)
    store:set_collapse(config.options.log.collapse)
    for group, on in pairs(config.options.log.levels) do
      store.filter.levels[group] = on
    end
  end
  return store
end

local function trim()
  local s = S()
  -- Let the history run over by a tenth before trimming, so a flood trims in chunks.
  local removed = s:trim(math.max(1, math.floor(s.cap / 100)))
  view.trim(s, removed)
end

--- Adds log entries (one batch per drain slice).
---@param entries unity.LogEntry[]
function M.append(entries)
  local s = S()
  local added, reps = {}, {}
  for i, e in ipairs(entries) do
    added[i], reps[i] = s:add(e)
  end
  view.append(s, added, reps)
  trim()
  view.refresh_bars(s)
end

--- Adds a marker line (connection changes, losses).
---@param message string
function M.marker(message)
  M.append({ { level = "marker", message = message } })
end

--- Forgets every entry; counts start again.
function M.clear()
  S():clear()
  view.render(S())
end

--- Called by the client on Unity's events: scopes, and the optional clear-on options.
---@param what "play"|"compile"
function M.mark(what)
  if config.options.log["clear_on_" .. what] then
    S():clear()
    view.render(S())
  end
  S():mark(what)
  if S().filter.scope == what then
    view.render(S())
  end
end

local mapped

--- The log buffer, created (and filled from the history) on first use.
---@return integer
function M.buf()
  local b = view.buf()
  if mapped ~= b then
    mapped = b
    map_keys(b)
    view.render(S())
  end
  return b
end

--- Level counts of the history.
---@return table<unity.LogGroup, integer>
function M.counts()
  return vim.deepcopy(S().counts)
end

--- Current filter (a copy).
---@return unity.LogFilter
function M.filter()
  return vim.deepcopy(S().filter)
end

--- Changes the filter: `{levels = {error = bool, ...}, text = string|false, scope = ...}`.
---@param f {levels?: table<unity.LogGroup, boolean>, text?: string|false, scope?: "all"|"compile"|"play"}
function M.set_filter(f)
  local cur = S().filter
  for group, on in pairs(f.levels or {}) do
    cur.levels[group] = on
  end
  if f.text ~= nil then
    cur.text = (f.text ~= false and f.text ~= "") and f.text or nil
  end
  if f.scope then
    cur.scope = f.scope
  end
  view.render(S())
end

---@param group unity.LogGroup
function M.toggle_level(group)
  M.set_filter({ levels = { [group] = not S().filter.levels[group] } })
end

function M.cycle_scope()
  local next = { all = "compile", compile = "play", play = "all" }
  M.set_filter({ scope = next[S().filter.scope] })
end

function M.toggle_collapse()
  S():set_collapse(not S().collapse)
  view.render(S())
end

---@param id integer|nil
---@return unity.StoredEntry|nil
local function entry(id)
  return id and S().entries[id] or nil
end

--- The entry under the cursor of the log window, or nil.
---@return unity.StoredEntry|nil
function M.current()
  return entry(view.entry_at(vim.api.nvim_win_get_cursor(0)[1]))
end

local function root()
  return require("unity.client").status().project or require("unity.project").find()
end

--- Opens the source of the line under the cursor: the frame on that line, or on a header the
--- first frame of the entry whose file exists.
function M.jump()
  local e = M.current()
  if not e then
    return
  end
  local line = vim.api.nvim_get_current_line()
  local loc = source.first(root(), { line })
  if not loc and not line:match("^ ") then
    loc = source.first(root(), vim.list_extend(text.split(e.message), e.stack and text.split(e.stack) or {}))
  end
  if not loc then
    vim.notify("unity.nvim: no source file of this project on this line or in this entry", vim.log.levels.WARN)
    return
  end
  source.open(loc, vim.api.nvim_get_current_win())
end

--- Shows the whole entry under the cursor (uncut) in a floating window.
function M.show_full()
  local e = M.current()
  if not e then
    return
  end
  local lines = {}
  for _, l in ipairs(text.split(e.message)) do
    lines[#lines + 1] = text.clean(l)
  end
  if e.stack then
    lines[#lines + 1] = ""
    for _, l in ipairs(text.split(e.stack)) do
      lines[#lines + 1] = text.clean(l)
    end
  end
  vim.lsp.util.open_floating_preview(lines, "", { border = "rounded", max_width = math.floor(vim.o.columns * 0.8), wrap = true })
end

--- Sends the entries that pass the filter to the quickfix list; with every level shown,
--- errors only (a list of every log line helps nobody).
function M.to_quickfix()
  local s = S()
  local all = s.filter.levels.error and s.filter.levels.warning and s.filter.levels.log
  local items = {}
  local r = root()
  s:each(function(e)
    if e.group ~= "marker" and s:visible(e) and (not all or e.group == "error") then
      local loc = source.first(r, vim.list_extend(text.split(e.message), e.stack and text.split(e.stack) or {}))
      items[#items + 1] = {
        filename = loc and loc.file or nil,
        lnum = loc and loc.line or 0,
        col = loc and loc.col or 0,
        type = e.group == "error" and "E" or e.group == "warning" and "W" or "I",
        text = text.clean(text.split(e.message)[1] or ""),
        valid = loc and 1 or 0,
      }
    end
  end)
  vim.fn.setqflist({}, " ", { title = "Unity log", items = items })
  vim.notify(string.format("unity.nvim: %d log entr%s in the quickfix list", #items, #items == 1 and "y" or "ies"))
end

--- The keys of the log window, with what they do (also shown by g?).
local ACTIONS = {
  { "jump", "open the source of this line (or the entry's first frame)", M.jump },
  { "toggle_fold", "fold or unfold this entry", function() pcall(vim.cmd, "normal! za") end },
  { "expand_all", "unfold every entry (zM folds them again)", function() vim.cmd("normal! zR") end },
  { "show_full", "the whole entry, uncut, in a float", M.show_full },
  { "errors", "show or hide errors, exceptions and asserts", function() M.toggle_level("error") end },
  { "warnings", "show or hide warnings", function() M.toggle_level("warning") end },
  { "logs", "show or hide plain logs", function() M.toggle_level("log") end },
  { "filter", "filter by text (stays until cleared)", function()
    vim.ui.input({ prompt = "Filter Unity log: ", default = S().filter.text or "" }, function(t)
      if t then
        M.set_filter({ text = t })
      end
    end)
  end },
  { "clear_filter", "clear the text filter", function() M.set_filter({ text = false }) end },
  { "scope", "cycle: everything / since last compile / since last play", M.cycle_scope },
  { "collapse", "collapse identical entries with a count", M.toggle_collapse },
  { "clear", "clear the log", M.clear },
  { "quickfix", "entries passing the filter (errors when unfiltered) to quickfix", M.to_quickfix },
  { "close", "close the window", function() vim.cmd.close() end },
  { "help", "list these keys", function() M.help() end },
}

function M.help()
  local keys = config.options.log.keys
  local lines = {}
  for _, a in ipairs(ACTIONS) do
    if keys[a[1]] then
      lines[#lines + 1] = string.format("%-8s %s", keys[a[1]], a[2])
    end
  end
  lines[#lines + 1] = string.format("%-8s %s", "zR / zM", "unfold / fold everything")
  vim.lsp.util.open_floating_preview(lines, "", { border = "rounded", title = " Unity log keys " })
end

map_keys = function(buf)
  local keys = config.options.log.keys
  for _, a in ipairs(ACTIONS) do
    if keys[a[1]] then
      vim.keymap.set("n", keys[a[1]], a[3], { buffer = buf, nowait = true, desc = "unity.nvim: " .. a[2] })
    end
  end
end

--- Opens the log window, or focuses it when it is open.
function M.open()
  M.buf()
  local wins = view.windows()
  local here = vim.tbl_filter(function(w)
    return vim.api.nvim_win_get_tabpage(w) == vim.api.nvim_get_current_tabpage()
  end, wins)
  if #here > 0 then
    vim.api.nvim_set_current_win(here[1])
    return
  end
  view.open_window()
  view.refresh_bars(S())
end

--- Closes the log windows of this tab page, or opens one when there is none.
function M.toggle()
  local closed = false
  for _, w in ipairs(view.windows()) do
    if vim.api.nvim_win_get_tabpage(w) == vim.api.nvim_get_current_tabpage() and #vim.api.nvim_list_wins() > 1 then
      vim.api.nvim_win_close(w, false)
      closed = true
    end
  end
  if not closed then
    M.open()
  end
end

--- Refreshes the window bar (connection state changed).
function M.refresh()
  view.refresh_bars(S())
end

return M
