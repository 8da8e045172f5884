--- The log buffer and its windows: applies the logbook's edits (appends never redraw the
--- rest), keeps following windows at the tail, and shows
--- counts and filters in the window bar.
local config = require("unity.config")

local M = {}

local BUF_NAME = "unity://log"

---@class unity.LogViewState
---@field buf integer|nil
local V = {}

local function define_highlights()
  local links = {
    UnityLogTime = "Comment",
    UnityLogLog = "DiagnosticInfo",
    UnityLogWarning = "DiagnosticWarn",
    UnityLogError = "DiagnosticError",
    UnityLogException = "DiagnosticError",
    UnityLogAssert = "DiagnosticError",
    UnityLogMarker = "NonText",
    UnityLogStack = "Comment",
    UnityLogLocation = "Directory",
    UnityLogCount = "Number",
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

---@return integer
function M.buf()
  if V.buf and vim.api.nvim_buf_is_valid(V.buf) then
    return V.buf
  end
  define_highlights()
  V.buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(V.buf, BUF_NAME)
  local bo = vim.bo[V.buf]
  bo.buftype, bo.bufhidden, bo.swapfile, bo.undolevels = "nofile", "hide", false, -1
  bo.modifiable = false
  bo.filetype = "unitylog"
  return V.buf
end

--- Whether the buffer exists (it is made when first shown).
function M.exists()
  return V.buf ~= nil and vim.api.nvim_buf_is_valid(V.buf)
end

function M.windows()
  if not (V.buf and vim.api.nvim_buf_is_valid(V.buf)) then
    return {}
  end
  return vim.fn.win_findbuf(V.buf)
end

local function following(book)
  local out, last = {}, book:last_header()
  for _, win in ipairs(M.windows()) do
    out[win] = vim.api.nvim_win_get_cursor(win)[1] >= last
  end
  return out
end

local function follow(wins)
  local count = vim.api.nvim_buf_line_count(M.buf())
  for win, yes in pairs(wins) do
    if yes and vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_set_cursor(win, { count, 0 })
    end
  end
end

--- Edits before which windows' cursors move to the top while they are applied: a cursor
--- below an edit is moved by every edit, which made many small edits three times slower.
local MANY_EDITS = 32

--- Where 0-based row `row` is after edit `e` of a buffer of `count` lines, as Neovim moves a
--- cursor: down or up with the lines above it; to the edit's start when its line was replaced.
---@param row number  (winsaveview's numbers)
---@param e unity.LogEdit
---@param count integer
---@return number
local function moved(row, e, count)
  local first = e[1] < 0 and count + 1 + e[1] or e[1]
  local last = e[2] < 0 and count + 1 + e[2] or e[2]
  if row >= last then
    return row + #e[3] - (last - first)
  end
  return math.min(row, first)
end

--- Applies the logbook's pending edits to the buffer; windows at the tail stay there, others
--- on the line they were on.
---@param book unity.Logbook
function M.apply(book)
  local wins = following(book)
  local edits = book:flush()
  if #edits == 0 then
    return
  end
  local b = M.buf()
  local parked = {}
  if #edits >= MANY_EDITS then
    for win, tail in pairs(wins) do
      if not tail then
        parked[win] = vim.api.nvim_win_call(win, vim.fn.winsaveview)
      end
      vim.api.nvim_win_set_cursor(win, { 1, 0 })
    end
  end
  vim.bo[b].modifiable = true
  local count = vim.api.nvim_buf_line_count(b)
  for _, e in ipairs(edits) do
    for _, saved in pairs(parked) do
      local row = moved(saved.lnum - 1, e, count)
      saved.topline = math.max(1, saved.topline + row + 1 - saved.lnum)
      saved.lnum = row + 1
    end
    vim.api.nvim_buf_set_lines(b, e[1], e[2], false, e[3])
    count = vim.api.nvim_buf_line_count(b)
  end
  vim.bo[b].modifiable = false
  for win, saved in pairs(parked) do
    vim.api.nvim_win_call(win, function()
      vim.fn.winrestview(saved)
    end)
  end
  follow(wins)
end

--- Entries brought to a change per step, and how long a slice of steps may keep the main loop:
--- half a frame at 60 Hz, the rest left for keys and the redraw.
local STEP = 4096
local SLICE_NS = 8e6

local timer ---@type uv.uv_timer_t|nil

---@class unity.LogAnchor  where a window not at the tail is, by entry
---@field id integer      the entry under the cursor
---@field part integer    which of its lines (0: the header)
---@field offset integer  the cursor's row below the window's first
---@field col integer

--- The windows not at the tail, by the entry under their cursor.
---@param book unity.Logbook
---@return table<integer, unity.LogAnchor>
local function anchors(book)
  local out = {}
  for win, tail in pairs(following(book)) do
    local row = vim.api.nvim_win_get_cursor(win)[1]
    local id, part = book:entry_at(row)
    if id and not tail then
      local view = vim.api.nvim_win_call(win, vim.fn.winsaveview)
      out[win] = { id = id, part = part or 0, offset = row - view.topline, col = view.col }
    end
  end
  return out
end

--- Puts each anchored window back on its entry, as far below its first row as it was, when
--- the entry is still shown (else it stays where the edits moved it: near where it was).
---@param book unity.Logbook
---@param anchored table<integer, unity.LogAnchor>
local function restore(book, anchored)
  for win, a in pairs(anchored) do
    local row = vim.api.nvim_win_is_valid(win) and book:row_of(a.id)
    if row then
      if book:entry_at(row + a.part) == a.id then
        row = row + a.part
      end
      vim.api.nvim_win_call(win, function()
        vim.fn.winrestview({ lnum = row, col = a.col, topline = math.max(1, row - a.offset) })
      end)
    end
  end
end

--- Shows a change of what the logbook shows (a filter, collapsing, expanding all, a render)
--- in slices of the main loop, newest entries first: a window at the tail shows the change
--- after the first slice, the older lines follow between redraws and keys. Between slices the
--- buffer's rows still map to their entries (the older ones show as before the change), and a
--- window elsewhere stays on the entry it was on while that entry is shown.
---@param book unity.Logbook
---@param since? integer hrtime when the change began (its own work counts in the first slice)
function M.reshow(book, since)
  if not M.exists() then
    return -- the buffer went: the next one is rendered anew
  end
  local deadline = (since or vim.uv.hrtime()) + SLICE_NS
  local anchored = anchors(book)
  repeat
    book:step(STEP)
    M.apply(book)
  until not book:reshowing() or vim.uv.hrtime() >= deadline
  restore(book, anchored)
  if book:reshowing() then
    timer = timer or assert(vim.uv.new_timer())
    timer:start(
      0,
      0,
      vim.schedule_wrap(function()
        M.reshow(book)
      end)
    )
  end
end

local function bar(c, f, collapsed)
  local function level(group, hl, label)
    local on = f.levels[group]
    return string.format("%%#%s#%s %d%%*", on and hl or "NonText", on and label or label:lower(), c[group])
  end
  local parts = {
    level("error", "UnityLogError", "E"),
    level("warning", "UnityLogWarning", "W"),
    level("log", "UnityLogLog", "L"),
  }
  if f.text then
    parts[#parts + 1] = "filter: " .. f.text:gsub("%%", "%%%%")
  end
  if f.scope ~= "all" then
    parts[#parts + 1] = "since last " .. f.scope
  end
  if collapsed then
    parts[#parts + 1] = "collapsed"
  end
  local status = require("unity.statusline").line()
  return " " .. table.concat(parts, "  ") .. "%=" .. status:gsub("%%", "%%%%") .. "  g? keys "
end

--- Updates the window bar of every log window.
---@param counts table<unity.LogGroup, integer>
---@param filter unity.LogFilter
---@param collapsed boolean
function M.refresh_bars(counts, filter, collapsed)
  local wins = M.windows()
  if #wins == 0 then
    return
  end
  local s = bar(counts, filter, collapsed)
  for _, win in ipairs(wins) do
    if vim.wo[win].winbar ~= s then
      vim.wo[win].winbar = s
    end
  end
end

--- Opens a log window (split or float, from the options) and returns it.
---@return integer win
function M.open_window()
  local b = M.buf()
  local o = config.options.log
  local win
  if o.position == "float" then
    local w = math.floor(vim.o.columns * 0.85)
    local h = math.floor((vim.o.lines - vim.o.cmdheight) * 0.8)
    win = vim.api.nvim_open_win(b, true, {
      relative = "editor",
      width = w,
      height = h,
      row = math.floor((vim.o.lines - h) / 2) - 1,
      col = math.floor((vim.o.columns - w) / 2),
      border = "rounded",
      title = " Unity ",
    })
  else
    local cmd = ({
      bottom = "botright %dsplit",
      top = "topleft %dsplit",
      left = "topleft vertical %dsplit",
      right = "botright vertical %dsplit",
    })[o.position]
    vim.cmd(string.format(cmd, o.size))
    win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(win, b)
    vim.wo[win].winfixheight = o.position == "bottom" or o.position == "top"
    vim.wo[win].winfixwidth = o.position == "left" or o.position == "right"
  end
  local wo = vim.wo[win][0]
  wo.number, wo.relativenumber, wo.wrap, wo.list, wo.spell = false, false, false, false, false
  wo.signcolumn = "no"
  -- Bodies are shown by the logbook (expand), not folded: a fold expression evaluated on every
  -- appended line cost more than everything else together (see doc/performance.md).
  wo.foldenable = false
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(b), 0 })
  return win
end

return M
