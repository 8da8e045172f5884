--- The connection to Unity: owns the native handle, wakes on its pipe, drains its queue in
--- time-bounded slices on the main loop, answers reply callbacks, and fires a `User` event for
--- every change (:help unity-events). Data flows one way: reader thread -> queue -> drain (here)
--- -> the log history (a direct call, the hot path) and events (the log window's markers,
--- compile results, users), and subscribers' handlers for the message types they own
--- (`M.on`). This module requires none of its subscribers: lua/unity/wiring.lua joins them.
local config = require("unity.config")
local messages = require("unity.messages")
local project = require("unity.project")

local M = {}

--- What the drain fills and shows: the log window's history (`unity.log`, attached by the wiring).
--- Called directly, not through events: this is the hot path.
---@class unity.LogConsumer
---@field book fun(): unity.Logbook   the history drained log messages go into
---@field update fun()                 show what a drained chunk added
---@field refresh fun()                redraw the window bars at the end of a slice

---@class unity.ClientState
---@field handle userdata|nil
---@field project string|nil
---@field watcher uv.uv_pipe_t|uv.uv_timer_t|nil  the wake-up pipe, or the timer that looks at the queue without one
---@field timer uv.uv_timer_t|nil
---@field wake "pipe"|"connecting"|"timer"|nil  how the watcher learns that events wait
---@field wake_problem string|nil  why it is the timer
---@field consumer unity.LogConsumer|nil
---@field sites unity.SitesConsumer|nil
---@field draining boolean
---@field connected boolean
---@field unity string|nil
---@field pid integer|nil
---@field playing boolean
---@field paused boolean
---@field compiling boolean
---@field lost integer
---@field corrupt integer
---@field errors integer
---@field bye string|nil  reason of the last bye, until the next hello
---@field debug unity.DebugEndpoint|nil  from the last hello (nil from packages before it)
---@field optimization "debug"|"release"|nil  from the last state
---@field pending table<integer, {name: string, cb: fun(reply: unity.Reply)}>
local S = {
  draining = false,
  connected = false,
  playing = false,
  paused = false,
  compiling = false,
  lost = 0,
  corrupt = 0,
  errors = 0,
  pending = {},
}

--- Fires `User {pattern}` (see :help unity-events). The log window, compile results and
--- users subscribe; the client knows none of them. The other modules' events go through it too.
---@param pattern string
---@param data any
function M.fire(pattern, data)
  vim.api.nvim_exec_autocmds("User", { pattern = pattern, data = data, modeline = false })
end
local fire = M.fire

--- Calls a reply callback; a failing callback is reported, never raised into the drain.
local function answer(cb, reply)
  local ok, err = pcall(cb, reply)
  if not ok then
    messages.notify(messages.callback_failed(err), vim.log.levels.ERROR)
  end
end

--- A reply Unity did not make: the command was not delivered or its answer cannot come.
---@param id integer
---@param waiting {name: string, cb: fun(reply: unity.Reply)}
---@param failure unity.Failure
local function answer_locally(id, waiting, failure)
  failure.name, failure.project = waiting.name, S.project
  answer(waiting.cb, {
    id = id,
    ok = false,
    error = messages.failure(failure),
    from = "nvim",
    kind = failure.kind,
    errno = failure.errno,
  })
end

--- Answers every waiting callback with a failure (Unity went away without answering).
---@param failure unity.Failure  kind and data; each reply gets its own copy with the command's name
local function fail_pending(failure)
  local pending = S.pending
  S.pending = {}
  for id, waiting in pairs(pending) do
    answer_locally(id, waiting, vim.deepcopy(failure))
  end
end

local handlers = {}

--- Handlers of the message types the client leaves to its subscribers (`M.on`).
---@type table<string, fun(ev: table, project: string|nil)>
local subscribers = {}

--- Hands messages of type `t` (`open`, `test`, `projects`) to `fn(ev, project)`; one handler a
--- type, set by the wiring.
---@param t string
---@param fn fun(ev: table, project: string|nil)
function M.on(t, fn)
  subscribers[t] = fn
end

