--- The connection to Unity: owns the native handle, wakes on its pipe, drains its queue in
--- time-bounded slices on the main loop, and routes each event to the view that shows it.
--- Data flows one way: reader thread -> queue -> drain (here) -> log window / compile results.
local config = require("unity.config")
local project = require("unity.project")

local M = {}

---@class unity.ClientState
local S = {
  handle = nil, ---@type userdata|nil
  project = nil, ---@type string|nil
  watcher = nil, ---@type uv.uv_pipe_t|nil
  timer = nil, ---@type uv.uv_timer_t|nil
  draining = false,
  connected = false,
  unity = nil, ---@type string|nil
  pid = nil, ---@type integer|nil
  playing = false,
  paused = false,
  compiling = false,
  lost = 0,
  corrupt = 0,
  errors = 0,
  bye = nil, ---@type string|nil  reason of the last bye, until the next hello
  pending = {}, ---@type table<integer, fun(reply: unity.Reply)>
}

local function notify(msg, level)
  vim.notify("unity.nvim: " .. msg, level or vim.log.levels.INFO)
end

local function fire(pattern, data)
  vim.api.nvim_exec_autocmds("User", { pattern = pattern, data = data, modeline = false })
end

--- Answers every waiting callback with a failure (Unity went away without answering).
local function fail_pending(why)
  local pending = S.pending
  S.pending = {}
  for id, cb in pairs(pending) do
    pcall(cb, { id = id, ok = false, error = why })
  end
end

local handlers = {}

function handlers.hello(ev)
  if S.connected and S.pid == ev.pid then
    -- A greeting repeated because we said hello too (see handlers.listening).
    S.unity = ev.unity
    return
  end
  local first = not S.connected and S.bye ~= "reload"
  if S.pid and S.pid ~= ev.pid then
    -- Another editor: replies owed by the old one will never come.
    fail_pending("Unity restarted before answering")
  end
  S.connected, S.unity, S.pid, S.bye = true, ev.unity, ev.pid, nil
  require("unity.log").marker(
    first and string.format("connected to Unity %s (pid %d)", ev.unity, ev.pid) or "reconnected after a script reload"
  )
  if first then
    notify(string.format("connected to Unity %s", ev.unity))
  end
  fire("UnityConnected", { unity = ev.unity, pid = ev.pid, project = ev.project })
end

function handlers.state(ev)
  local entered_play = ev.playing and not S.playing
  S.playing, S.paused, S.compiling = ev.playing, ev.paused, ev.compiling
  if entered_play then
    require("unity.log").mark("play")
  end
  require("unity.log").refresh()
end

function handlers.compile(ev)
  if ev.state == "started" then
    S.compiling = true
    require("unity.log").refresh()
    fire("UnityCompileStarted", {})
  elseif ev.state == "finished" then
    S.compiling = false
    local summary = {
      errors = ev.errors or 0,
      warnings = ev.warnings or 0,
      ms = ev.ms or 0,
      messages = ev.messages or {},
    }
    S.errors = summary.errors
    require("unity.compile").apply(S.project, summary)
    require("unity.log").mark("compile")
    fire("UnityCompileFinished", summary)
  end
end

function handlers.reply(ev)
  local cb = S.pending[ev.id]
  S.pending[ev.id] = nil
  if cb then
    local ok, err = pcall(cb, { id = ev.id, ok = ev.ok, error = ev.error, result = ev.result })
    if not ok then
      notify("a reply callback failed: " .. tostring(err), vim.log.levels.ERROR)
    end
  end
end

function handlers.open(ev)
  require("unity.open").handle(S.project, ev)
end

function handlers.projects(ev)
  require("unity.projects").regenerated(ev.files)
end

function handlers.bye(ev)
  S.bye = ev.reason
  if ev.reason == "quit" then
    require("unity.log").marker("Unity quit")
  else
    require("unity.log").marker("Unity is reloading scripts")
  end
