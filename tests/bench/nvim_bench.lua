-- One benchmark scenario inside headless Neovim (see tests/bench/bench.py, which starts it as
--   nvim --headless --clean [--cmd "set rtp^=<repo>"] -c "luafile tests/bench/nvim_bench.lua"
-- with the scenario in environment variables). It runs on Neovim's real main loop (no vim.wait):
-- a coroutine drives the steps, callbacks resume it. The result is one JSON object written to
-- $BENCH_OUT; then Neovim quits. Every wait has a deadline ($BENCH_TIMEOUT_MS for the whole run).
--
-- Modes:
--   flood        the plugin, log window open; the peer floods $BENCH_COUNT messages ($BENCH_BATCHES times)
--   latency      the plugin; the peer sends $BENCH_COUNT messages at $BENCH_RATE per second
--   profile      flood, with hrtime instrumentation around the plugin's functions (from outside)
--   idle         the plugin connected to an idle peer; writes {ready} and stays (bench.py measures)
--   idle_wakeups the plugin connected to an idle peer: main-loop wake-ups per second
--   flood_lua, latency_lua, idle_lua: the same with the pure-Lua reader (tests/bench/lua_reader.lua)
--   tail         `:terminal tail -F` on a file the peer appends the same messages to
--   idle_plain   Neovim without the plugin, idle
--   open         $BENCH_COUNT `open` messages from the peer ($BENCH_PEER editor): from the frame
--                queued at the pipe to the cursor placed (User UnityOpen), one at a time
--   exceptions   the plugin; the peer throws $BENCH_COUNT exceptions at $BENCH_RATE per second from
--                20 places in Assets/Scripts (loaded in buffers): the main loop's stalls until the
--                runtime diagnostics count every one of them, and how long after the last they did
local uv = vim.uv
local E = vim.env
local mode = E.BENCH_MODE or "flood"
local out_path = assert(E.BENCH_OUT, "BENCH_OUT")
local project = E.BENCH_PROJECT
local peer_bin = E.BENCH_PEER
local count = tonumber(E.BENCH_COUNT or "200000")
local batches = tonumber(E.BENCH_BATCHES or "1")
local rate = tonumber(E.BENCH_RATE or "100")
local timeout_ms = tonumber(E.BENCH_TIMEOUT_MS or "120000")
local bench_dir = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")

local R = { mode = mode, pid = uv.os_getpid(), nvim = tostring(vim.version()) }
local peer ---@type vim.SystemObj|nil
local finished = false

local function write_out()
  local f = assert(io.open(out_path .. ".tmp", "w"))
  f:write(vim.json.encode(R))
  f:close()
  assert(os.rename(out_path .. ".tmp", out_path))
end

local function finish(err)
  if finished then
    return
  end
  finished = true
  if err then
    R.error = tostring(err)
  end
  pcall(write_out)
  if peer then
    pcall(function()
      peer:write("quit\n")
      peer:write(nil)
    end)
  end
  vim.schedule(function()
    vim.cmd("qall!")
  end)
end

-- The whole run has a deadline: a hang fails instead of hanging.
local watchdog = uv.new_timer()
watchdog:start(timeout_ms, 0, function()
  vim.schedule(function()
    finish(string.format("timed out after %d ms (mode %s)", timeout_ms, mode))
  end)
end)

local function rss_kb()
  -- Linux only; elsewhere (the Windows line under wine) no figure.
  if not uv.fs_stat("/proc/self/status") then
    return nil
  end
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then
      return tonumber(kb)
    end
  end
end

