--- How an entry becomes buffer lines: a header line, then the rest of the message and the
--- stack trace indented beneath it (the view folds them). Nothing a message holds can break
--- the layout: rich-text tags go, control characters and escape sequences are replaced, and
--- very long lines are cut (the full text is one key away).
local M = {}

local LABEL = { log = "LOG ", warning = "WARN", error = "ERR ", exception = "EXC ", assert = "ASRT" }

--- Body lines start with this, which is also how folding and syntax tell them from headers.
M.indent = "  "
M.stack_indent = "    "

---@param s string
---@return string
function M.clean(s)
  -- Most lines hold nothing to clean: skip the patterns for them.
  if not s:find("[%c<\127]") then
    return s
  end
  s = s:gsub("\27%[[%d;?]*[%a@]", ""):gsub("\27[%]P][^\27\7]*[\27\7]?\\?", "")
  s = s:gsub("</?[biu]>", ""):gsub("</?color=?[^>]*>", ""):gsub("</?size=?[^>]*>", "")
  s = s:gsub("</?material=?[^>]*>", ""):gsub("<quad[^>]*>", "")
  return (s:gsub("[%z\1-\8\10-\31\127]", " "):gsub("\t", "    "))
end

--- Cuts `s` to `max` bytes on a character boundary, marking the cut.
---@param s string
---@param max integer
---@return string
function M.cut(s, max)
  if #s <= max then
    return s
  end
  local i = max
  -- Back up over UTF-8 continuation bytes.
  while i > 0 and s:byte(i + 1) and s:byte(i + 1) >= 0x80 and s:byte(i + 1) < 0xC0 do
    i = i - 1
  end
  return s:sub(1, i) .. string.format(" … (%d more bytes, K shows all)", #s - i)
end

local last_sec, last_clock
local function clock(ms)
  if not ms then
    return "--:--:--.---"
  end
  local sec = math.floor(ms / 1000)
  if sec ~= last_sec then
    last_sec, last_clock = sec, os.date("%H:%M:%S", sec)
  end
  return string.format("%s.%03d", last_clock, ms % 1000)
end

--- Splits on "\n", dropping one "\r" before it and a trailing empty line.
---@param s string
---@return string[]
function M.split(s)
  if not s:find("\n", 1, true) then
    return s:find("%S") and { (s:gsub("\r$", "")) } or {}
  end
  local out = {}
  for line in (s .. "\n"):gmatch("([^\n]*)\n") do
    out[#out + 1] = line:gsub("\r$", "")
  end
  while #out > 0 and out[#out]:match("^%s*$") do
    out[#out] = nil
  end
  return out
end

--- The buffer lines of an entry.
---@param e unity.StoredEntry
---@param repeats integer   how many identical entries it stands for (collapse)
---@param max integer       longest line, in bytes
---@return string[]
function M.lines(e, repeats, max)
  if e.group == "marker" then
    return { "── " .. M.clean(e.message) .. " ──" }
  end
  local msg = M.split(e.message)
  local header = clock(e.time) .. " " .. (LABEL[e.level] or "LOG ") .. " " .. M.clean(msg[1] or "")
  if repeats > 1 then
    header = header .. string.format("  (×%d)", repeats)
  end
  local out = { M.cut(header, max) }
  for i = 2, #msg do
    out[#out + 1] = M.cut(M.indent .. M.clean(msg[i]), max)
  end
  if e.stack then
    for _, frame in ipairs(M.split(e.stack)) do
      out[#out + 1] = M.cut(M.stack_indent .. M.clean(frame), max)
    end
  end
  return out
end

return M