--- What an editor that left (or was replaced) said of itself, until the next one's `state`.
local function forget_editor()
  S.playing, S.paused, S.compiling, S.optimization = false, false, false, nil
end

function handlers.hello(ev)
  -- A greeting repeated because we said hello too (see handlers.listening) says `again`. Any
  -- other is the first frame of a newly opened write end: the next domain's, even when no end
  -- of stream came between (its writer opened before our reader saw the old one close) and
  -- its bye did not make it out. Peers without `again` tell a new domain by its bye only.
  S.debug = ev.debug_port and { address = ev.debug_address, port = ev.debug_port, attach = ev.debug_attach } or nil
  local again = ev.again
  if again == nil then
    again = not S.bye
  end
  if S.connected and S.pid == ev.pid and again then
    S.unity = ev.unity
    return
  end
  local reconnect = S.connected or S.bye == "reload"
  if S.pid and S.pid ~= ev.pid then
    -- Another editor: replies owed by the old one will never come, and its state is not
    -- this one's (which comes in the `state` after this hello).
    fail_pending({ kind = "restarted" })
    forget_editor()
  end
  S.connected, S.unity, S.pid, S.bye = true, ev.unity, ev.pid, nil
  if not reconnect then
    messages.notify(messages.connected(ev.unity))
  end
  fire("UnityConnected", { unity = ev.unity, pid = ev.pid, project = ev.project, reconnect = reconnect })
end

function handlers.state(ev)
  local entered_play = ev.playing and not S.playing
  S.playing, S.paused, S.compiling, S.optimization = ev.playing, ev.paused, ev.compiling, ev.optimization
  fire(
    "UnityState",
    { playing = ev.playing, paused = ev.paused, compiling = ev.compiling, entered_play = entered_play }
  )
end

function handlers.compile(ev)
  if ev.state == "started" then
    S.compiling = true
    fire("UnityCompileStarted", {})
  elseif ev.state == "finished" then
    S.compiling = false
    local summary = {
      errors = ev.errors or 0,
      warnings = ev.warnings or 0,
      ms = ev.ms or 0,
      messages = ev.messages or {},
      project = S.project,
    }
    S.errors = summary.errors
    fire("UnityCompileFinished", summary)
  end
end

--- The callback waiting for command `id`, which waits no more.
local function take(id)
  local waiting = S.pending[id]
  S.pending[id] = nil
  return waiting
end

function handlers.reply(ev)
  local waiting = take(ev.id)
  if waiting then
    answer(waiting.cb, { id = ev.id, ok = ev.ok, error = ev.error, result = ev.result, from = "unity" })
  end
end

--- The writer could not deliver a command: Unity never saw it.
function handlers.undelivered(ev)
  local waiting = take(ev.id)
  if waiting then
    answer_locally(ev.id, waiting, ev)
  end
end

function handlers.bye(ev)
  S.bye = ev.reason
  fire("UnityBye", { reason = ev.reason })
end

function handlers.disconnected()
  local was = S.connected
  S.connected = false
  if S.bye ~= "reload" then
    fail_pending({ kind = "gone" })
    if was then
      messages.notify(messages.gone(S.bye == "quit"), vim.log.levels.WARN)
    end
    forget_editor()
  end
  fire("UnityDisconnected", { reason = S.bye, was_connected = was })
end

function handlers.lost(ev)
  S.lost = S.lost + ev.count
  fire("UnityLost", { count = ev.count, cause = ev.cause, total = S.lost })
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

function handlers.failure(ev)
  messages.notify(messages.failure(ev), vim.log.levels.ERROR)
end

function handlers.locked(ev)
  messages.notify(messages.locked(ev.pid, S.project), vim.log.levels.ERROR)
end

function handlers.superseded(ev)
  local was = S.connected
  S.connected = false
  fail_pending({ kind = "superseded", pid = ev.pid })
  messages.notify(messages.superseded(ev.pid, S.project), vim.log.levels.WARN)
  fire("UnitySuperseded", { pid = ev.pid })
  fire("UnityDisconnected", { reason = "superseded", was_connected = was })
