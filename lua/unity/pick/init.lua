--- `:UnityPick logs|errors|exceptions|tests`: lists of things with a source location, shown
--- with the picker the user has (option `picker`): snacks.nvim, telescope.nvim, fzf-lua, or
--- `vim.ui.select`. A source is a function returning items; users may register their own
--- with `register`. Each backend lives beside this file and only builds what its plugin's public
--- API takes.
local config = require("unity.config")
local messages = require("unity.messages")

local M = {}

---@class unity.PickItem
---@field text string    what the list shows
---@field file? string   absolute path of the source location
---@field lnum? integer  1-based
---@field col? integer   1-based

--- The items of a list, or nil and why there are none.
---@alias unity.PickSource fun(): (unity.PickItem[]|nil, string|nil)

--- Titles of the lists.
M.titles = {
  logs = "Unity log",
  errors = "Unity compile",
  exceptions = "Unity runtime exceptions",
  tests = "Unity tests",
}

--- The project folder paths are resolved against.
---@return string
local function root()
  return require("unity.client").status().project or vim.uv.cwd() or "."
end

---@type table<string, unity.PickSource>
local sources = {}

--- Log entries of the history (newest last), each at its first source location when it has one.
function sources.logs()
  local log = require("unity.log")
  local source = require("unity.log.source")
  local native, missing = require("unity.native").get()
  if not native then
    return {}, missing
  end
  local lines = native.lines
  local r = root()
  local items = {}
  for _, e in ipairs(log.book():entries()) do
    local text = lines(e.message)
    local loc = source.first(r, vim.list_extend(vim.list_slice(text), e.stack and lines(e.stack) or {}))
    items[#items + 1] = {
      text = string.format("%s %s", e.level, text[1] or ""),
      file = loc and loc.file,
      lnum = loc and loc.line,
      col = loc and loc.col,
    }
  end
  return items
end

--- The last compile's errors and warnings.
function sources.errors()
  local items = {}
  for _, m in ipairs(require("unity.compile").items()) do
    items[#items + 1] = {
      text = string.format("%s %s", m.type == "W" and "warning" or m.type == "I" and "info" or "error", m.text),
      file = m.filename,
      lnum = m.lnum,
      col = m.col,
    }
  end
  return items
end

--- Runtime exception sites, with their counts.
function sources.exceptions()
  local runtime = require("unity.runtime")
  local items = {}
  for _, s in ipairs(runtime.sites()) do
    items[#items + 1] = { text = runtime.describe(s), file = s.file, lnum = s.line, col = 1 }
  end
  return items
end

--- The tests of the last run, failed first.
function sources.tests()
  local items = require("unity.test").items()
  if #items == 0 then
    return nil, messages.pick_no_tests()
  end
  return items
end

--- Adds or replaces a source.
---@param name string
---@param fn unity.PickSource
function M.register(name, fn)
  sources[name] = fn
  M.titles[name] = M.titles[name] or ("Unity " .. name)
end

--- The names `:UnityPick` completes.
---@return string[]
function M.names()
  local names = vim.tbl_keys(sources)
  table.sort(names)
  return names
end

--- Opens an item's location (in the window Unity's `open` would use).
---@param item unity.PickItem|nil
function M.jump(item)
  if item and item.file then
    require("unity.log.source").open({ file = item.file, line = item.lnum or 1, col = item.col or 1 })
  end
end

--- Which installed plugin a picker name means.
local MODULES = { snacks = "snacks", telescope = "telescope", ["fzf-lua"] = "fzf-lua" }

--- The backend to use: the option, or under "auto" the first of snacks, telescope and fzf-lua
--- that loads, else `vim.ui.select`.
---@return string|nil name, string|nil err
function M.backend()
  local want = config.options.picker
  if want == "select" then
    return "select"
  end
  if want ~= "auto" then
    local ok, err = pcall(require, MODULES[want])
    if not ok then
      return nil, messages.picker_missing(want, err)
    end
    return want
  end
  for _, name in ipairs({ "snacks", "telescope", "fzf-lua" }) do
    if package.loaded[MODULES[name]] or pcall(require, MODULES[name]) then
      return name
    end
  end
  return "select"
end

local BACKEND_FILES = { select = "select", snacks = "snacks", telescope = "telescope", ["fzf-lua"] = "fzf_lua" }

--- Shows the list `name` with the picker of the option `picker`.
---@param name string
function M.pick(name)
  local source = sources[name]
  if not source then
    messages.notify(messages.pick_unknown(name, M.names()), vim.log.levels.ERROR)
    return
  end
  local ok, items, why = pcall(source)
  if not ok then
    messages.notify(messages.pick_failed(name, items), vim.log.levels.ERROR)
    return
  end
  if not items or #items == 0 then
    messages.notify(why or messages.pick_empty(name), vim.log.levels.WARN)
    return
  end
  local backend, err = M.backend()
  if not backend then
    messages.notify(err or "", vim.log.levels.ERROR)
    return
  end
  local shown, perr = pcall(require("unity.pick." .. BACKEND_FILES[backend]).pick, items, M.titles[name], M.jump)
  if not shown then
    messages.notify(messages.pick_failed(name, perr), vim.log.levels.ERROR)
  end
end

return M