end

function handlers.disconnected()
  local was = S.connected
  S.connected = false
  if S.bye ~= "reload" then
    fail_pending("Unity closed the connection before answering")
    if was then
      if S.bye ~= "quit" then
        require("unity.log").marker("Unity closed the connection")
      end
      notify(S.bye == "quit" and "Unity quit" or "Unity disconnected", vim.log.levels.WARN)
    end
    S.playing, S.paused, S.compiling = false, false, false
  end
  fire("UnityDisconnected", { reason = S.bye })
end

function handlers.lost(ev)
  S.lost = S.lost + ev.count
  local why = ({ gap = "missing from Unity's stream", corrupt = "in corrupt frames", overflow = "Neovim fell behind" })[ev.cause]
  require("unity.log").marker(string.format("%d message%s lost (%s)", ev.count, ev.count == 1 and "" or "s", why or ev.cause))
end

function handlers.listening()
  -- Our reader waits for Unity: say hello, so that Unity greets us even if its own hello went
  -- to a reader that left just before ours opened.
  if not S.connected and S.handle then
    S.handle:greet()
  end
end

function handlers.corrupt()
  S.corrupt = S.corrupt + 1
end

function handlers.problem(ev)
  notify(ev.message, vim.log.levels.ERROR)
end

local function shown_project()
  return vim.fn.fnamemodify(S.project or "", ":~")
end

function handlers.locked(ev)
  notify(
    string.format("another Neovim (pid %d) is connected to Unity in %s: :UnityConnect! takes over", ev.pid, shown_project()),
    vim.log.levels.ERROR
  )
end

function handlers.superseded(ev)
  S.connected = false
  fail_pending("another Neovim took over the connection to Unity")
  require("unity.log").marker(string.format("another Neovim (pid %d) took over", ev.pid))
  notify(
    string.format("another Neovim (pid %d) took over the connection to Unity in %s; :UnityConnect! takes it back", ev.pid, shown_project()),
    vim.log.levels.WARN
  )
  fire("UnityDisconnected", { reason = "superseded" })
end

local schedule_drain

--- Events taken from the native queue at a time. Log messages cost Lua only their share of
--- one nvim_buf_set_lines (they are formatted and kept in Rust), about 1 us each: a chunk
--- stays well inside the slice budget and amortises the per-chunk work.
local CHUNK = 512

local function has_log_listeners()
  return #vim.api.nvim_get_autocmds({ event = "User", pattern = "UnityLog" }) > 0
end