end

local schedule_drain ---@type fun(next_slice?: boolean)

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
  local h, log = S.handle, S.consumer
  if not h or not log then
    return
  end
  local book = log.book()
  local site_consumer = S.sites
  local sites = site_consumer and site_consumer.store()
  local listeners = has_log_listeners()
  local budget_ms = config.options.drain_budget_ms
  local deadline = vim.uv.hrtime() + budget_ms * 1e6
  local more
  repeat
    local from = listeners and book:stats().last_id + 1
    local ev
    ev, more = h:drain(book, budget_ms, CHUNK, sites)
    log.update()
    if from and book:stats().last_id >= from then
      fire("UnityLog", book:entries(from))
    end
    local handler = ev and (handlers[ev.t] or subscribers[ev.t])
    if handler then
      handler(ev, S.project)
    end
  until not more or S.handle ~= h or vim.uv.hrtime() >= deadline
  log.refresh()
  if site_consumer and sites and sites:pending() > 0 then
    site_consumer.changed()
  end
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

--- How often the queue is looked at when nothing can wake Neovim (the wake-up pipe could not
--- be made or connected: see `M.wake`).
local POLL_MS = 16

--- Drains whenever the native module rings: a byte on the wake-up pipe. Reading empties it.
---@param pipe uv.uv_pipe_t
local function drain_on_wake(pipe)
  S.wake = "pipe"
  pipe:read_start(function(rerr, data)
    -- A fast event: nothing but scheduling happens here.
    if rerr or data then
      schedule_drain()
    end
  end)
end

--- Looks at the queue on a timer: the fallback when no pipe can wake Neovim.
---@param why string  said in :checkhealth unity
local function poll_queue(handle, why)
  S.wake, S.wake_problem = "timer", why
  local timer = vim.uv.new_timer()
  if timer then
    timer:start(POLL_MS, POLL_MS, function()
      if handle:pending() then
        schedule_drain()
      end
    end)
  end
  return timer
end

--- Connects to the named pipe the module rings (Windows: libuv watches no descriptor of the
--- module there). Until the module trusts the connection, events only wait in the queue; the
--- drain after it takes them.
local function connect_wake_pipe(handle, name)
  local pipe = vim.uv.new_pipe(false)
  if not pipe then
    return poll_queue(handle, "cannot make a libuv pipe for the wake-up pipe")
  end
  S.wake = "connecting"
  local req, err = pipe:connect(name, function(cerr)
    if S.watcher ~= pipe then
      return -- the connection was closed or replaced meanwhile
    end
    local ok, why
    if cerr then
      why = "cannot connect to the wake-up pipe: " .. cerr
    else
      ok, why = handle:trust_wake_pipe()
    end
    if ok then
      drain_on_wake(pipe)
      schedule_drain()
    else
      pipe:close()
      S.watcher = poll_queue(handle, tostring(why))
    end
  end)
  if not req then
    pipe:close()
    return poll_queue(handle, "cannot connect to the wake-up pipe: " .. tostring(err))
  end
  return pipe
end

--- Calls `schedule_drain` whenever events wait: a pipe the native module rings when its queue
--- stops being empty (a descriptor it gives, or on Windows a named pipe it serves), or, when
--- neither can be had, a timer that looks at the queue.
---@return uv.uv_pipe_t|uv.uv_timer_t|nil
local function watch(handle)
  local fd = handle:wake_fd()
  if fd then
    local pipe = vim.uv.new_pipe(false)
    if pipe then
      pipe:open(fd)
      drain_on_wake(pipe)
    end
    return pipe
  end
  local name, why = handle:wake_pipe()
  if name then
    return connect_wake_pipe(handle, name)
  end
  return poll_queue(handle, why)
end

local function stop_watching()
  if S.watcher then
    S.watcher:close()
    S.watcher, S.wake, S.wake_problem = nil, nil, nil
  end
  if S.timer then
    S.timer:stop()
    S.timer:close()
    S.timer = nil
  end
  S.draining = false
end

