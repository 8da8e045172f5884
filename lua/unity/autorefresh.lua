--- Refresh on save: writing a file Unity imports, under the connected project's Assets/ or
--- Packages/, sends `refresh` once writes have paused for `refresh_debounce_ms` (a `:wall` of
--- many files gives one). Unity notices changed files only when its window gets focus; this
--- tells it at once. The compile that may follow reports through compile.lua as :UnityCompile's
--- does. Nothing blocks the write: a libuv timer sends later, and only while connected.
local client = require("unity.client")
local config = require("unity.config")
local messages = require("unity.messages")
local paths = require("unity.paths")

local M = {}

--- Extensions Unity imports that are edited as text: scripts, assembly definitions, shaders
--- and their includes, UI Toolkit, JSON. `refresh_extensions` adds more.
M.extensions = { "cs", "asmdef", "asmref", "shader", "cginc", "hlsl", "compute", "uss", "uxml", "json" }

local timer ---@type uv.uv_timer_t|nil
--- Whether the user heard in this play session that Unity defers script changes.
local deferred_said = false

--- `path` relative to `root` when it is inside it (symbolic links resolved when needed).
---@param root string
---@param path string
---@return string|nil
function M.relative(root, path)
  return paths.inside(root, path) or paths.inside(vim.uv.fs_realpath(root) or root, vim.uv.fs_realpath(path) or path)
end

--- Whether writing `path` should refresh Unity in `root`: under Assets/ or Packages/, an
--- extension Unity imports, and `refresh_on_save` agreeing.
---@param root string
---@param path string
---@return boolean
function M.wanted(root, path)
  local opt = config.options.refresh_on_save
  local rel = opt and M.relative(root, path)
  if not rel or not (rel:match("^Assets/") or rel:match("^Packages/")) then
    return false
  end
  local ext = (rel:match("%.([^./]+)$") or ""):lower()
  local known = vim.tbl_contains(M.extensions, ext)
    ---@diagnostic disable-next-line: redundant-parameter (vim.iter's types take no predicate)
    or vim.iter(config.options.refresh_extensions):any(function(e)
      return e:gsub("^%.", ""):lower() == ext
    end)
  if not known or opt == true then
    return known
  end
  local ok, yes = pcall(opt --[[@as fun(path: string): boolean]], path)
  if not ok then
    messages.notify(messages.refresh_on_save_failed(yes), vim.log.levels.ERROR)
    return false
  end
  return yes == true
end

--- A refresh's result (nil from an older package): says once per play session that Unity
--- keeps the script changes until play mode stops.
---@param result any
function M.note(result)
  if type(result) == "table" and result.deferred and not deferred_said then
    deferred_said = true
    messages.notify(messages.refresh_deferred(result.reason), vim.log.levels.WARN)
  end
end

local function send()
  if not client.status().connected then
    return
  end
  local id, err = client.send("refresh", nil, function(reply)
    if reply.ok then
      M.note(reply.result)
    else
      messages.notify(messages.command_failed("refresh", reply.error or "no reason given"), vim.log.levels.WARN)
    end
  end)
  if not id then
    messages.notify(assert(err), vim.log.levels.WARN)
  end
end

--- Drops a refresh that is waiting for the writes to pause (:UnityPlay refreshes itself).
function M.cancel()
  if timer then
    timer:stop()
  end
end

local group = vim.api.nvim_create_augroup("unity.autorefresh", { clear = true })

vim.api.nvim_create_autocmd("BufWritePost", {
  group = group,
  callback = function(a)
    local s = client.status()
    if not (s.connected and s.project and M.wanted(s.project, a.match)) then
      return
    end
    timer = timer or assert(vim.uv.new_timer())
    timer:stop()
    timer:start(config.options.refresh_debounce_ms, 0, vim.schedule_wrap(send))
  end,
})

vim.api.nvim_create_autocmd("User", {
  group = group,
  pattern = "UnityState",
  callback = function(a)
    if a.data.entered_play then
      deferred_said = false
    end
  end,
})

return M
