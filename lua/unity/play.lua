--- :UnityPlay that waits for the compile: writes the project's modified buffers, refreshes,
--- waits for the compile that follows (if any) and for the script reload a good compile brings,
--- then enters play mode in the new domain; on compile errors it refuses (compile.lua has put
--- them in quickfix). Pressing Play before the compile finished would run the old code.
--- Nothing waits on the main loop: each step is an event of the client or a timer.
local autorefresh = require("unity.autorefresh")
local client = require("unity.client")
local config = require("unity.config")
local messages = require("unity.messages")

local M = {}

--- After a good compile Unity reloads its scripts; when it has not begun to within this long,
--- the compile needed no reload and play mode is entered at once.
local RELOAD_GRACE_MS = 2000

---@class unity.PlayWait
---@field phase "refresh"|"compile"|"reload"|"away"  waiting for: the reply, the compile's end, the reload, Unity's return
---@field started boolean            a compile started after the refresh was sent
---@field summary? unity.CompileSummary  a compile finished before the refresh's reply came
---@field clean boolean              the compile succeeded: play follows the reload
---@field reload boolean             Unity went away to reload its scripts
---@field timer uv.uv_timer_t        the current phase's time limit
---@field armed integer              counts the limits set: an expiry of an earlier one is stale
---@field group integer              the autocommands that follow the client's events

local wait ---@type unity.PlayWait|nil

--- Ends the wait (its timer and autocommands go), with a message when given.
---@param text? string
---@param level? integer
local function finish(text, level)
  local w = wait
  if not w then
    return
  end
  wait = nil
  w.timer:stop()
  w.timer:close()
  vim.api.nvim_del_augroup_by_id(w.group)
  if text then
    messages.notify(text, level or vim.log.levels.WARN)
  end
end

local function enter()
  finish()
  require("unity").play(true)
end

--- Gives the current phase `ms`; then `expired` runs, unless the wait moved on.
---@param w unity.PlayWait
---@param ms integer
---@param expired fun()
local function arm(w, ms, expired)
  w.armed = w.armed + 1
  local armed = w.armed
  w.timer:stop()
  w.timer:start(
    ms,
    0,
    vim.schedule_wrap(function()
      if wait == w and w.armed == armed then
        expired()
      end
    end)
  )
end

---@param w unity.PlayWait
local function wait_for_compile(w)
  w.phase = "compile"
  local ms = config.options.play_timeout_ms
  arm(w, ms, function()
    finish(messages.play_timeout(ms))
  end)
end

---@param w unity.PlayWait
---@param summary unity.CompileSummary
local function compiled(w, summary)
  if summary.errors > 0 then
    finish(messages.play_refused(summary.errors), vim.log.levels.ERROR)
    return
  end
  w.clean, w.phase = true, "reload"
  arm(w, RELOAD_GRACE_MS, enter)
end

--- Unity left: to reload its scripts (`reload`), or for a reason unknown; it has
--- `play_reconnect_ms` to come back.
---@param w unity.PlayWait
---@param reload boolean
local function away(w, reload)
  w.phase, w.reload = "away", reload
  local ms = config.options.play_reconnect_ms
  arm(w, ms, function()
    finish(w.reload and w.clean and messages.play_no_reload(ms) or messages.play_disconnected(false, ms))
  end)
end

--- Follows the client's events while `w` waits.
---@param w unity.PlayWait
local function follow(w)
  local function on(pattern, fn)
    vim.api.nvim_create_autocmd("User", {
      group = w.group,
      pattern = pattern,
      callback = function(a)
        if wait == w then
          fn(a.data or {})
        end
      end,
    })
  end
  on("UnityCompileStarted", function()
    w.started = true
  end)
  on("UnityCompileFinished", function(summary)
    if w.phase == "refresh" then
      w.summary = summary
    elseif w.phase == "compile" then
      compiled(w, summary)
    end -- later: the summary Unity repeats after its reload
  end)
  on("UnityBye", function(bye)
    if bye.reason == "quit" then
      finish(messages.play_disconnected(true, 0))
    elseif w.phase ~= "away" then
      away(w, true)
    end
  end)
  on("UnityDisconnected", function()
    if w.phase ~= "away" then
      away(w, false) -- no bye came first: a crash, or another Neovim took over
    end
  end)
  on("UnityConnected", function()
    if w.clean then
      enter() -- the new domain runs the compiled scripts
    elseif w.phase == "away" then
      wait_for_compile(w) -- Unity repeats the compile's summary after a reload
    end
  end)
end

--- The refresh's answer: whether a compile follows (an older package answers no result: then
--- Unity's compile state says).
---@param w unity.PlayWait
---@param reply unity.Reply
local function refreshed(w, reply)
  if wait ~= w then
    return
  end
  if not reply.ok then
    finish(messages.play_refresh_failed(reply.error or "no reason given"), vim.log.levels.ERROR)
    return
  end
  local result = type(reply.result) == "table" and reply.result or { compiling = client.status().compiling }
  if result.deferred then
    autorefresh.note(result)
    enter()
  elseif w.summary then
    compiled(w, w.summary)
  elseif result.compiling or w.started then
    messages.notify(messages.play_compiling())
    wait_for_compile(w)
  elseif client.status().errors > 0 then
    -- Nothing to compile, but the last compile failed: Unity would refuse to play.
    finish(messages.play_refused(client.status().errors), vim.log.levels.ERROR)
  else
    enter()
  end
end

--- Writes the modified buffers of files under `root`.
---@param root string
---@return boolean ok, string|nil file, any err
local function save(root)
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(buf)
    if
      vim.api.nvim_buf_is_loaded(buf)
      and vim.bo[buf].modified
      and vim.bo[buf].buftype == ""
      and name ~= ""
      and autorefresh.relative(root, name)
    then
      local ok, err = pcall(vim.api.nvim_buf_call, buf, function()
        vim.cmd("silent update")
      end)
      if not ok then
        return false, name, err
      end
    end
  end
  return true
end

--- :UnityPlay. Returns the refresh's id, or nil and why (already shown).
---@return integer|nil id, string|nil err
function M.start()
  if wait then
    messages.notify(messages.play_already_waiting())
    return nil, messages.play_already_waiting()
  end
  local root = client.status().project or require("unity.project").find()
  if root and config.options.play_saves then
    local ok, file, err = save(root)
    if not ok then
      local text = messages.play_save_failed(file --[[@as string]], err)
      messages.notify(text, vim.log.levels.ERROR)
      return nil, text
    end
  end
  autorefresh.cancel() -- the refresh below covers the writes just made
  ---@type unity.PlayWait
  local w = {
    phase = "refresh",
    started = false,
    clean = false,
    reload = false,
    timer = assert(vim.uv.new_timer()),
    armed = 0,
    group = vim.api.nvim_create_augroup("unity.play.wait", { clear = true }),
  }
  wait = w
  follow(w)
  local ms = config.options.play_timeout_ms
  arm(w, ms, function()
    finish(messages.play_timeout(ms))
  end)
  local id, err = client.send("refresh", nil, function(reply)
    refreshed(w, reply)
  end)
  if not id then
    finish(err, vim.log.levels.ERROR)
    return nil, err
  end
  return id
end

--- Ends a wait without a word (:UnityPlay! enters play mode at once instead).
function M.cancel()
  finish()
end

--- Whether :UnityPlay is waiting for the compile (for tests and statuslines).
---@return boolean
function M.waiting()
  return wait ~= nil
end

return M