--- Sets what the drain fills: the log window's history (set by the wiring).
---@param consumer unity.LogConsumer
function M.attach(consumer)
  S.consumer = consumer
end

--- Where the drain counts errors by the place in the project's code that raised them
--- (`unity.runtime`, set by the wiring).
---@class unity.SitesConsumer
---@field store fun(): userdata|nil  the native store of sites (`unity_native.sites()`)
---@field changed fun()              called after a slice that changed sites

---@param consumer unity.SitesConsumer
function M.attach_sites(consumer)
  S.sites = consumer
end

--- A failure worded for the user, and its kind.
---@param failure unity.Failure
---@return nil, string, string
local function failed(failure)
  return nil, messages.failure(failure), failure.kind
end

--- Connects to the Unity project holding `dir` (default: the current directory). Unity need not
--- be running: the connection waits for it and follows its restarts and reloads.
---@param dir? string
---@param force? boolean  take over even when already connected elsewhere
---@return boolean|nil ok, string|nil err, string|nil kind
function M.connect(dir, force)
  local root = project.find(dir)
  if not root then
    return failed({ kind = "no_project", path = dir })
  end
  -- Every entry point (the facade, plugin/unity.lua) loads lua/unity/wiring.lua first, which
  -- attaches the log: only a caller of the internal modules alone can get here unwired.
  local consumer = assert(S.consumer, "unity.nvim: connect through require('unity'), which wires the log first")
  if S.handle and S.project == root and not force then
    return true
  end
  local native, err = require("unity.native").get()
  if not native then
    return nil, err, "native" -- worded by unity.native, which knows how the module is built
  end
  M.disconnect()
  local handle, cerr = native.connect(root, {
    queue_size = config.options.queue_size,
    book = consumer.book(), -- log messages are laid out with its look, on the reader thread
    client = "unity.nvim " .. require("unity.native").version,
    force = force == true,
  })
  if not handle then
    return failed(cerr)
  end
  local timer = vim.uv.new_timer()
  local watcher = timer and watch(handle)
  if not watcher then
    if timer then
      timer:close()
    end
    handle:close()
    return failed({ kind = "no_watcher" })
  end
  S.handle, S.project, S.watcher, S.timer = handle, root, watcher, timer
  S.lost, S.corrupt, S.errors, S.bye = 0, 0, 0, nil
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
  fail_pending({ kind = "disconnected" })
  S.connected, S.unity, S.pid, S.project = false, nil, nil, nil
  forget_editor()
end

--- Sends a command; see `require("unity").send`.
---@param name string
---@param args? table
---@param on_reply? fun(reply: unity.Reply)
---@return integer|nil id, string|nil err, string|nil kind
function M.send(name, args, on_reply)
  if type(name) ~= "string" or name == "" then
    return failed({ kind = "no_name" })
  end
  if args ~= nil and type(args) ~= "table" then
    return failed({ kind = "bad_args", name = name, type = type(args) })
  end
  if on_reply ~= nil and not vim.is_callable(on_reply) then
    return failed({ kind = "bad_callback" })
  end
  if not S.handle then
    local ok, err, kind = M.connect()
    if not ok then
      return nil, err, kind
    end
  end
  local id, failure = assert(S.handle, "connected"):send(name, args)
  if not id then
    failure.name, failure.project = name, S.project
    return failed(failure)
  end
  if on_reply then
    S.pending[id] = { name = name, cb = on_reply }
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
    debug = S.debug,
    optimization = S.optimization,
    lost = S.lost,
    corrupt = S.corrupt,
    errors = S.errors,
  }
end

--- How Neovim learns that events wait, for :checkhealth and tests: `how` is "pipe" (the
--- module rings it), "connecting" (Windows, until the pipe is connected) or "timer" (the queue
--- is looked at every POLL_MS ms), with `problem` saying why it is not a pipe.
---@return {how: string, problem: string|nil}|nil  nil while not connected
function M.wake()
  if not S.watcher then
    return nil
  end
  return { how = S.wake or "", problem = S.wake_problem }
end

--- Low-level details for :checkhealth and tests.
function M.handle()
  return S.handle
end

return M
