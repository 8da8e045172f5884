-- `make bench`, step "tests": 10 000 test results streamed in one run by the peer
-- (`unity-peer editor --test-flood 10000`, every tenth failing with a stack into one of 50 test files, one of
-- them open in a buffer: 20 failures, 40 diagnostics there). Measures the longest main-loop stall while they arrive (a 1 ms
-- repeating timer; lateness = gap - 1 ms, as nvim_bench.lua's floods), the same gaps in the main
-- thread's CPU time (CLOCK_THREAD_CPUTIME_ID: what the main loop itself spent, without the time
-- a loaded machine kept it off the CPU), and the time from the last result handled to the
-- quickfix list and the open buffer's diagnostics complete.
--
-- [BENCH_PEER=<unity-peer>] nvim --headless --clean --cmd "set rtp^=<plugin>" -l tests/bench/tests_bench.lua
-- Prints one JSON line. BENCH_TESTS (10000).
local uv = vim.uv
local count = tonumber(vim.env.BENCH_TESTS) or 10000
local peer_bin = vim.env.BENCH_PEER
  or vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h") .. "/target/release/unity-peer"
local FILES, FAIL_EVERY = 50, 10

local project = vim.fn.tempname()
for _, d in ipairs({ "/Assets/Tests", "/ProjectSettings" }) do
  vim.fn.mkdir(project .. d, "p")
end
vim.fn.writefile({ "m_EditorVersion: 2022.3.0f1" }, project .. "/ProjectSettings/ProjectVersion.txt")
project = uv.fs_realpath(project)
-- The files the stacks point into (source locations count only when the file exists).
local lines = {}
for l = 1, 4010 do
  lines[l] = "        // line " .. l
end
for f = 0, FILES - 1 do
  vim.fn.writefile(lines, string.format("%s/Assets/Tests/Flood%dTests.cs", project, f))
end

require("unity").setup({ auto_connect = false })
vim.notify = function() end -- the summary would land on stdout, where the JSON goes
local peer = vim.system({
  peer_bin,
  "editor",
  "--project",
  project,
  "--rate",
  "0",
  "--test-flood",
  tostring(count),
  "--fail-every",
  tostring(FAIL_EVERY),
})
local function finish(out)
  peer:kill("sigterm")
  peer:wait(5000)
  vim.fn.delete(project, "rf")
  io.stdout:write(vim.json.encode(out), "\n")
  os.exit(out.error and 1 or 0)
end
local function wait(what, cond, ms)
  if not vim.wait(ms or 30000, cond, 1) then
    finish({ error = "timed out waiting for " .. what })
  end
end

wait("the peer", function()
  return uv.fs_stat(project .. "/Temp/NeovimBridge/session.json") ~= nil
end)
vim.cmd.cd(project)
assert(require("unity.client").connect(project))
wait("the connection", function()
  return require("unity").status().connected
end)
-- Test i is in fixture i % 50 and fails when (i / 50) % 10 == 9 (tools/src/bin/unity_peer/test_flood.rs).
vim.cmd.edit(project .. "/Assets/Tests/Flood9Tests.cs")
local buf = vim.api.nvim_get_current_buf()
local failures = math.floor(count / FAIL_EVERY)
local in_buffer = 0
for i = 0, count - 1 do
  if i % FILES == 9 and math.floor(i / FILES) % FAIL_EVERY == FAIL_EVERY - 1 then
    in_buffer = in_buffer + 2 -- at the assertion and at the method
  end
end

local ns = require("unity.test").ns
local handled, t_first, t_last, t_complete = 0, nil, nil, nil
vim.api.nvim_create_autocmd("User", {
  pattern = "UnityTestFinished",
  callback = function()
    handled = handled + 1
    t_first = t_first or uv.hrtime()
    if handled == count then
      t_last = uv.hrtime()
    end
  end,
})
-- Completion, seen from outside: a 1 ms poll of the quickfix list and the buffer's diagnostics.
local poll = uv.new_timer()
poll:start(
  1,
  1,
  vim.schedule_wrap(function()
    if t_last and not t_complete then
      local qf = vim.fn.getqflist({ title = 0, size = 0 })
      local diags = #vim.diagnostic.get(buf, { namespace = ns })
      if qf.title == "Unity tests" and qf.size == failures and diags == in_buffer then
        t_complete = uv.hrtime()
      end
    end
  end)
)
local ffi = require("ffi")
ffi.cdef("struct h12_timespec { long tv_sec; long tv_nsec; }; int clock_gettime(int, struct h12_timespec *);")
local ts = ffi.new("struct h12_timespec")
local function thread_cpu_ns()
  ffi.C.clock_gettime(3, ts) -- CLOCK_THREAD_CPUTIME_ID
  return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
end
local gaps, cpu_gaps, last_tick, last_cpu = {}, {}, uv.hrtime(), thread_cpu_ns()
local stall = uv.new_timer()
stall:start(1, 1, function()
  local now, cpu = uv.hrtime(), thread_cpu_ns()
  gaps[#gaps + 1] = now - last_tick
  cpu_gaps[#cpu_gaps + 1] = cpu - last_cpu
  last_tick, last_cpu = now, cpu
end)

local summary
require("unity").test({}, function(s)
  summary = s
end)
wait("the run's end", function()
  return summary and t_complete
end, 120000)
stall:stop()
poll:stop()
table.sort(gaps)
table.sort(cpu_gaps)
finish({
  results = handled,
  failed = summary.failed,
  quickfix_items = vim.fn.getqflist({ size = 0 }).size,
  diagnostics_in_buffer = #vim.diagnostic.get(buf, { namespace = ns }),
  secs = (t_last - t_first) / 1e9,
  results_per_s = count / ((t_last - t_first) / 1e9),
  max_stall_ms = math.max(0, gaps[#gaps] / 1e6 - 1),
  max_busy_cpu_ms = cpu_gaps[#cpu_gaps] / 1e6,
  p99_busy_cpu_ms = cpu_gaps[math.ceil(#cpu_gaps * 0.99)] / 1e6,
  p99_stall_ms = math.max(0, gaps[math.ceil(#gaps * 0.99)] / 1e6 - 1),
  complete_after_last_ms = (t_complete - t_last) / 1e6,
})
