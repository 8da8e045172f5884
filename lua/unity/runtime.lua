--- Runtime exceptions where the code is: every error, exception and assert with a stack frame
--- in the project's own code becomes a diagnostic in the "unity.runtime" namespace at the first
--- such frame, one per place and first line, with a count and the time of the last one, for
--- loaded buffers and buffers opened later. The grouping is native (src/log/sites.rs, fed by
--- the client's drain as messages go into the history); this module turns the sites that
--- changed into diagnostics, a bounded number at a time and at most every APPLY_MS, so that a
--- flood costs the main loop a few short slices, never a call per message.
local config = require("unity.config")
local file_diagnostics = require("unity.file_diagnostics")
local messages = require("unity.messages")

local M = {}

M.ns = vim.api.nvim_create_namespace("unity.runtime")
local diagnostics = file_diagnostics.new(M.ns)

--- Diagnostics follow a flood at most this often (ms).
local APPLY_MS = 100
--- Sites taken from the native store per application.
local BATCH = 200
--- Main-loop time one application may spend setting diagnostics (ms); files left over are
--- set in the next one, soon after: a flood never makes one long slice.
local BUDGET_MS = 2

---@class unity.RuntimeSite
---@field id integer
---@field path string     the frame's path as Unity wrote it (`/`-separated)
---@field file string     its absolute path
---@field line integer
---@field text string     the message's first line
---@field level unity.Level
---@field count integer
---@field time? integer   unix time in ms of the last one

local H = {}

---@class unity.RuntimeState
---@field store userdata|nil  the native store (`unity_native.sites()`)
---@field sites table<integer, unity.RuntimeSite>  by id
---@field places table<string, table<integer, vim.Diagnostic>>  file -> site id -> its diagnostic
---@field root string|nil
---@field packages table<string, string>  local (`file:`) package name -> its folder
---@field timer uv.uv_timer_t|nil
local S = {
  sites = {},
  places = {},
  packages = {},
}

--- The native store the client's drain fills, made on first use.
---@return userdata|nil
function M.store()
  if not S.store then
    local native = require("unity.native").get()
    S.store = native and native.sites()
  end
  return S.store
end

--- Every site, in the order they first happened.
---@return unity.RuntimeSite[]
function M.sites()
  local out = {}
  for _, s in pairs(S.sites) do
    out[#out + 1] = s
  end
  table.sort(out, function(a, b)
    return a.id < b.id
  end)
  return out
end

--- The id of the site a log entry was counted at, if any.
---@param entry unity.LogEntry|unity.StoredEntry
---@return integer|nil
function M.site_of(entry)
  local store = M.store()
  return store and store:site_of(entry) or nil
end

--- The diagnostic text of a site: its first line, how many times, when last.
---@param s unity.RuntimeSite
---@return string
function M.describe(s)
  return messages.runtime_site(s.text, s.count, s.time)
end

--- Forgets every site and its diagnostics: `:UnityClear` (which says so), entering play mode.
---@param quiet? boolean
function M.clear(quiet)
  local store = M.store()
  local count = store and #store:all() or 0 -- with the sites not shown yet
  if store then
    store:clear()
  end
  S.sites, S.places = {}, {}
  diagnostics:reset()
  if not quiet then
    messages.notify(messages.runtime_cleared(count))
  end
end

--- The sites as quickfix items, in the order they first happened; with `text`, only those
--- whose first line holds it.
---@param text? string
---@return vim.quickfix.entry[]
function M.qf_items(text)
  local items = {}
  for _, s in ipairs(M.sites()) do
    if not text or s.text:find(text, 1, true) then
      items[#items + 1] = {
        filename = s.file,
        lnum = s.line,
        col = 1,
        type = s.level == "assert" and "W" or "E",
        text = M.describe(s),
      }
    end
  end
  return items
end

--- The absolute path of a frame's path: a local package's files are in its own folder.
---@param path string
---@return string
function M.resolve(path)
  local name, rest = path:match("^Packages/([^/]+)/(.*)$")
  if name and S.packages[name] then
    return vim.fs.normalize(S.packages[name] .. "/" .. rest)
  end
  if path:sub(1, 1) == "/" or path:match("^%a:/") then
    return vim.fs.normalize(path)
  end
  return vim.fs.normalize((S.root or vim.uv.cwd()) .. "/" .. path)
end

local SEVERITY = {
  exception = vim.diagnostic.severity.ERROR,
  error = vim.diagnostic.severity.ERROR,
  assert = vim.diagnostic.severity.WARN,
}

--- Takes up to BATCH changed sites from the store, then sets the diagnostics of the files
--- they changed, each file's buffers once, for at most BUDGET_MS. Comes back soon for the rest.
function M.apply()
  local store = M.store()
  if not store then
    return
  end
  local deadline = vim.uv.hrtime() + BUDGET_MS * 1e6
  local touched = {}
  for _, s in ipairs(store:changed(BATCH)) do
    ---@cast s unity.RuntimeSite
    s.file = M.resolve(s.path)
    S.sites[s.id] = s
    S.places[s.file] = S.places[s.file] or {}
    S.places[s.file][s.id] = {
      lnum = math.max(0, s.line - 1),
      col = 0,
      severity = SEVERITY[s.level] or SEVERITY.error,
      message = M.describe(s),
      source = "unity",
    }
    touched[s.file] = true
  end
  for file in pairs(touched) do
    diagnostics:set(file, vim.tbl_values(S.places[file]))
  end
  diagnostics:show(deadline)
  if diagnostics:pending() or store:pending() > 0 then
    M.changed(diagnostics:pending() and 0 or APPLY_MS)
  end
end

--- The drain counted errors: shows them within APPLY_MS (one application for many drains).
---@param ms? integer  sooner: the rest of an application cut short
function M.changed(ms)
  if not S.timer then
    S.timer = assert(vim.uv.new_timer())
  end
  if not S.timer:is_active() then
    S.timer:start(ms or APPLY_MS, 0, vim.schedule_wrap(M.apply))
  end
end

--- The local (`file:`) packages of Packages/manifest.json: name -> absolute folder.
---@param root string
---@return table<string, string>
function H.local_packages(root)
  local out = {}
  local f = io.open(root .. "/Packages/manifest.json", "r")
  if not f then
    return out
  end
  local ok, manifest = pcall(vim.json.decode, f:read("*a") or "")
  f:close()
  local deps = ok and type(manifest) == "table" and manifest.dependencies
  for name, v in pairs(type(deps) == "table" and deps or {}) do
    local dir = type(v) == "string" and v:match("^file:(.+)$")
    if dir and not dir:match("%.tgz$") then
      dir = dir:gsub("\\", "/")
      if not (dir:sub(1, 1) == "/" or dir:match("^%a:/")) then
        dir = root .. "/Packages/" .. dir -- relative to the Packages folder, as Unity reads it
      end
      out[name] = vim.fs.normalize(dir)
    end
  end
  return out
end

--- The project whose code counts: its Assets/ and Packages/ folders and its local packages.
---@param root string|nil
function M.set_project(root)
  if S.root and root and S.root ~= root then
    M.clear(true) -- another project's places
  end
  S.root = root
  S.packages = root and H.local_packages(root) or {}
  local store = M.store()
  if store and root then
    local roots = { root .. "/Assets", root .. "/Packages" }
    for _, dir in pairs(S.packages) do
      roots[#roots + 1] = dir
    end
    store:set_roots(roots)
  end
end

local group = vim.api.nvim_create_augroup("unity.runtime", { clear = true })

vim.api.nvim_create_autocmd("User", {
  group = group,
  pattern = "UnityConnected",
  callback = function(a)
    M.set_project(require("unity.client").status().project or a.data.project)
  end,
})
vim.api.nvim_create_autocmd("User", {
  group = group,
  pattern = "UnityState",
  callback = function(a)
    if a.data.entered_play and config.options.runtime.clear_on_play then
      M.clear(true)
    end
  end,
})

-- The client's drain counts errors into the store and tells us after a slice that changed it
-- (lua/unity/wiring.lua attaches M.store and M.changed).
M.set_project(require("unity.client").status().project)

return M
