--- The log window: Unity's console as a Neovim buffer (filetype `unitylog`).
---
--- Public API first. The history, its filters and the lines shown live in the native
--- logbook (src/log/, lines laid out on the reader thread as `log.look` says); the buffer and
--- windows in the view, the look's highlighting and source locations in their own modules
--- beside this one.
local config = require("unity.config")
local messages = require("unity.messages")
local map_keys ---@type fun(buf: integer)  defined with the key table below
local view = require("unity.log.view")
local look = require("unity.log.look")
local source = require("unity.log.source")

local M = {}

---@type unity.Logbook|nil
local book

--- The history (native: entries arrive there formatted, straight from the reader thread).
---@return unity.Logbook
function M.book()
  if not book then
    local native, err = require("unity.native").get()
    if not native then
      error(err, 0)
    end
    local made, look_err = native.logbook(config.options.history, look.native())
    if not made then
      error(look_err, 0)
    end
    book = made
    book:set_collapse(config.options.log.collapse)
    book:set_filter({ levels = config.options.log.levels })
  end
  return book
end

--- Shows what changed in the history since the last update (new entries, trimmed ones).
--- The client calls it after each drained chunk (see the end of this file); the window bars
--- follow at the slice's end.
function M.update()
  local b = M.book()
  if view.exists() then
    view.apply(b)
  else
    b:hide() -- rendered in full when the buffer is first needed
  end
end

--- Adds log entries: `{level, message, stack?, time?, seq?}` each.
---@param entries unity.LogEntry[]
function M.append(entries)
  M.book():add(entries)
  M.update()
  M.refresh()
end

--- Adds a marker line (connection changes, losses).
---@param message string
function M.marker(message)
  M.append({ { level = "marker", message = message } })
end

--- The options' entry hooks as one function for the logbook's full render, or nil.
---@return (fun(e: unity.StoredEntry): string|false|nil)|nil
local function hook()
  local o = config.options.log
  local keep, format = o.filter_entry, o.format_entry
  if not (keep or format) then
    return nil
  end
  return function(e)
    if keep and not keep(e) then
      return false
    end
    return format and format(e) or nil
  end
end

--- Fills the buffer from the history; the hooks run here only, never per message.
local function render()
  local b, h = M.book(), hook()
  local ok, err = pcall(b.render, b, h)
  if not ok then
    b:render()
    messages.notify(messages.log_hook_failed(err), vim.log.levels.ERROR)
  end
end

--- Makes a change of what the logbook shows and shows it, in slices from the time the change
--- began (see view.reshow); with a hook, renders anew so that the hook sees it.
---@param make fun(book: unity.Logbook)
local function change(make)
  local since = vim.uv.hrtime()
  make(M.book())
  if view.exists() then
    if hook() then
      render()
    end
    view.reshow(M.book(), since)
  end
  M.refresh()
end

--- Forgets every entry; counts start again.
function M.clear()
  change(function(b)
    b:clear()
  end)
end

--- On Unity's play and compile events: scopes, and the optional clear-on options.
---@param what "play"|"compile"
function M.mark(what)
  local clear = config.options.log["clear_on_" .. what]
  local shown = clear or M.filter().scope == what
  local function mark(b)
    if clear then
      b:clear()
    end
    b:mark(what)
  end
  if shown then
    change(mark)
  else
    mark(M.book())
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
    render()
    view.reshow(M.book())
  end
  return b
end

--- Whether the last change of the filter, collapsing or expansion is still being shown: the
--- newest entries show it at once, older ones in the next few redraws.
---@return boolean
function M.reshowing()
  return book ~= nil and view.exists() and book:reshowing()
end

--- Level counts of the history.
---@return table<unity.LogGroup, integer>
function M.counts()
  return M.book():counts()
end

--- Current filter (a copy).
---@return unity.LogFilter
function M.filter()
  return M.book():filter()
end

