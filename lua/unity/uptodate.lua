--- Brings Unity up to date with the buffers, then does something: writes the project's
--- modified buffers, refreshes, waits for the compile that follows (if any) and for the script
--- reload a good compile brings, then acts in the new domain; on compile errors it refuses
--- (compile.lua has put them in quickfix). Entering play mode or running tests before the
--- compile finished would run the old code. :UnityPlay (play.lua) and test runs (test.lua)
--- wait this way, each with a wait of its own. Nothing waits on the main loop: each step is an
--- event of the client or a timer.
local autorefresh = require("unity.autorefresh")
local client = require("unity.client")
local config = require("unity.config")
local messages = require("unity.messages")

local M = {}

--- What follows a wait; messages.lua words each.
---@alias unity.After "play"|"tests"

---@class unity.UpToDateOpts
---@field saves boolean        write the project's modified buffers first
---@field action fun()         runs once Unity is up to date
---@field refused? fun(text: string)  told (after the message) when the action will not run

--- After a good compile Unity reloads its scripts; when it has not begun to within this long,
--- the compile needed no reload and the action runs at once.
local RELOAD_GRACE_MS = 2000

---@class unity.Wait
---@field after unity.After
---@field opts unity.UpToDateOpts
---@field phase "refresh"|"compile"|"reload"|"away"  waiting for: the reply, the compile's end, the reload, Unity's return
---@field started boolean            a compile started after the refresh was sent
---@field summary? unity.CompileSummary  a compile finished before the refresh's reply came
---@field clean boolean              the compile succeeded: the action follows the reload
---@field reload boolean             Unity went away to reload its scripts
---@field timer uv.uv_timer_t        the current phase's time limit
---@field armed integer              counts the limits set: an expiry of an earlier one is stale
---@field group integer              the autocommands that follow the client's events

---@type table<unity.After, unity.Wait>
local waits = {}

--- Ends the wait (its timer and autocommands go); with a message, the action will not run.
---@param w unity.Wait
---@param text? string
---@param level? integer
local function finish(w, text, level)
  if waits[w.after] ~= w then
    return
  end
  waits[w.after] = nil
  w.timer:stop()
  w.timer:close()
  vim.api.nvim_del_augroup_by_id(w.group)
  if text then
    messages.notify(text, level or vim.log.levels.WARN)
    if w.opts.refused then
      w.opts.refused(text)
    end
  end
end

--- Unity is up to date: the action runs.
---@param w unity.Wait
local function act(w)
  finish(w)
  w.opts.action()
end

--- Gives the current phase `ms`; then `expired` runs, unless the wait moved on.
---@param w unity.Wait
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
      if waits[w.after] == w and w.armed == armed then
        expired()
      end
    end)
  )
end

---@param w unity.Wait
local function wait_for_compile(w)
  w.phase = "compile"
  local ms = config.options.play_timeout_ms
  arm(w, ms, function()
    finish(w, messages.wait_timeout(w.after, ms))
  end)
end

---@param w unity.Wait
---@param summary unity.CompileSummary
local function compiled(w, summary)
  if summary.errors > 0 then
    finish(w, messages.wait_refused(w.after, summary.errors), vim.log.levels.ERROR)
    return
  end
  w.clean, w.phase = true, "reload"
  arm(w, RELOAD_GRACE_MS, function()
    act(w)
  end)
end

--- Unity left: to reload its scripts (`reload`), or for a reason unknown; it has
--- `play_reconnect_ms` to come back.
---@param w unity.Wait
---@param reload boolean
local function away(w, reload)
  w.phase, w.reload = "away", reload
  local ms = config.options.play_reconnect_ms
  arm(w, ms, function()
    finish(w, w.reload and w.clean and messages.wait_no_reload(w.after, ms) or messages.wait_gone(w.after, false, ms))
  end)
end

--- Follows the client's events while `w` waits.
---@param w unity.Wait
local function follow(w)
  local function on(pattern, fn)
    vim.api.nvim_create_autocmd("User", {
      group = w.group,
      pattern = pattern,
      callback = function(a)
        if waits[w.after] == w then
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
      finish(w, messages.wait_gone(w.after, true, 0))
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
      act(w) -- the new domain runs the compiled scripts
    elseif w.phase == "away" then
      wait_for_compile(w) -- Unity repeats the compile's summary after a reload
    end
  end)
end

--- The refresh's answer: whether a compile follows (an older package answers no result: then
--- Unity's compile state says).
---@param w unity.Wait
---@param reply unity.Reply
local function refreshed(w, reply)
  if waits[w.after] ~= w then
    return
  end
  if not reply.ok then
    finish(w, messages.wait_refresh_failed(w.after, reply.error or "no reason given"), vim.log.levels.ERROR)
    return
  end
  local result = type(reply.result) == "table" and reply.result or { compiling = client.status().compiling }
  if result.deferred then
    autorefresh.note(result)
    act(w)
  elseif w.summary then
    compiled(w, w.summary)
  elseif result.compiling or w.started then
    messages.notify(messages.wait_compiling(w.after))
    wait_for_compile(w)
  elseif client.status().errors > 0 then
    -- Nothing to compile, but the last compile failed: Unity still runs the old scripts.
    finish(w, messages.wait_refused(w.after, client.status().errors), vim.log.levels.ERROR)
  else
    act(w)
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

--- Brings Unity up to date, then runs `opts.action` (see the top of this file). Returns the
--- refresh's id, or nil and why (already shown, and told to `opts.refused`).
---@param after unity.After
---@param opts unity.UpToDateOpts
---@return integer|nil id, string|nil err
function M.start(after, opts)
  local function refuse(text, level)
    messages.notify(text, level)
    if opts.refused then
      opts.refused(text)
    end
    return nil, text
  end
  if waits[after] then
    return refuse(messages.wait_already(after))
  end
  local root = client.status().project or require("unity.project").find()
  if root and opts.saves then
    local ok, file, err = save(root)
    if not ok then
      return refuse(messages.wait_save_failed(after, file --[[@as string]], err), vim.log.levels.ERROR)
    end
  end
  autorefresh.cancel() -- the refresh below covers the writes just made
  ---@type unity.Wait
  local w = {
    after = after,
    opts = opts,
    phase = "refresh",
    started = false,
    clean = false,
    reload = false,
    timer = assert(vim.uv.new_timer()),
    armed = 0,
    group = vim.api.nvim_create_augroup("unity.uptodate." .. after, { clear = true }),
  }
  waits[after] = w
  follow(w)
  local ms = config.options.play_timeout_ms
  arm(w, ms, function()
    finish(w, messages.wait_timeout(after, ms))
  end)
  local id, err = client.send("refresh", nil, function(reply)
    refreshed(w, reply)
  end)
  if not id then
    finish(w, err, vim.log.levels.ERROR)
    return nil, err
  end
  return id
end

--- Ends the wait before `after` without a word, and without its action.
---@param after unity.After
function M.cancel(after)
  local w = waits[after]
  if w then
    finish(w)
  end
end

--- Whether a wait before `after` is going on.
---@param after unity.After
---@return boolean
function M.waiting(after)
  return waits[after] ~= nil
end

return M
