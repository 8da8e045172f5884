-- `make bench`, step "filters": what one filter, level, scope or collapse change costs on a
-- 100 000-entry history, including applying its edits to the log buffer, next to rewriting as
-- many lines with one nvim_buf_set_lines in the same Neovim (the yardstick that makes the
-- figure hold on a loaded machine). Three figures per change: the keystroke's own time (the
-- call), the longest the main loop was kept from keys and redraws until the whole buffer
-- showed the change (gaps between the ticks of a 1 ms timer, the call included), and the
-- time until then. Only public functions of the log window are called, so the same script
-- measures an older checkout (which shows a change within the call).
--
-- nvim --headless --clean --cmd "set rtp^=<plugin>" -l tests/bench/filter_bench.lua
-- Prints one JSON line. BENCH_HISTORY (100000), BENCH_REPEAT (5).
local history = tonumber(vim.env.BENCH_HISTORY) or 100000
local repeats = tonumber(vim.env.BENCH_REPEAT) or 5
local hrtime = vim.uv.hrtime

require("unity").setup({ auto_connect = false, history = history })
local log = require("unity.log")

-- A console's mix: mostly logs, some warnings and errors, a fifth with stack traces, and
-- two fifths from a few hundred repeated messages (what collapsing folds).
local entries = {}
for i = 1, history do
  local level = i % 20 == 0 and "error" or i % 10 == 0 and "warning" or "log"
  local message = i % 5 < 2 and string.format("Enemy %d spawned at (%d, %d)", i % 300, i % 7, i % 11)
    or string.format("Frame %d took %.2f ms", i, (i % 97) / 7)
  local stack = i % 5 == 0
      and "Game.Spawner:Spawn () (at Assets/Scripts/Spawner.cs:42)\nGame.Loop:Tick () (at Assets/Scripts/Loop.cs:7)"
    or nil
  entries[#entries + 1] = { seq = i, time = 1700000000000 + i, level = level, message = message, stack = stack }
  if #entries == 5000 or i == history then
    log.append(entries)
    entries = {}
  end
  if i == history / 2 then
    log.mark("compile")
  end
end
log.open()
local buf = log.buf()

--- Whether the log window still shows part of the last change (later checkouts show it in
--- slices of the main loop).
local function reshowing()
  return log.reshowing and log.reshowing() or false
end
vim.wait(10000, function()
  return not reshowing()
end, 1)

local function ms(t0)
  return (hrtime() - t0) / 1e6
end

local function median(xs)
  table.sort(xs)
  return xs[math.ceil(#xs / 2)]
end

-- The yardstick: the buffer's lines (all entries shown) rewritten at once into a scratch
-- buffer set up like the log buffer.
local all = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local scratch = vim.api.nvim_create_buf(false, true)
vim.bo[scratch].undolevels = -1
vim.api.nvim_buf_set_lines(scratch, 0, -1, false, all)
local function rewrite()
  local t0 = hrtime()
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, all)
  return ms(t0)
end

local changes = {
  {
    "level: hide errors",
    function()
      log.toggle_level("error")
    end,
  },
  {
    "level: show errors",
    function()
      log.toggle_level("error")
    end,
  },
  {
    "level: hide warnings",
    function()
      log.toggle_level("warning")
    end,
  },
  {
    "level: show warnings",
    function()
      log.toggle_level("warning")
    end,
  },
  {
    "level: hide logs",
    function()
      log.toggle_level("log")
    end,
  },
  {
    "level: show logs",
    function()
      log.toggle_level("log")
    end,
  },
  {
    "text: 'enemy 1'",
    function()
      log.set_filter({ text = "enemy 1" })
    end,
  },
  {
    "text: cleared",
    function()
      log.set_filter({ text = false })
    end,
  },
  {
    "scope: since compile",
    function()
      log.set_filter({ scope = "compile" })
    end,
  },
  {
    "scope: all",
    function()
      log.set_filter({ scope = "all" })
    end,
  },
  {
    "collapse: on",
    function()
      log.toggle_collapse()
    end,
  },
  {
    "collapse: off",
    function()
      log.toggle_collapse()
    end,
  },
}

--- Runs change `fn` and the main loop until the buffer shows all of it: the call's time, the
--- longest stall (the call, or a gap between ticks of a 1 ms timer), and the time until done.
local function measure(fn)
  local ticker = assert(vim.uv.new_timer())
  local last, longest = nil, 0
  ticker:start(1, 1, function()
    local now = hrtime()
    longest = math.max(longest, (now - last) / 1e6)
    last = now
  end)
  local t0 = hrtime()
  fn()
  local call = ms(t0)
  last = hrtime()
  assert(
    vim.wait(10000, function()
      return not reshowing()
    end, 1),
    "the change was shown"
  )
  local done = ms(t0)
  ticker:stop()
  ticker:close()
  return call, math.max(call, longest), done
end

local out = { history = history, lines = #all, repeats = repeats, changes = {} }
local rewrites = {}
local times = {}
for _ = 1, repeats do
  rewrites[#rewrites + 1] = rewrite()
  for i, c in ipairs(changes) do
    local call, stall, done = measure(c[2])
    times[i] = times[i] or { call = {}, stall = {}, done = {} }
    table.insert(times[i].call, call)
    table.insert(times[i].stall, stall)
    table.insert(times[i].done, done)
  end
  assert(vim.api.nvim_buf_line_count(buf) == #all, "back to every entry after each round")
end
out.rewrite_ms = median(rewrites)
local worst = 0
for i, c in ipairs(changes) do
  local t = times[i]
  local stall = median(t.stall)
  worst = math.max(worst, stall)
  out.changes[#out.changes + 1] = {
    name = c[1],
    call_ms = median(t.call),
    stall_ms = stall,
    stall_max_ms = math.max(unpack(t.stall)),
    done_ms = median(t.done),
    vs_rewrite = stall / out.rewrite_ms,
    done_vs_rewrite = median(t.done) / out.rewrite_ms,
  }
end
out.worst_stall_ms = worst
out.worst_vs_rewrite = worst / out.rewrite_ms
io.stdout:write(vim.json.encode(out), "\n")
