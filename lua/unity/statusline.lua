--- The connection's state in a few characters, for statuslines and the log window's bar: its own
--- module, below both the facade and the log window, which show it.
local M = {}

--- A short string for a statusline: "Unity ▶ 2E" and the like; empty when not in a project.
---@return string
function M.line()
  local s = require("unity.client").status()
  if not s.project then
    return ""
  end
  if not s.connected then
    return "Unity ○"
  end
  local parts = { "Unity" }
  if s.compiling then
    parts[#parts + 1] = "⚙"
  elseif s.paused then
    parts[#parts + 1] = "⏸"
  elseif s.playing then
    parts[#parts + 1] = "▶"
  else
    parts[#parts + 1] = "●"
  end
  if s.errors > 0 then
    parts[#parts + 1] = s.errors .. "E"
  end
  local tests = package.loaded["unity.test"]
  local progress = tests and tests.progress()
  if progress then
    parts[#parts + 1] = "⧗ " .. progress
  end
  return table.concat(parts, " ")
end

return M
