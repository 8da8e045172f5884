--- Debugging the game through nvim-dap: the editor's debugger endpoint (from Unity's `hello`)
--- as an attach configuration, offered by a configuration provider for the project's C#
--- buffers and started by :UnityDebug, which first switches Unity to Debug code optimization
--- (breakpoints stop only there) and waits for the recompile and reload. A development player
--- with Script Debugging that announced itself (in the log history or in this project's
--- Player.log) is offered beside it. nvim-dap is optional: without it this module registers
--- nothing and :UnityDebug says what to install.
local client = require("unity.client")
local config = require("unity.config")
local log = require("unity.log")
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

--- What a development player writes to its log once its debugger listens, for the code editors
--- that look for players (Unity manual, "Debug C# code in Unity", Troubleshoot: the Player
--- Log's `Multi-casting "[IP] ... [Guid] ... [Id] Name(host):PORT [Debug] 1 ..." to
--- [225.0.0.222:54997]...`, the announcement a player multicasts).
local ANNOUNCEMENT = 'Multi-casting "[IP] '

---@class unity.DebugPlayer
---@field id string       the player's [Id], e.g. "LinuxPlayer(192.168.1.103)"
---@field address string  its [IP]
---@field port integer    where its debugger listens

--- The player an announcement names, or nil when it is none or its debugging is off. As Unity
--- reads it (Unity-Technologies/MonoDevelop.Debugger.Soft.Unity, PlayerConnection.cs
--- `PlayerInfo.Parse` and UnitySoftDebuggerSession.cs `OnAttachToProcess`): `[Debug] 0` allows
--- no debugger; the port is the one after the [Id] when given, else 56000 + [Guid] % 1000.
---@param line string
---@return unity.DebugPlayer|nil
function M.parse_player(line)
  local at = line:find(ANNOUNCEMENT, 1, true)
  if not at then
    return nil
  end
  line = line:sub(at)
  local address = line:match("%[IP%] (%S+)")
  local guid = tonumber(line:match("%[Guid%] (%d+)"))
  local id, allowed = line:match("%[Id%] (.-) %[Debug%] (%d+)")
  if not address or not guid or not id or allowed == "0" then
    return nil
  end
  local name, given = id:match("^([^:]+):(%d+)$")
  local port = math.floor(tonumber(given) or 56000 + guid % 1000)
  return { id = name or id, address = address, port = port }
end

--- A `companyName:` or `productName:` of ProjectSettings.asset (YAML; quoted when need be).
local function setting(text, key)
  local value = text:match("\n%s*" .. key .. ": ([^\r\n]*)")
  value = value and vim.trim(value)
  return value and (value:match("^'(.*)'$") or value:match('^"(.*)"$') or value)
end

--- The first `bytes` of a file (all of it by default), or nil.
---@param path string
---@param bytes? integer
---@return string|nil
local function read(path, bytes)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local text = f:read(bytes or "*a")
  f:close()
  return text
end

--- Where this project's development player writes its log by default (Unity manual, "Log
--- files"): a folder named after Project Settings > Player's company and product names.
---@param project string
---@return string|nil
function M.player_log(project)
  local text = read(project .. "/ProjectSettings/ProjectSettings.asset")
  if not text then
    return nil
  end
  local company, product = setting(text, "companyName"), setting(text, "productName")
  if not company or not product then
    return nil
  end
  if vim.fn.has("win32") == 1 then
    return vim.fs.joinpath(vim.env.USERPROFILE or "", "AppData", "LocalLow", company, product, "Player.log")
  end
  local home = vim.env.HOME or ""
  if vim.fn.has("mac") == 1 then
    return vim.fs.joinpath(home, "Library", "Logs", company, product, "Player.log")
  end
  return vim.fs.joinpath(home, ".config", "unity3d", company, product, "Player.log")
end

--- The announcement near the top of a player's log (a player writes it as it starts).
---@param path string
---@return string|nil
local function announced_in(path)
  local head = read(path, 65536)
  return head and head:match("[^\n]*" .. vim.pesc(ANNOUNCEMENT) .. "[^\n]*")
end

--- Development players whose debugger Neovim has seen announced: the newest announcement in
--- the log history (Unity's console, over the wire), then the one in this project's
--- Player.log; one per endpoint.
---@param project string
---@return unity.DebugPlayer[]
function M.players(project)
  local found, seen = {}, {}
  local newest = log.book():newest(ANNOUNCEMENT)
  local path = M.player_log(project)
  for _, line in ipairs({ newest and newest.message or "", path and announced_in(path) or "" }) do
    local p = M.parse_player(line)
    local key = p and p.address .. ":" .. p.port
    if p and not seen[key] then
      seen[key] = true
      found[#found + 1] = p
    end
  end
  return found
end

--- The attach configuration for a development player.
---@param p unity.DebugPlayer
---@param project string
---@return table
function M.player_configuration(p, project)
  return {
    type = config.options.debug_adapter,
    request = "attach",
    name = string.format("Unity Player %s (attach)", p.id),
    address = p.address,
    port = p.port,
    debugPort = p.port,
    cwd = project,
  }
end

--- nvim-dap's configuration provider (`dap.providers.configs`, called in a coroutine): for C#
--- buffers of the connected project, the editor's attach configuration and one per announced
--- player; nothing elsewhere.
---@param bufnr integer
---@return table[]
function M.provider(bufnr)
  local project = client.status().project
  local file = vim.api.nvim_buf_get_name(bufnr)
  if not project or vim.bo[bufnr].filetype ~= "cs" or not paths.inside(project, file) then
    return {}
  end
  local editor = M.configuration()
  local configs = editor and { editor } or {}
  for _, p in ipairs(M.players(project)) do
    configs[#configs + 1] = M.player_configuration(p, project)
  end
  return configs
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

--- Asks Unity for Debug code optimization, then attaches: at once when Unity was in Debug
--- already (the reply's `compiling` is false), else once the new domain is up (a good compile
--- reloads: UnityConnected with reconnect; a failed one does not).
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
  local _, err = client.send("optimization", { mode = "debug" }, function(reply)
    if not reply.ok then
      finish(messages.debug_switch_failed(reply.error))
    elseif reply.result and reply.result.compiling then
      messages.notify(messages.debug_switching())
    else
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
  -- Unity's answer, not status().optimization: that comes in the `state` after `hello`, so it
  -- is unknown right after a connect, or still the previous editor's.
  switch_then_attach(d)
end

--- Whether :UnityDebug waits for the Debug recompile.
---@return boolean
function M.waiting()
  return wait ~= nil
end

return M
