--- unity.nvim: Unity's console in Neovim, and Unity driven from Neovim.
---
--- Everything works without `setup()`; call it only to change options (:help unity-options).
local messages = require("unity.messages")

-- Joins the client to its subscribers before anything connects through this module.
require("unity.wiring")

local M = {}

local notify = messages.notify

--- Sets options. Optional; raises a clear error for an unknown or invalid option.
---@param opts? table
function M.setup(opts)
  require("unity.config").set(opts)
end

--- Sends a command to Unity: a built-in (`compile`, `refresh`, `play`, `stop`, `pause`, `step`,
--- `state`) or one the project registered with `NeovimBridge.Register`.
---@param name string
---@param args? table               a table with string keys
---@param on_reply? fun(reply: unity.Reply)  called once with Unity's answer (or a failure)
---@return integer|nil id, string|nil err, string|nil kind  err worded for the user; kind: :help unity-errors
function M.send(name, args, on_reply)
  return require("unity.client").send(name, args, on_reply)
end

--- Sends a built-in command and reports a failure with vim.notify.
local function command(name, on_ok)
  local id, err = M.send(name, nil, function(reply)
    if not reply.ok then
      notify(messages.command_failed(name, reply.error or "no reason given"), vim.log.levels.ERROR)
    elseif on_ok then
      on_ok(reply)
    end
  end)
  if not id then
    notify(assert(err), vim.log.levels.ERROR)
  end
  return id, err
end

--- `play`, `stop`, `pause` or `step`, saying once what Unity did.
---@param name "play"|"stop"|"pause"|"step"
local function mode_command(name)
  local was = M.status()
  return command(name, function(reply)
    require("unity.playmode").done(name, was, reply.result)
  end)
end

--- Refreshes assets and compiles scripts now. Results arrive as quickfix items and diagnostics.
---@return integer|nil id, string|nil err
function M.compile()
  local id, err = command("compile")
  if id then
    notify(messages.compiling())
  end
  return id, err
end

--- Enters play mode. :UnityPlay: writes the project's modified buffers, refreshes, waits for
--- the compile that follows and plays only when it succeeded. `now` (:UnityPlay!): at once.
---@param now? boolean
---@return integer|nil id, string|nil err  the command's (with `now`) or the refresh's id
function M.play(now)
  if now then
    require("unity.play").cancel()
    return mode_command("play")
  end
  return require("unity.play").start(function()
    M.play(true)
  end)
end

function M.stop()
  return mode_command("stop")
end

--- Toggles pause.
function M.pause()
  return mode_command("pause")
end

function M.step()
  return mode_command("step")
end

--- Runs Unity's tests (:help unity-tests): failures go to the quickfix list "Unity tests" and to
--- diagnostics; `on_done(summary)` when the run finished, `on_done(nil, err)` when it could not start.
---@param opts? unity.TestOpts  {mode?, names?, groups?, categories?, assemblies?}
---@param on_done? fun(summary: unity.TestSummary|nil, err: string|nil)
---@return integer|nil id, string|nil err
function M.test(opts, on_done)
  return require("unity.test").run(opts, on_done)
end

--- Connects to the Unity project holding `dir` (default: the current directory).
---@param dir? string
---@param force? boolean
---@return boolean|nil ok, string|nil err, string|nil kind
function M.connect(dir, force)
  local ok, err, kind = require("unity.client").connect(dir, force)
  if not ok then
    notify(assert(err), vim.log.levels.ERROR)
  end
  return ok, err, kind
end

function M.disconnect()
  require("unity.client").disconnect()
end

--- Opens (or focuses) the log window; connects first when not connected.
function M.open_log()
  if not require("unity.native").or_say() then
    return
  end
  local client = require("unity.client")
  if not client.handle() then
    local ok, err = client.connect()
    if not ok then
      notify(assert(err), vim.log.levels.WARN)
    end
  end
  require("unity.log").open()
end

--- Closes the log window of this tab page, or opens it.
function M.toggle_log()
  if require("unity.log.view").windows()[1] then
    require("unity.log").toggle()
  else
    M.open_log()
  end
end

---@return unity.Status
function M.status()
  return require("unity.client").status()
end

--- A short string for a statusline: "Unity ▶ 2E" and the like; empty when not in a project.
---@return string
function M.statusline()
  return require("unity.statusline").line()
end

return M
