--- The log window's look, from the one table that says it (`log.look` in the options): what the
--- native logbook lays lines out with, and the syntax highlighting made from the same table,
--- so that nothing else knows the layout.
---
--- Highlighting is syntax, not extmarks: Neovim evaluates syntax only for the lines it draws,
--- while an extmark per part of every appended line would cost the flood's hot path several
--- API calls per message.
local config = require("unity.config")

local M = {}

--- `log.look` with `max_line`, as `unity_native.logbook` takes it; `%k` in `cut` is the key
--- that shows a whole entry.
---@return table
function M.native()
  local o = config.options.log
  local look = vim.deepcopy(o.look) --[[@as table]]
  local key = o.keys.show_full
  look.cut = key and look.cut:gsub("%%k", (key:gsub("%%", "%%%%"))) or look.cut:gsub(",? ?%%k[^%%)]*", "")
  look.max_line = o.max_line
  look.removed_one, look.removed_many = require("unity.messages").history_trimmed()
  return look
end

--- `s` as a Vim regex matching it literally (very nomagic), back to magic after it.
---@param s string
---@return string
local function literal(s)
  return "\\V" .. s:gsub("\\", "\\\\"):gsub("/", "\\/") .. "\\m"
end

--- The clock format as a regex: its digits, or the dashes shown when Unity sent no time.
---@param clock string
---@return string
local function clock_pattern(clock)
  local digits, dashes = {}, {}
  local widths = { H = 2, M = 2, S = 2, f = 3 }
  local i = 1
  while i <= #clock do
    local c = clock:sub(i, i)
    local spec = c == "%" and clock:sub(i + 1, i + 1) or nil
    if spec and widths[spec] then
      digits[#digits + 1] = string.rep("\\d", widths[spec])
      dashes[#dashes + 1] = string.rep("-", widths[spec])
      i = i + 2
    else
      local text = spec == "%" and "%" or c
      digits[#digits + 1], dashes[#dashes + 1] = literal(text), literal(text)
      i = i + (spec and 2 or 1)
    end
  end
  return "\\%(" .. table.concat(digits) .. "\\|" .. table.concat(dashes) .. "\\)"
end

--- The highlight group of each level's label (and, but for plain logs, of its line).
local LEVEL_GROUPS = {
  { "log", "UnityLogLog" },
  { "warning", "UnityLogWarning" },
  { "error", "UnityLogError" },
  { "exception", "UnityLogException" },
  { "assert", "UnityLogAssert" },
}

--- Defines the syntax of the current buffer from `log.look`.
function M.syntax()
  local look = config.options.log.look
  local function match(group, pattern, rest)
    vim.cmd(string.format("syntax match %s /%s/%s", group, pattern, rest and " " .. rest or ""))
  end
  local names = vim.tbl_map(function(g)
    return g[2]
  end, LEVEL_GROUPS)
  local start = "^"
  local contained = ""
  if look.clock ~= "" then
    match("UnityLogTime", "^" .. clock_pattern(look.clock), "nextgroup=" .. table.concat(names, ",") .. " skipwhite")
    start, contained = "", " contained"
  end
  local count_before, count_after = look.count:match("^(.-)%%d(.*)$")
  for _, g in ipairs(LEVEL_GROUPS) do
    local label = look.labels[g[1]]
    if label ~= "" then
      if g[1] == "log" then
        match(g[2], start .. literal(label), vim.trim(contained .. " nextgroup=UnityLogText"))
      else
        match(g[2], start .. literal(label) .. ".*", vim.trim(contained .. " contains=UnityLogCount"))
      end
    end
  end
  match("UnityLogText", ".*", "contained contains=UnityLogCount")
  if count_before and count_after then
    match("UnityLogCount", literal(count_before) .. "\\d\\+" .. literal(count_after) .. "$", "contained")
  end
  if look.stack_indent ~= "" then
    match("UnityLogStack", "^" .. literal(look.stack_indent) .. ".*", "contains=UnityLogLocation")
  end
  -- Unity's own text in a stack frame, not the layout.
  match("UnityLogLocation", "(at [^)<][^)]*)", "contained")
  local marker_before, marker_after = look.marker:match("^(.-)%%s(.*)$")
  if marker_before and marker_after then
    match("UnityLogMarker", "^" .. literal(marker_before) .. ".*" .. literal(marker_after) .. "$")
  end
end

return M
