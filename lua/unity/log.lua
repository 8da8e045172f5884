--- The log window: Unity's console as a Neovim buffer (filetype `unitylog`), one header line
--- per entry, newest at the bottom, following the tail unless the user moved up.
local config = require("unity.config")

local M = {}

local LABEL = { log = "LOG ", warning = "WARN", error = "ERR ", exception = "EXC ", assert = "ASRT" }

local BUF_NAME = "unity://log"

---@type integer|nil
local buf

-- Highlight groups are links by default, so a colour scheme or the user can override them.
local function define_highlights()
  local links = {
    UnityLogTime = "Comment",
    UnityLogLog = "DiagnosticInfo",
    UnityLogWarning = "DiagnosticWarn",
    UnityLogError = "DiagnosticError",
    UnityLogException = "DiagnosticError",
    UnityLogAssert = "DiagnosticError",
    UnityLogMarker = "NonText",
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

--- Text safe for one buffer line: Unity rich-text tags removed, escape sequences and other
--- control characters replaced, so no message can break the buffer's layout.
---@param s string
---@return string
function M.clean(s)
  s = s:gsub("\27%[[%d;?]*[%a@]", "")
  s = s:gsub("</?[biu]>", ""):gsub("</?color=?[^>]*>", ""):gsub("</?size=?[^>]*>", "")
  s = s:gsub("</?material=?[^>]*>", ""):gsub("<quad[^>]*>", "")
  return (s:gsub("[%z\1-\31\127]", " "))
end

local last_sec, last_clock
local function clock(ms)
  if not ms then
    return "--:--:--.---"
  end
  local sec = math.floor(ms / 1000)
  if sec ~= last_sec then
    last_sec, last_clock = sec, os.date("%H:%M:%S", sec)
  end
  return string.format("%s.%03d", last_clock, ms % 1000)
end

--- The header line of an entry: time, level, first line of the message.
---@param e unity.LogEntry
---@return string
function M.header(e)
  local first = e.message:match("^[^\n]*")
  return clock(e.time) .. " " .. (LABEL[e.level] or "LOG ") .. " " .. M.clean(first)
end

--- The log buffer, created on first use.
---@return integer
function M.buf()
  if buf and vim.api.nvim_buf_is_valid(buf) then
    return buf
  end
  define_highlights()
  buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, BUF_NAME)
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  vim.bo[buf].undolevels = -1
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "unitylog"
  return buf
end

local function windows()
  return vim.fn.win_findbuf(M.buf())
end

--- Appends lines, keeps at most `history` of them, and keeps following windows at the tail.
---@param lines string[]
local function append_lines(lines)
  local b = M.buf()
  local count = vim.api.nvim_buf_line_count(b)
  local empty = count == 1 and vim.api.nvim_buf_get_lines(b, 0, 1, false)[1] == ""
  local following = {}
  for _, win in ipairs(windows()) do
    following[win] = vim.api.nvim_win_get_cursor(win)[1] >= count
  end
  vim.bo[b].modifiable = true
  vim.api.nvim_buf_set_lines(b, empty and 0 or -1, -1, false, lines)
  count = vim.api.nvim_buf_line_count(b)
  local cap = config.options.history
  -- Trim in chunks (a tenth of the cap) so that a flood does not shift the buffer every slice.
  if count > cap + math.max(1, math.floor(cap / 10)) then
    vim.api.nvim_buf_set_lines(b, 0, count - cap, false, {})
    count = cap
  end
  vim.bo[b].modifiable = false
  for win, follow in pairs(following) do
    if follow then
      vim.api.nvim_win_set_cursor(win, { count, 0 })
    end
  end
end

--- Adds log entries (one batch per drain slice).
---@param entries unity.LogEntry[]
function M.append(entries)
  local lines = {}
  for i, e in ipairs(entries) do
    lines[i] = M.header(e)
  end
  append_lines(lines)
end

--- Adds a marker line (connection changes, losses).
---@param text string
function M.marker(text)
  append_lines({ "── " .. M.clean(text) .. " ──" })
end

--- Opens the log window, or focuses it when it is open.
function M.open()
  local b = M.buf()
  local wins = windows()
  if #wins > 0 then
    vim.api.nvim_set_current_win(wins[1])
    return
  end
  local o = config.options.log
  local cmd = ({
    bottom = "botright %dsplit",
    top = "topleft %dsplit",
    left = "topleft vertical %dsplit",
    right = "botright vertical %dsplit",
  })[o.position]
  vim.cmd(string.format(cmd, o.size))
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, b)
  vim.wo[win].number = false
  vim.wo[win].relativenumber = false
  vim.wo[win].wrap = false
  vim.wo[win].winfixheight = o.position == "bottom" or o.position == "top"
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(b), 0 })
end

return M
