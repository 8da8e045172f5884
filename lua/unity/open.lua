--- Unity's External Script Editor requests (`open` messages, doc/protocol.md §4): show the file
--- in the window the user last worked in, cursor at Unity's line and column, then bring the
--- terminal to the front with the user's `on_open`. Never raises: what fails is told.
local config = require("unity.config")
local messages = require("unity.messages")
local paths = require("unity.paths")

local M = {}
local H = {}

--- Handles one `open` message.
---@param project string|nil  the connected project, for relative paths
---@param ev unity.OpenRequest
function M.handle(project, ev)
  local ok, err = xpcall(H.handle, debug.traceback, project, ev)
  if not ok then
    messages.notify(messages.open_failed(ev.file, err), vim.log.levels.ERROR)
  end
end

--- Shows `file` (absolute) as `open` does; for callers that have a location of their own.
---@param file string
---@param line? integer  1-based; nil keeps the cursor line
---@param col? integer   1-based UTF-16 column; nil: first non-blank of the line
---@return integer|nil win, string|nil err
function M.show(file, line, col)
  local win = H.window_showing(file) or H.last_ordinary_window()
  if win then
    vim.api.nvim_set_current_win(win)
  else
    H.split()
    win = vim.api.nvim_get_current_win()
  end
  if H.same_file(vim.api.nvim_buf_get_name(0), file) then
    vim.cmd("normal! m'") -- <C-o> goes back to where the cursor was
  else
    local ok, err = pcall(vim.cmd.edit, vim.fn.fnameescape(file))
    if not ok then
      return nil, err -- worded (first line) by messages.open_failed
    end
  end
  if line then
    H.place(line, col)
  end
  return win
end

function H.handle(project, ev)
  if vim.fn.mode():find("^[iR]") then
    vim.cmd.stopinsert() -- the user left Neovim to double-click in Unity
  end
  local opened = { file = "", project = project }
  if ev.file ~= "" then
    local file = H.absolute(project, ev.file)
    opened.file = file
    local st = vim.uv.fs_stat(file)
    if not st then
      messages.notify(messages.open_missing(file), vim.log.levels.WARN)
    elseif st.type ~= "file" then
      messages.notify(messages.open_not_file(file), vim.log.levels.WARN)
    else
      local win, err = M.show(file, ev.line, ev.col)
      if not win then
        messages.notify(messages.open_failed(file, err), vim.log.levels.ERROR)
      else
        local pos = vim.api.nvim_win_get_cursor(win)
        opened = {
          file = file,
          line = pos[1],
          col = pos[2] + 1,
          project = project,
          buf = vim.api.nvim_win_get_buf(win),
          win = win,
        }
        if ev.line and ev.line > pos[1] then
          messages.notify(messages.open_past_end(file, pos[1], ev.line), vim.log.levels.INFO)
        end
        require("unity.client").fire("UnityOpen", opened)
      end
    end
  end
  if not opened.line then
    local pos = vim.api.nvim_win_get_cursor(0)
    opened.line, opened.col = pos[1], pos[2] + 1
  end
  -- Also when nothing could be opened: the user should see why.
  H.run_on_open(opened)
end

--- The cursor at `line` (clamped to the buffer) and `col` (UTF-16, clamped to the line).
function H.place(line, col)
  local last = vim.api.nvim_buf_line_count(0)
  line = math.max(1, math.min(line, last))
  if not col then
    vim.api.nvim_win_set_cursor(0, { line, 0 })
    vim.cmd("normal! ^")
  else
    local text = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1] or ""
    local byte = vim.fn.byteidx(text, col - 1, true)
    if byte < 0 then
      byte = #text
    end
    vim.api.nvim_win_set_cursor(0, { line, byte })
  end
  vim.cmd("normal! zv")
end

--- A window of this tab page that may show a file: not floating, a normal buffer (so never the
--- log window, quickfix, help, terminal or a plugin's panel), not a preview window.
---@param win integer
---@return boolean
function H.ordinary(win)
  if not vim.api.nvim_win_is_valid(win) or vim.api.nvim_win_get_config(win).relative ~= "" then
    return false
  end
  return vim.bo[vim.api.nvim_win_get_buf(win)].buftype == "" and not vim.wo[win].previewwindow
end

--- This tab's ordinary windows, most recently used first: the current window, the previous
--- one (`wincmd p`), then the rest by when their buffers were last used.
---@return integer[]
function H.ordinary_windows()
  local order, rank, position = {}, {}, {}
  for i, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if H.ordinary(w) then
      order[#order + 1] = w
      rank[w], position[w] = vim.fn.getbufinfo(vim.api.nvim_win_get_buf(w))[1].lastused, i
    end
  end
  -- Seconds since 1970 stay far below these.
  local current, previous = vim.api.nvim_get_current_win(), vim.fn.win_getid(vim.fn.winnr("#"))
  rank[previous] = rank[previous] and 2 ^ 52
  rank[current] = rank[current] and 2 ^ 53
  table.sort(order, function(a, b)
    if rank[a] ~= rank[b] then
      return rank[a] > rank[b]
    end
    return position[a] < position[b]
  end)
  return order
end

---@param file string
---@return integer|nil
function H.window_showing(file)
  for _, w in ipairs(H.ordinary_windows()) do
    if H.same_file(vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w)), file) then
      return w
    end
  end
end

---@return integer|nil
function H.last_ordinary_window()
  for _, w in ipairs(H.ordinary_windows()) do
    if not vim.wo[w].winfixbuf then
      return w
    end
  end
end

--- A new window across the top of the tab page (from a non-floating window: floats cannot split).
function H.split()
  if vim.api.nvim_win_get_config(0).relative ~= "" then
    for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_config(w).relative == "" then
        vim.api.nvim_set_current_win(w)
        break
      end
    end
  end
  vim.cmd("topleft split")
end

---@param name string  a buffer name
---@param file string  an absolute path
function H.same_file(name, file)
  if name == "" then
    return false
  end
  return paths.same(name, file) or vim.uv.fs_realpath(name) == vim.uv.fs_realpath(file)
end

---@param project string|nil
---@param file string
function H.absolute(project, file)
  return paths.absolute(project, file)
end

--- Runs the `on_open` option: a function, or a command (a list of arguments, placeholders
--- filled in each argument on its own, run without a shell).
---@param opened unity.Opened
function H.run_on_open(opened)
  local on_open = config.options.on_open
  if not on_open then
    return
  elseif vim.is_callable(on_open) then
    local ok, err = pcall(on_open --[[@as fun(opened: unity.Opened)]], opened)
    if not ok then
      messages.notify(messages.on_open_failed(err), vim.log.levels.ERROR)
    end
    return
  end
  local values = {
    file = opened.file,
    line = tostring(opened.line),
    col = tostring(opened.col),
    project = opened.project or "",
  }
  local argv = {}
  for i, arg in
    ipairs(on_open --[[@as string[] ]])
  do
    argv[i] = arg:gsub("{(%a+)}", function(key)
      return values[key]
    end)
  end
  local ok, err = pcall(vim.system, argv, { text = true }, function(res)
    if res.code ~= 0 then
      vim.schedule(function()
        messages.notify(messages.on_open_exited(argv[1], res.code, res.stderr), vim.log.levels.WARN)
      end)
    end
  end)
  if not ok then
    messages.notify(messages.on_open_unstartable(argv[1], err), vim.log.levels.WARN)
  end
end

return M
