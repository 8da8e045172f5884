--- The log buffer and its windows: renders what the store lets through, appends new entries
--- without redrawing the rest, folds bodies under their headers, keeps following windows at
--- the tail, and shows counts and filters in the window bar.
local config = require("unity.config")
local text = require("unity.log.text")

local M = {}

local BUF_NAME = "unity://log"

local V = {
  buf = nil, ---@type integer|nil
  --- Rendered entries, oldest first: { abs_row, id, nlines }. `rows_first` skips trimmed ones.
  rows = {},
  rows_first = 1,
  --- Rows are numbered once ("absolute"); the buffer row is `abs - shift` (0-based).
  next_abs = 0,
  shift = 0,
  top_marker = false,
}

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
  V.rows, V.rows_first, V.next_abs, V.shift, V.top_marker = {}, 1, 0, 0, false
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

local function set_lines(first, last, lines)
  local b = M.buf()
  vim.bo[b].modifiable = true
  vim.api.nvim_buf_set_lines(b, first, last, false, lines)
  vim.bo[b].modifiable = false
end

local function marker_line(store)
  return string.format("── %d older entr%s left the history ──", store.removed, store.removed == 1 and "y" or "ies")
end

--- Index into V.rows of entry `id`, or nil.
local function find_row(id)
  local lo, hi = V.rows_first, #V.rows
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local r = V.rows[mid]
    if r[2] == id then
      return mid
    elseif r[2] < id then
      lo = mid + 1
    else
      hi = mid - 1
    end
  end
end

--- 1-based buffer row of the newest rendered header, or 0.
local function last_header()
  local r = V.rows[#V.rows]
  if not r or #V.rows < V.rows_first then
    return 0
  end
  return r[1] - V.shift + 1
end

local function following()
  local out, last = {}, last_header()
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

--- Adds the lines of `e` to `out` and records its rows.
local function emit(store, e, out)
  local lines = text.lines(e, store.collapse and store:repeats(e) or 1, config.options.log.max_line)
  V.rows[#V.rows + 1] = { V.next_abs, e.id, #lines }
  V.next_abs = V.next_abs + #lines
  vim.list_extend(out, lines)
end

--- Redraws everything from the store (after a filter change or a clear).
---@param store unity.LogStore
function M.render(store)
  M.buf()
  local lines = {}
  V.rows, V.rows_first, V.next_abs, V.shift = {}, 1, 0, 0
  V.top_marker = store.removed > 0
  if V.top_marker then
    lines[1] = marker_line(store)
    V.next_abs = 1
  end
  store:each(function(e)
    if store:visible(e) then
      emit(store, e, lines)
    end
  end)
  local wins = following()
  set_lines(0, -1, lines)
  follow(wins)
  M.refresh_bars(store)
end

--- Shows newly added entries. `reps` holds, per new entry, the representative it was
--- collapsed into (or nil).
---@param store unity.LogStore
---@param entries unity.StoredEntry[]
---@param reps table<integer, unity.StoredEntry>
function M.append(store, entries, reps)
  if not M.exists() then
    return -- rendered in full when the buffer is first needed
  end
  local wins = following()
  local lines = {}
  local empty = V.next_abs == 0
  for i, e in ipairs(entries) do
    local rep = reps[i]
    if store.collapse and rep then
      local idx = find_row(rep.id)
      if idx then
        local row = V.rows[idx][1] - V.shift
        local header = text.lines(rep, store:repeats(rep), config.options.log.max_line)[1]
        set_lines(row, row + 1, { header })
      end
    elseif store:visible(e) then
      emit(store, e, lines)
    end
  end
  if #lines > 0 then
    set_lines(empty and 0 or -1, -1, lines)
  end
  follow(wins)
end

--- Removes the rows of entries that left the history, with one marker line at the top.
---@param store unity.LogStore
---@param removed unity.StoredEntry[]
function M.trim(store, removed)
  if #removed == 0 or not M.exists() then
    return
  end
  local last_id = removed[#removed].id
  local nrows = 0
  while V.rows_first <= #V.rows and V.rows[V.rows_first][2] <= last_id do
    nrows = nrows + V.rows[V.rows_first][3]
    V.rows[V.rows_first] = false
    V.rows_first = V.rows_first + 1
  end
  -- Compact the row index now and then rather than on every trim.
  if V.rows_first > 4096 and V.rows_first > #V.rows / 2 then
    V.rows = vim.list_slice(V.rows, V.rows_first)
    V.rows_first = 1
  end
  local wins = following()
  local top = V.top_marker and 1 or 0
  set_lines(top, top + nrows, {})
  V.shift = V.shift + nrows
  if V.top_marker then
    set_lines(0, 1, { marker_line(store) })
  else
    set_lines(0, 0, { marker_line(store) })
    V.top_marker = true
    V.shift = V.shift - 1
  end
  follow(wins)
end

--- The entry whose lines hold buffer row `row` (1-based), or nil (the top marker).
---@param row integer
---@return integer|nil id
function M.entry_at(row)
  local abs = row - 1 + V.shift
  local lo, hi, best = V.rows_first, #V.rows, nil
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    if V.rows[mid][1] <= abs then
      best, lo = mid, mid + 1
    else
      hi = mid - 1
    end
  end
  if best and abs < V.rows[best][1] + V.rows[best][3] then
    return V.rows[best][2]
  end
end

local function bar(store)
  local c, f = store.counts, store.filter
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
  if store.collapse then
    parts[#parts + 1] = "collapsed"
  end
  local status = require("unity").statusline()
  return " " .. table.concat(parts, "  ") .. "%=" .. status:gsub("%%", "%%%%") .. "  g? keys "
end

--- Updates the window bar of every log window.
---@param store unity.LogStore
function M.refresh_bars(store)
  local wins = M.windows()
  if #wins == 0 then
    return
  end
  local s = bar(store)
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
  wo.foldmethod = "expr"
  -- Vimscript, not a Lua call: Neovim evaluates it for every changed line.
  wo.foldexpr = [[getline(v:lnum)[0] ==# ' ' ? '1' : (getline(v:lnum + 1)[0] ==# ' ' ? '>1' : '0')]]
  wo.foldtext = ""
  wo.foldlevel = 0
  wo.foldminlines = 0
  wo.fillchars = "fold: "
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(b), 0 })
  return win
end

return M
