-- hrtime instrumentation of the plugin from outside (no plugin file is edited): wraps the
-- module functions the drain path goes through and accumulates inclusive time per function,
-- plus the length of each drain slice (from handle:drain until the last wrapped call of that
-- slice returns). Used by nvim_bench.lua in mode "profile"; its figures are not the clean ones
-- (each wrapper costs about 0.1-0.2 us).
local uv = vim.uv
local P = {}

local t, n = {}, {}
local slices, slice_start, slice_end = {}, nil, nil
local drained, drain_calls = 0, 0

local function acc(name, dt)
  t[name] = (t[name] or 0) + dt
  n[name] = (n[name] or 0) + 1
end

local function close_slice()
  if slice_start and slice_end and slice_end > slice_start then
    slices[#slices + 1] = slice_end - slice_start
  end
  slice_start, slice_end = nil, nil
end

local function wrap(tbl, key, name)
  local f = tbl[key]
  if type(f) ~= "function" then
    return -- not (or no longer) part of the plugin: nothing to time
  end
  tbl[key] = function(...)
    local t0 = uv.hrtime()
    local a, b, c, d = f(...)
    local t1 = uv.hrtime()
    acc(name, t1 - t0)
    if slice_start then
      slice_end = t1
    end
    return a, b, c, d
  end
end

--- Wraps method `key` of a native userdata (in its metatable); `after(self, results...)` sees
--- each call's results.
local function wrap_method(ud, key, name, after)
  local mt = debug.getmetatable(ud)
  local index = mt.__index
  local function timed(orig)
    return function(self, ...)
      local t0 = uv.hrtime()
      local a, b = orig(self, ...)
      local t1 = uv.hrtime()
      acc(name, t1 - t0)
      if after then
        after(self, t0, t1, a, b)
      end
      return a, b
    end
  end
  if type(index) == "table" then
    index[key] = timed(index[key])
  else
    local cached
    mt.__index = function(self, k)
      local v = index(self, k)
      if k == key then
        cached = cached or timed(v)
        return cached
      end
      return v
    end
  end
end

local book

function P.before_open()
  book = require("unity.log").book()
  wrap_method(book, "flush", "  book:flush (trim + edits -> Lua tables)")
  local view = require("unity.log.view")
  wrap(view, "apply", "view.apply")
  wrap(view, "refresh_bars", "view.refresh_bars")
  wrap(require("unity.log"), "update", "log.update")
  wrap(vim.api, "nvim_buf_set_lines", "  nvim_buf_set_lines (in view.apply)")
  wrap(vim.api, "nvim_exec_autocmds", "nvim_exec_autocmds (User UnityLog)")
  wrap(vim.api, "nvim_set_option_value", "nvim_set_option_value")
  wrap(vim.api, "nvim_win_set_cursor", "nvim_win_set_cursor")
end

function P.after_open() end

--- handle:drain(book, ...) moves log messages into the book: time it, count what it moved.
function P.wrap_handle(h)
  wrap_method(h, "drain", "handle:drain (queue -> logbook)", function(_, t0, t1)
    close_slice()
    slice_start, slice_end = t0, t1
    local added = book:stats().added
    drained = drained + (added - (P.seen or added))
    P.seen = added
    drain_calls = drain_calls + 1
  end)
  P.seen = book:stats().added
end

function P.reset()
  t, n, slices, slice_start, slice_end = {}, {}, {}, nil, nil
  drained, drain_calls = 0, 0
end

function P.report()
  close_slice()
  local out = { functions = {}, events = drained, drains = drain_calls }
  for name, total in pairs(t) do
    out.functions[name] = {
      total_ms = total / 1e6,
      calls = n[name],
      us_per_event = drained > 0 and total / 1e3 / drained or 0,
    }
  end
  local sum, max = 0, 0
  for _, s in ipairs(slices) do
    sum = sum + s
    max = math.max(max, s)
  end
  out.slices = {
    count = #slices,
    total_ms = sum / 1e6,
    mean_ms = #slices > 0 and sum / #slices / 1e6 or 0,
    max_ms = max / 1e6,
    us_per_event = drained > 0 and sum / 1e3 / drained or 0,
  }
  return out
end

return P
