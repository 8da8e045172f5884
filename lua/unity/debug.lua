--- Debugging the game through nvim-dap: the editor's debugger endpoint (from Unity's `hello`)
--- as an attach configuration, offered by a configuration provider for the project's C#
--- buffers and started by :UnityDebug, which first switches Unity to Debug code optimization
--- (breakpoints stop only there) and waits for the recompile and reload. nvim-dap is optional:
--- without it this module registers nothing and :UnityDebug says what to install.
local client = require("unity.client")
local config = require("unity.config")
local messages = require("unity.messages")
local paths = require("unity.paths")

local M = {}

M.name = "Unity Editor (attach)"

--- nvim-dap, when installed.
---@return table|nil
local function dap()
  local ok, mod = pcall(require, "dap")
  return ok and type(mod) == "table" and mod or nil
end

--- The attach configuration for the connected editor, or nil and why.
--- Both adapters' names for the port: unity-dap reads `address`/`port`, monodbg `debugPort`.
---@return table|nil configuration, string|nil why
function M.configuration()
  local s = client.status()
  if not s.connected then
    return nil, messages.failure({ kind = "not_connected", project = s.project })
  end
  if not s.debug then
    return nil, messages.failure({ kind = "debug_no_endpoint" })
  end
  if not s.debug.attach then
    return nil, messages.failure({ kind = "debug_attach_off" })
  end
  return {
    type = config.options.debug_adapter,
    request = "attach",
    name = M.name,
    address = s.debug.address,
    port = s.debug.port,
    debugPort = s.debug.port,
    cwd = s.project,
  }
end

--- nvim-dap's configuration provider (`dap.providers.configs`, called in a coroutine): the
--- attach configuration for C# buffers of the connected project, nothing elsewhere.
---@param bufnr integer
---@return table[]
function M.provider(bufnr)
  local project = client.status().project
  local file = vim.api.nvim_buf_get_name(bufnr)
  if not project or vim.bo[bufnr].filetype ~= "cs" or not paths.inside(project, file) then
    return {}
  end
  local c = M.configuration()
  return c and { c } or {}
end

--- Registers the provider with nvim-dap, if it is installed.
---@return boolean registered
function M.register()
  local d = dap()
  if not d then
    return false
  end
  d.providers.configs.unity = M.provider
  return true
end

--- The wait for the Debug recompile and reload; one at a time.
---@type {timer: uv.uv_timer_t, group: integer}|nil
local wait

--- Ends the wait; with a message, the debugger will not attach.
---@param text? string
local function finish(text)
  if not wait then
    return
  end
  wait.timer:stop()
  wait.timer:close()
  vim.api.nvim_del_augroup_by_id(wait.group)
  wait = nil
  if text then
    messages.notify(text, vim.log.levels.WARN)
  end
end

--- Starts the attach with the live endpoint.
---@param d table  nvim-dap
local function attach(d)
  local c, why = M.configuration()
  if not c then
    messages.notify(assert(why), vim.log.levels.WARN)
    return
  end
  d.run(c)
end

--- Asks Unity for Debug code optimization, then attaches once the new domain is up: a good
--- compile reloads (UnityConnected with reconnect), a failed one does not.
---@param d table  nvim-dap
local function switch_then_attach(d)
  finish()
  local ms = config.options.play_timeout_ms
  local group = vim.api.nvim_create_augroup("unity.debug", { clear = true })
  wait = { timer = assert(vim.uv.new_timer()), group = group }
  vim.api.nvim_create_autocmd("User", {
    group = group,
    pattern = "UnityCompileFinished",
    callback = function(a)
      if a.data.errors > 0 then
        finish(messages.debug_refused(a.data.errors))
      end
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    group = group,
    pattern = "UnityConnected",
    callback = function(a)
      if a.data.reconnect then
        finish()
        attach(d)
      end
    end,
  })
  wait.timer:start(
    ms,
    0,
    vim.schedule_wrap(function()
      finish(messages.debug_timeout(ms))
    end)
  )
  messages.notify(messages.debug_switching())
  local _, err = client.send("optimization", { mode = "debug" }, function(reply)
    if not reply.ok then
      finish(messages.debug_switch_failed(reply.error))
    elseif not (reply.result and reply.result.compiling) then
      finish()
      attach(d)
    end
  end)
  if err then
    finish(err)
  end
end

--- :UnityDebug: attach nvim-dap to the editor, in Debug code optimization.
function M.start()
  local d = dap()
  if not d then
    messages.notify(messages.failure({ kind = "debug_no_dap" }), vim.log.levels.WARN)
    return
  end
  M.register()
  local adapter = config.options.debug_adapter
  if d.adapters[adapter] == nil then
    messages.notify(messages.failure({ kind = "debug_no_adapter", name = adapter }), vim.log.levels.WARN)
    return
  end
  local _, why = M.configuration()
  if why then
    messages.notify(why, vim.log.levels.WARN)
    return
  end
  if client.status().optimization == "release" then
    switch_then_attach(d)
  else
    attach(d)
  end
end

--- Whether :UnityDebug waits for the Debug recompile.
---@return boolean
function M.waiting()
  return wait ~= nil
end

return M