-- Coroutine plumbing: the scenario yields until an event of a given kind arrives.
local co
local queue = {}
local function post(kind, value)
  queue[#queue + 1] = { kind, value }
  if co and coroutine.status(co) == "suspended" then
    local ok, err = coroutine.resume(co)
    if not ok then
      finish(debug.traceback(co, err))
    end
  end
end

local function await(kind, what, ms)
  local deadline = uv.hrtime() + (ms or timeout_ms) * 1e6
  local t = uv.new_timer()
  t:start(
    ms or timeout_ms,
    0,
    vim.schedule_wrap(function()
      post("timeout", kind)
    end)
  )
  while true do
    for i, ev in ipairs(queue) do
      if ev[1] == kind then
        table.remove(queue, i)
        t:stop()
        t:close()
        return ev[2]
      end
    end
    if uv.hrtime() >= deadline then
      t:close()
      error("timed out waiting for " .. what, 0)
    end
    coroutine.yield()
  end
end

local function sleep(ms)
  local t = uv.new_timer()
  t:start(
    ms,
    0,
    vim.schedule_wrap(function()
      t:close()
      post("slept")
    end)
  )
  await("slept", "a sleep")
end

-- The peer (`unity-peer flood`): JSON lines on its stdout become "peer" events.
local function start_peer(args)
  local pending = ""
  local cmd = { peer_bin, "flood", "--max-secs", tostring(math.ceil(timeout_ms / 1000) + 30) }
  vim.list_extend(cmd, args)
  peer = vim.system(cmd, {
    stdin = true,
    stdout = function(_, data)
      if not data then
        return
      end
      pending = pending .. data
      while true do
        local line, rest = pending:match("^([^\n]*)\n(.*)$")
        if not line then
          break
        end
        pending = rest
        vim.schedule(function()
          local ok, obj = pcall(vim.json.decode, line)
          post("peer", ok and obj or { error = "bad peer output: " .. line })
        end)
      end
    end,
    stderr = function(_, data)
      if data then
        io.stderr:write(data)
      end
    end,
  }, function(obj)
    vim.schedule(function()
      if obj.code ~= 0 and not finished then
        finish(string.format("the peer exited with code %s", tostring(obj.code)))
      end
    end)
  end)
end

local function peer_msg(what)
  local m = await("peer", what)
  if m.error then
    error("peer: " .. m.error, 0)
  end
  return m
end

-- Main-loop stalls: a 1 ms repeating timer; lateness = gap between two ticks - 1 ms.
local Stall = { timer = uv.new_timer(), gaps = {} }
function Stall.start()
  Stall.gaps = {}
  local last = uv.hrtime()
  Stall.timer:start(1, 1, function()
    local now = uv.hrtime()
    Stall.gaps[#Stall.gaps + 1] = now - last
    last = now
  end)
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  local i = math.max(1, math.min(#sorted, math.ceil(p * #sorted)))
  return sorted[i]
end

function Stall.stop()
  Stall.timer:stop()
  local g = Stall.gaps
  local sum, max = 0, 0
  for _, v in ipairs(g) do
    sum = sum + v
    max = math.max(max, v)
  end
  table.sort(g)
  local late = function(ns)
    return math.max(0, ns / 1e6 - 1)
  end
  return {
    ticks = #g,
    max_stall_ms = late(max),
    mean_stall_ms = #g > 0 and late(sum / #g) or 0,
    p99_stall_ms = late(percentile(g, 0.99)),
    p50_stall_ms = late(percentile(g, 0.5)),
  }
end

local function latency_stats(lat)
  table.sort(lat)
  local sum = 0
  for _, v in ipairs(lat) do
    sum = sum + v
  end
  return {
    samples = #lat,
    p50_ms = percentile(lat, 0.5) / 1e6,
    p99_ms = percentile(lat, 0.99) / 1e6,
    max_ms = (lat[#lat] or 0) / 1e6,
    mean_ms = #lat > 0 and sum / #lat / 1e6 or 0,
  }
end

-- How messages are counted as they land in the buffer, whichever reader shows them.
local Seen = { received = 0, last_seq = 0, target = nil, lat = nil, lost_base = 0 }

local function check_done(lost)
  if Seen.target and not Seen.done then
    if Seen.last_seq >= Seen.target or Seen.received + (lost or 0) - Seen.lost_base >= Seen.expected then
      Seen.done = uv.hrtime()
      vim.schedule(function()
        post("done")
      end)
    end
  end
end

--- Called right after a batch of entries was put in the buffer (latency mode).
local function on_latency(entries)
  local now = uv.hrtime()
  for i = 1, #entries do
    local t = entries[i].message:match("^t=(%d+)")
    if t then
      Seen.lat[#Seen.lat + 1] = now - tonumber(t)
    end
  end
end

--- Called right after a batch of messages was put in the buffer (the baselines).
local function on_shown(entries, lost)
  for i = 1, #entries do
    local e = entries[i]
    if e.seq then
      Seen.received = Seen.received + 1
      if e.seq > Seen.last_seq then
        Seen.last_seq = e.seq
      end
    end
  end
  if Seen.lat then
    on_latency(entries)
  end
  check_done(lost)
end

-- Readers -------------------------------------------------------------------------------------

local Reader = {}

--- The plugin: the real client, the log window open; we watch what log.update puts in the
--- buffer (it applies the logbook's edits; the client calls it after every drained chunk).
function Reader.plugin(instrument)
  require("unity") -- the plugin as shipped: every subscriber of the connection loaded
  local log = require("unity.log")
  local client = require("unity.client")
  -- What-if experiments, from outside the plugin (BENCH_VARIANT, comma-separated):
  --   budget=<ms>, queue=<n>   options passed to setup()
  --   expanded                 every entry shown with its body and stack (zR)
  --   timer                    (Windows) no wake-up pipe: the client looks at the queue on its
  --                            16 ms fallback timer, as it did before the pipe
  local variant = {}
  for item in (E.BENCH_VARIANT or ""):gmatch("[^,]+") do
    local k, v = item:match("^([%w_]+)=?(.*)$")
    variant[k] = v ~= "" and v or true
  end
  R.variant = E.BENCH_VARIANT
  local opts = {}
  if variant.budget then
    opts.drain_budget_ms = tonumber(variant.budget)
  end
  if variant.queue then
    opts.queue_size = tonumber(variant.queue)
  end
  if next(opts) then
    require("unity").setup(opts)
  end
  local o = require("unity.config").options
  R.config = { queue_size = o.queue_size, drain_budget_ms = o.drain_budget_ms, history = o.history }
  local prof = instrument and dofile(bench_dir .. "/profile.lua") or nil
  if prof then
    prof.before_open()
  end
  log.open()
  if variant.expanded then
    log.expand_all(true)
  end
  local book = log.book()
  local update = log.update
  local seen = book:stats()
  log.update = function()
    update()
    local now = book:stats()
    if now.added > seen.added then
      Seen.received = Seen.received + now.added - seen.added
      Seen.last_seq = math.max(Seen.last_seq, now.last_seq)
      if Seen.lat then
        on_latency(book:entries(seen.last_id + 1))
      end
    end
    seen = now
    check_done(client.status().lost)
  end
  if prof then
    prof.after_open()
  end
  return {
    connect = function()
      if variant.timer then
        -- The client's next libuv pipe is its wake-up pipe: without it, the timer takes over.
        local new_pipe = uv.new_pipe
        uv.new_pipe = function()
          uv.new_pipe = new_pipe
          return nil
        end
      end
      local ok, err = client.connect(project)
      assert(ok, err)
      if prof then
        prof.wrap_handle(client.handle())
      end
    end,
    connected = function()
      return client.status().connected
    end,
    lost = function()
      return client.status().lost
    end,
    extra = function()
      local h = client.handle()
      local st = h and h:stats() or {}
      return {
        stats = st,
        status = client.status(),
        wake = client.wake(),
        counts = log.counts(),
        profile = prof and prof.report(),
      }
    end,
    reset_profile = function()
      if prof then
        prof.reset()
      end
    end,
  }
end

function Reader.lua()
  local reader = dofile(bench_dir .. "/lua_reader.lua")
  local r = reader.new(project .. "/Temp/NeovimBridge/unity-to-nvim", on_shown)
  return {
    connect = function()
      -- Open once the peer (unity-peer editor) made the FIFO (it waits for a reader before writing).
      local deadline = uv.hrtime() + 10e9
      while not uv.fs_stat(project .. "/Temp/NeovimBridge/session.json") do
        if uv.hrtime() > deadline then
          error("the peer made no rendezvous", 0)
        end
        sleep(5)
      end
      assert(r:start())
    end,
    connected = function()
      return r.hello ~= nil
    end,
    lost = function()
      return r.corrupt
    end,
    extra = function()
      return { corrupt = r.corrupt, bytes = r.bytes }
    end,
    reset_profile = function() end,
  }
end

-- Scenarios -----------------------------------------------------------------------------------

local function wait_connected(rd)
  local deadline = uv.hrtime() + 15e9
  while not rd.connected() do
    if uv.hrtime() > deadline then
      error("never connected", 0)
    end
    sleep(5)
  end
end

local function flood(rd, with_latency)
  start_peer({
    "--project",
    project,
    "--count",
    tostring(count),
    "--mode",
    with_latency and "latency" or "flood",
    "--rate",
    tostring(rate),
  })
  rd.connect()
  local ready = peer_msg("the peer's ready")
  assert(ready.ready, "peer not ready")
  wait_connected(rd)
  sleep(300)
  collectgarbage("collect")
  R.rss_before_kb = rss_kb()
  R.batches = {}
  for b = 1, with_latency and 1 or batches do
    rd.reset_profile()
    local before = rd.lost()
    Seen.received, Seen.done, Seen.lost_base = 0, nil, before
    Seen.expected = count
    Seen.target = (b - 1) * count + count -- seq of the batch's last message
    Seen.lat = with_latency and {} or nil
    Stall.start()
    peer:write("go\n")
    local sent = peer_msg("the peer's report")
    await("done", "the last message in the buffer")
    local stall = Stall.stop()
    local rss = rss_kb()
    local secs = (Seen.done - sent.t_first_ns) / 1e9
    -- Losses are reported once the queue has room again: let it settle before reading them.
    sleep(300)
    local res = {
      received = Seen.received,
      lost = rd.lost() - before,
      secs = secs,
      msgs_per_s = Seen.received / secs,
      offered_per_s = count / secs,
      peer_write_s = sent.write_s,
      peer_eagain = sent.eagain,
      peer_bytes = sent.bytes,
      stall = stall,
      rss_kb = rss,
    }
    if with_latency then
      res.latency = latency_stats(Seen.lat)
    end
    res.extra = rd.extra()
    R.batches[b] = res
  end
  collectgarbage("collect")
  R.rss_after_gc_kb = rss_kb()
  finish()
end

local function idle(rd)
  start_peer({ "--project", project, "--mode", "idle" })
  rd.connect()
  assert(peer_msg("the peer's ready").ready)
  wait_connected(rd)
  R.ready = true
  R.rss_kb = rss_kb()
  write_out()
  -- bench.py measures /proc/<pid> from outside now, then kills this process group.
end

--- How often the main loop wakes while connected to an idle editor: iterations of the loop
--- (a check handle runs once after every poll) over $BENCH_IDLE_MS.
local function idle_wakeups(rd)
  start_peer({ "--project", project, "--mode", "idle" })
  rd.connect()
  assert(peer_msg("the peer's ready").ready)
  wait_connected(rd)
  sleep(500)
  local ms = tonumber(E.BENCH_IDLE_MS or "3000")
  local n = 0
  local check = assert(uv.new_check())
  check:start(function()
    n = n + 1
  end)
  sleep(ms)
  check:close()
  R.wakeups_per_s = n / (ms / 1000)
  R.extra = rd.extra()
  finish()
end

local function tail()
  local file = project .. "/Editor.log"
  assert(io.open(file, "w")):close()
  vim.o.columns, vim.o.lines = 400, 40
  vim.cmd("enew")
  vim.fn.jobstart({ "tail", "-n", "+1", "-F", file }, { term = true })
  local buf = vim.api.nvim_get_current_buf()
  sleep(500)
  start_peer({ "--text", file, "--count", tostring(count), "--mode", "flood" })
  assert(peer_msg("the peer's ready").ready)
  collectgarbage("collect")
  R.rss_before_kb = rss_kb()
  local needle = "(#" .. count .. ")"
  local poll = uv.new_timer()
  local t_seen
  poll:start(
    5,
    5,
    vim.schedule_wrap(function()
      local n = vim.api.nvim_buf_line_count(buf)
      for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, math.max(0, n - 80), n, false)) do
        if l:find(needle, 1, true) then
          t_seen = uv.hrtime()
          poll:stop()
          post("done")
          return
        end
      end
    end)
  )
  Stall.start()
  peer:write("go\n")
  local sent = peer_msg("the peer's report")
  await("done", "the last line in the terminal")
  local stall = Stall.stop()
  local secs = (t_seen - sent.t_first_ns) / 1e9
  R.batches = {
    {
      received = count,
      secs = secs,
      msgs_per_s = count / secs,
      peer_write_s = sent.write_s,
      peer_bytes = sent.bytes,
      stall = stall,
      rss_kb = rss_kb(),
    },
  }
  finish()
end

--- Unity's `open` at the pipe to the cursor placed. The peer (unity-peer editor)'s reply to `sim.open`
--- carries CLOCK_MONOTONIC when it queued the frame (uv.hrtime's clock on Linux); UnityOpen
--- fires once the cursor is placed. Three files in turn, the log window open, as in use; each
--- jump is drawn before the next open, as a Neovim with a screen does.
local function open_latency()
  local files = {}
  for i = 1, 3 do
    local lines = {}
    for l = 1, 2000 do
      lines[l] = string.format("    public int Field%d = %d; // file %d", l, l, i)
    end
    files[i] = project .. "/Assets/Scripts/Script" .. i .. ".cs"
    vim.fn.writefile(lines, files[i])
  end
  local sim = vim.system({ peer_bin, "editor", "--project", project, "--rate", "0" })
  require("unity") -- wires the log window to the client before it connects
  local client = require("unity.client")
  assert(client.connect(project))
  wait_connected({
    connected = function()
      return client.status().connected
    end,
  })
  require("unity.log").open()
  local placed
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityOpen",
    callback = function()
      placed = uv.hrtime()
    end,
  })
  local lat, drawn = {}, {}
  for i = 1, count do
    placed = nil
    local line = (i * 7919) % 2000 + 1
    assert(require("unity").send("sim.open", { file = files[i % 3 + 1], line = line, col = 5 }, function(reply)
      post("reply", reply)
    end))
    local reply = await("reply", "the reply to sim.open", 10000)
    assert(reply.ok and placed, "sim.open was not handled: " .. tostring(reply.error))
    assert(vim.api.nvim_win_get_cursor(0)[1] == line, "cursor not on the line")
    lat[#lat + 1] = placed - reply.result.queued_ns
    -- A Neovim with a screen draws the jump at once, before Unity's next open (a double-click
    -- each, seconds apart) comes; headless, it would draw only when the next event arrives, and
    -- the syntax of the last jump's screen would be counted in the next open's time.
    vim.cmd.redraw()
    drawn[#drawn + 1] = uv.hrtime() - reply.result.queued_ns
  end
  R.open = latency_stats(vim.list_slice(lat))
  -- Without the first open of each file (reading it, filetype, syntax): a file already loaded.
  R.open_loaded = latency_stats(vim.list_slice(lat, 4))
  -- To the jump drawn (syntax included): what the user waits for, beyond the target's scope.
  R.open_drawn = latency_stats(drawn)
  sim:kill("sigterm")
  sim:wait(5000)
  finish()
end

--- The sum of the counts the runtime diagnostics show ("… ×37, last 12:04:31").
local function counted_exceptions(ns)
  local n, diags = 0, vim.diagnostic.get(nil, { namespace = ns })
  for _, d in ipairs(diags) do
    n = n + tonumber(d.message:match("×(%d+)") or 0)
  end
  return n, #diags
end

local function exceptions()
  for k = 0, 19 do
    local file = project .. "/Assets/Scripts/Enemy" .. k .. ".cs"
    vim.fn.writefile(vim.fn["repeat"]({ "// code" }, 40), file)
    vim.fn.bufload(vim.fn.bufadd(file))
  end
  local rd = Reader.plugin(false)
  local ns = require("unity.runtime").ns
  start_peer({
    "--project",
    project,
    "--count",
    tostring(count),
    "--mode",
    "rate",
    "--rate",
    tostring(rate),
    "--kind",
    "exceptions",
  })
  rd.connect()
  assert(peer_msg("the peer's ready").ready, "peer not ready")
  wait_connected(rd)
  sleep(300)
  local before = rd.lost()
  Seen.received, Seen.done, Seen.lost_base = 0, nil, before
  Seen.expected, Seen.target = count, count
  Stall.start()
  peer:write("go\n")
  local sent = peer_msg("the peer's report")
  await("done", "the last message in the buffer")
  local lost = rd.lost() - before
  local deadline = uv.hrtime() + 10e9
  while counted_exceptions(ns) < count - 1 - lost do
    if uv.hrtime() > deadline then
      error(string.format("the diagnostics counted %d of %d exceptions", counted_exceptions(ns), count - 1), 0)
    end
    sleep(1)
  end
  local complete = uv.hrtime()
  local stall = Stall.stop()
  local n, sites = counted_exceptions(ns)
  R.exceptions = {
    thrown = count - 1,
    lost = lost,
    counted = n,
    sites = sites,
    offered_per_s = (count - 1) / ((sent.t_last_ns - sent.t_first_ns) / 1e9),
    complete_after_last_ms = (complete - Seen.done) / 1e6,
    stall = stall,
  }
  finish()
end

local scenarios = {
  open = open_latency,
  exceptions = exceptions,
  flood = function()
    flood(Reader.plugin(false), false)
  end,
  profile = function()
    flood(Reader.plugin(true), false)
  end,
  latency = function()
    flood(Reader.plugin(false), true)
  end,
  idle = function()
    idle(Reader.plugin(false))
  end,
  idle_wakeups = function()
    idle_wakeups(Reader.plugin(false))
  end,
  flood_lua = function()
    flood(Reader.lua(), false)
  end,
  latency_lua = function()
    flood(Reader.lua(), true)
  end,
  idle_lua = function()
    idle(Reader.lua())
  end,
  tail = tail,
  idle_plain = function()
    R.ready = true
    R.rss_kb = rss_kb()
    write_out()
  end,
}

co = coroutine.create(function()
  local run = scenarios[mode]
  if not run then
    error("unknown BENCH_MODE " .. mode, 0)
  end
  run()
end)
vim.schedule(function()
  local ok, err = coroutine.resume(co)
  if not ok then
    finish(debug.traceback(co, err))
  end
end)