--- Changes the filter: `{levels = {error = bool, ...}, text = string|false, scope = ...}`.
---@param f {levels?: table<unity.LogGroup, boolean>, text?: string|false, scope?: "all"|"compile"|"play"}
function M.set_filter(f)
  change(function(b)
    b:set_filter(f)
  end)
end

---@param group unity.LogGroup
function M.toggle_level(group)
  M.set_filter({ levels = { [group] = not M.filter().levels[group] } })
end

function M.cycle_scope()
  local next = { all = "compile", compile = "play", play = "all" }
  M.set_filter({ scope = next[M.filter().scope] })
end

function M.toggle_collapse()
  change(function(b)
    b:set_collapse(not b:collapsing())
  end)
end

--- The entry under the cursor of the log window, or nil.
---@return unity.StoredEntry|nil
function M.current()
  local id = M.book():entry_at(vim.api.nvim_win_get_cursor(0)[1])
  return id and M.book():get(id) or nil
end

local function root()
  return require("unity.client").status().project or require("unity.project").find()
end

--- Every line of an entry's message and stack, as Unity sent them.
---@param e unity.StoredEntry
---@return string[]
local function raw_lines(e)
  local out = vim.split(e.message, "\n", { plain = true })
  return e.stack and vim.list_extend(out, vim.split(e.stack, "\n", { plain = true })) or out
end

--- Shows or hides the body and stack trace of the entry under the cursor.
function M.toggle_entry()
  local id = M.book():entry_at(vim.api.nvim_win_get_cursor(0)[1])
  if id then
    M.book():toggle(id)
    M.update()
    local row = M.book():row_of(id)
    if row then
      vim.api.nvim_win_set_cursor(0, { row, 0 })
    end
  end
end

--- Shows every entry's body and stack trace (true), or headers only (false).
---@param on boolean
function M.expand_all(on)
  change(function(b)
    b:set_expand_all(on)
  end)
end

--- Opens the source of the line under the cursor: the frame on that line, or on a header the
--- first frame of the entry whose file exists.
function M.jump()
  local e = M.current()
  if not e then
    return
  end
  local _, part = M.book():entry_at(vim.api.nvim_win_get_cursor(0)[1])
  local loc = source.first(root(), { vim.api.nvim_get_current_line() })
  if not loc and part == 0 then
    loc = source.first(root(), raw_lines(e))
  end
  if not loc then
    messages.notify(messages.no_source(), vim.log.levels.WARN)
    return
  end
  source.open(loc)
end

--- Every line of a text, cleaned (rich text, escapes, control characters) and uncut.
---@param text string
---@return string[]
local function text_lines(text)
  return assert(require("unity.native").get()).lines(text)
end

