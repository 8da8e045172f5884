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

function P.before_open()
  local store_mod = require("unity.log.store")
  local new = store_mod.new
  store_mod.new = function(...)
    local s = new(...)
    local Store = getmetatable(s)
    wrap(Store, "add", "store:add")
    wrap(Store, "trim", "store:trim")
    return s
  end
  local view = require("unity.log.view")
  wrap(view, "append", "view.append")
  wrap(view, "trim", "view.trim")
  wrap(view, "refresh_bars", "view.refresh_bars")
  wrap(view, "foldexpr", "view.foldexpr")
  local text = require("unity.log.text")
  wrap(text, "lines", "text.lines")
  wrap(text, "clean", "  text.clean (in text.lines)")
  wrap(text, "split", "  text.split (in text.lines)")
  wrap(text, "cut", "  text.cut (in text.lines)")
  wrap(require("unity.log"), "append", "log.append")
  wrap(vim.api, "nvim_buf_set_lines", "nvim_buf_set_lines")
  wrap(vim.api, "nvim_exec_autocmds", "nvim_exec_autocmds (User UnityLog)")
  wrap(vim.api, "nvim_set_option_value", "nvim_set_option_value")
  wrap(vim.api, "nvim_win_set_cursor", "nvim_win_set_cursor")
end

function P.after_open() end

--- handle:drain is a method of the native userdata: wrap it in the userdata's metatable.
function P.wrap_handle(h)
  local mt = debug.getmetatable(h)
  local index = mt.__index
  local function timed(orig)
    return function(self, ...)
      close_slice()
      local t0 = uv.hrtime()
      local events, more = orig(self, ...)
      local t1 = uv.hrtime()
      acc("handle:drain (queue + Rust->Lua tables)", t1 - t0)
      slice_start, slice_end = t0, t1
      drained = drained + #events
      drain_calls = drain_calls + 1
      return events, more
    end
  end
  if type(index) == "table" then
    index.drain = timed(index.drain)
  else
    local cached
    mt.__index = function(self, k)
      local v = index(self, k)
      if k == "drain" then
        cached = cached or timed(v)
        return cached
      end
      return v
    end
  end
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