--- One slice: chunks until the queue is empty or the budget (Lua's work included) is spent.
--- Each chunk ends at the first event that is not a log message, so that what came before it
--- is shown before it acts.
local function drain()
  S.draining = false
  local h = S.handle
  if not h then
    return
  end
  local log = require("unity.log")
  local book = log.book()
  local listeners = has_log_listeners()
  local budget_ms = config.options.drain_budget_ms
  local deadline = vim.uv.hrtime() + budget_ms * 1e6
  local more
  repeat
    local from = listeners and book:stats().last_id + 1
    local ev
    ev, more = h:drain(book, budget_ms, CHUNK)
    log.update()
    if from and book:stats().last_id >= from then
      fire("UnityLog", book:entries(from))
    end
    local handler = ev and handlers[ev.t]
    if handler then
      handler(ev)
    end
  until not more or S.handle ~= h or vim.uv.hrtime() >= deadline
  log.refresh()
  if more and S.handle == h then
    schedule_drain(true)
  end
end

--- Drains soon: on a wake-up straight away (one main-loop hop: latency), between slices
--- through the timer, so that the main loop handles input before the next slice.
---@param next_slice? boolean
schedule_drain = function(next_slice)
  if S.draining or not S.timer then
    return
  end
  S.draining = true
  if next_slice then
    S.timer:start(0, 0, vim.schedule_wrap(drain))
  else
    vim.schedule(drain)
  end
end

local function stop_watching()
  if S.watcher then
    S.watcher:read_stop()
    S.watcher:close()
    S.watcher = nil
  end
  if S.timer then
    S.timer:stop()
    S.timer:close()
    S.timer = nil
  end
  S.draining = false
end

--- Connects to the Unity project holding `dir` (default: the current directory). Unity need not
--- be running: the connection waits for it and follows its restarts and reloads.
---@param dir? string
---@param force? boolean  take over even when already connected elsewhere
---@return boolean|nil ok, string|nil err
function M.connect(dir, force)
  local root = project.find(dir)
  if not root then
    return nil, string.format(
      "no Unity project at or above %s (a Unity project holds Assets/ and ProjectSettings/ProjectVersion.txt)",
      vim.fn.fnamemodify(dir or vim.uv.cwd(), ":~")
    )
  end
  if S.handle and S.project == root and not force then
    return true
  end
  local native, err = require("unity.native").get()
  if not native then
    return nil, err
  end
  M.disconnect()
  local handle, cerr = native.connect(root, {
    queue_size = config.options.queue_size,
    max_line = config.options.log.max_line,
    client = "unity.nvim " .. require("unity.native").version,
    force = force == true,
  })
  if not handle then
    return nil, cerr
  end
  local pipe = vim.uv.new_pipe(false)
  local timer = vim.uv.new_timer()
  if not pipe or not timer then
    handle:close()
    return nil, "could not create the event-loop handles to watch Unity's queue"
  end
  pipe:open(handle:wake_fd())
  S.handle, S.project, S.watcher, S.timer = handle, root, pipe, timer
  S.lost, S.corrupt, S.errors, S.bye = 0, 0, 0, nil
  pipe:read_start(function(rerr, data)
    -- A fast event: nothing but scheduling happens here.
    if rerr or data then
      schedule_drain()
    end
  end)
  -- Events may have been queued before the watcher started.
  schedule_drain()
  return true
end

--- Closes the connection (threads stopped, pipes closed). Waiting callbacks get a failure.
function M.disconnect()
  stop_watching()
  if S.handle then
    S.handle:close()
    S.handle = nil
  end
  fail_pending("disconnected from Unity")
  S.connected, S.unity, S.pid, S.project = false, nil, nil, nil
  S.playing, S.paused, S.compiling = false, false, false
end

--- Sends a command; see `require("unity").send`.
---@param name string
---@param args? table
---@param on_reply? fun(reply: unity.Reply)
---@return integer|nil id, string|nil err
function M.send(name, args, on_reply)
  if type(name) ~= "string" or name == "" then
    return nil, "a command name (a non-empty string) is required"
  end
  if args ~= nil and type(args) ~= "table" then
    return nil, string.format("arguments of '%s' must be a table, not a %s", name, type(args))
  end
  if on_reply ~= nil and not vim.is_callable(on_reply) then
    return nil, "on_reply must be a function"
  end
  if not S.handle then
    local ok, err = M.connect()
    if not ok then
      return nil, err
    end
  end
  local id, err, kind = S.handle:send(name, args)
  if not id then
    if kind == "locked" then
      err = err:gsub("this Unity project", "Unity in " .. shown_project())
    elseif kind == "not_running" or kind == "not_connected" then
      err = project.describe_absence(S.project)
    end
    return nil, err
  end
  if on_reply then
    S.pending[id] = on_reply
  end
  return id
end

---@return unity.Status
function M.status()
  return {
    connected = S.connected,
    project = S.project,
    unity = S.unity,
    pid = S.pid,
    playing = S.playing,
    paused = S.paused,
    compiling = S.compiling,
    lost = S.lost,
    corrupt = S.corrupt,
    errors = S.errors,
  }
end

--- Low-level details for :checkhealth and tests.
function M.handle()
  return S.handle
end

return M