--- Shows the whole entry under the cursor (uncut) in a floating window: its message, a blank
--- line, its stack trace.
function M.show_full()
  local e = M.current()
  if not e then
    return
  end
  local lines = text_lines(e.message)
  if e.stack then
    lines[#lines + 1] = ""
    vim.list_extend(lines, text_lines(e.stack))
  end
  vim.lsp.util.open_floating_preview(
    lines,
    "",
    { border = "rounded", max_width = math.floor(vim.o.columns * 0.8), wrap = true }
  )
end

--- Sends the entries that pass the filter to the quickfix list; with every level shown,
--- errors only (a list of every log line helps nobody). Runtime exceptions in the project's
--- code come first, once per place with their count (`unity.runtime`), not once per message.
function M.to_quickfix()
  if not require("unity.native").or_say() then
    return
  end
  local f = M.filter()
  local levels = f.levels
  local all = levels.error and levels.warning and levels.log
  local runtime = require("unity.runtime")
  local items = levels.error and runtime.qf_items(f.text) or {}
  local r = root()
  for _, e in ipairs(M.book():entries(nil, true)) do
    if (not all or e.group == "error") and not (e.group == "error" and runtime.site_of(e)) then
      local loc = source.first(r, raw_lines(e))
      items[#items + 1] = {
        filename = loc and loc.file or nil,
        lnum = loc and loc.line or 0,
        col = loc and loc.col or 0,
        type = e.group == "error" and "E" or e.group == "warning" and "W" or "I",
        text = text_lines(e.message)[1] or "",
        valid = loc ~= nil,
      }
    end
  end
  vim.fn.setqflist({}, " ", { title = "Unity log", items = items })
  messages.notify(messages.quickfix_filled(#items))
end

--- `M[name](arg)`, looked up when the key is pressed (some are defined below).
local function call(name, arg)
  return function()
    M[name](arg)
  end
end

--- The keys of the log window, with what they do (also shown by g?).
local ACTIONS = {
  { "jump", "open the source of this line (or the entry's first frame)", call("jump") },
  { "expand", "show or hide this entry's body and stack trace", call("toggle_entry") },
  { "expand_all", "show every entry's body and stack trace", call("expand_all", true) },
  { "hide_all", "headers only", call("expand_all", false) },
  { "show_full", "the whole entry, uncut, in a float", call("show_full") },
  { "errors", "show or hide errors, exceptions and asserts", call("toggle_level", "error") },
  { "warnings", "show or hide warnings", call("toggle_level", "warning") },
  { "logs", "show or hide plain logs", call("toggle_level", "log") },
  {
    "filter",
    "filter by text (stays until cleared)",
    function()
      vim.ui.input({ prompt = "Filter Unity log: ", default = M.filter().text or "" }, function(t)
        if t then
          M.set_filter({ text = t })
        end
      end)
    end,
  },
  { "clear_filter", "clear the text filter", call("set_filter", { text = false }) },
  { "scope", "cycle: everything / since last compile / since last play", call("cycle_scope") },
  { "collapse", "collapse identical entries with a count", call("toggle_collapse") },
  { "clear", "clear the log", call("clear") },
  { "quickfix", "entries passing the filter (errors when unfiltered) to quickfix", call("to_quickfix") },
  { "close", "close the window", vim.cmd.close },
  { "help", "list these keys", call("help") },
}

function M.help()
  local keys = config.options.log.keys
  local lines = {}
  for _, a in ipairs(ACTIONS) do
    if keys[a[1]] then
      lines[#lines + 1] = string.format("%-8s %s", keys[a[1]], a[2])
    end
  end
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
  M.refresh()
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

--- Refreshes the window bars (counts, filters, connection state).
function M.refresh()
  local b = M.book()
  view.refresh_bars(b:counts(), b:filter(), b:collapsing())
end

-- What the log window learns from the connection (lua/unity/client.lua): drained log messages
-- through direct calls to M.book, M.update and M.refresh (the hot path), everything else
-- through `User` events; lua/unity/wiring.lua attaches it, the client requires none of it.

local group = vim.api.nvim_create_augroup("unity.log", { clear = true })

---@param pattern string
---@param fn fun(data: table)
local function on(pattern, fn)
  vim.api.nvim_create_autocmd("User", {
    group = group,
    pattern = pattern,
    callback = function(a)
      fn(a.data)
    end,
  })
end

on("UnityConnected", function(d)
  M.marker(d.reconnect and messages.marker.reconnected or messages.marker.connected(d.unity, d.pid))
end)
on("UnityBye", function(d)
  M.marker(d.reason == "quit" and messages.marker.quit or messages.marker.reloading)
end)
on("UnityDisconnected", function(d)
  -- A bye or a take-over has its own marker; this is a connection that just closed.
  if d.was_connected and d.reason ~= "reload" and d.reason ~= "quit" and d.reason ~= "superseded" then
    M.marker(messages.marker.closed)
  end
end)
on("UnityLost", function(d)
  M.marker(messages.marker.lost(d.count, d.cause))
end)
on("UnitySuperseded", function(d)
  M.marker(messages.marker.superseded(d.pid))
end)
on("UnityState", function(d)
  if d.entered_play then
    M.mark("play")
  end
  M.refresh()
end)
on("UnityCompileStarted", M.refresh)
on("UnityCompileFinished", function()
  M.mark("compile")
end)

return M
