--- Source locations in Unity's text: stack frames `(at Assets/X.cs:12)`, compiler messages
--- `Assets/X.cs(12,5): error CS...`, and ` in /abs/path/X.cs:12`; relative to the project,
--- `./`-prefixed, or absolute. Only files that exist count.
local messages = require("unity.messages")

local M = {}

---@class unity.Location
---@field file string   absolute path
---@field line integer
---@field col integer

--- Candidate (path, line, col) triples found in one line of text, in order (parsed by the
--- native module, src/log/frames.rs, which the runtime exception sites share).
---@param s string
---@return {[1]: string, [2]: integer, [3]: integer}[]
function M.candidates(s)
  local native = require("unity.native").get()
  return native and native.locations(s) or {}
end

--- The absolute path of `path` when that file exists.
---@param root string|nil
---@param path string
---@param known? table<string, string|false>  answers remembered by `path`
---@return string|nil
function M.resolve(root, path, known)
  if known then
    if known[path] == nil then
      known[path] = M.resolve(root, path) or false
    end
    return known[path] or nil
  end
  path = path:gsub("\\", "/"):gsub("^%./", "")
  local abs = path
  if not (path:sub(1, 1) == "/" or path:match("^%a:/")) then
    if not root then
      return nil
    end
    abs = root .. "/" .. path
  end
  local st = vim.uv.fs_stat(abs)
  if st and st.type == "file" then
    return vim.fs.normalize(abs)
  end
  return nil
end

--- The first existing location in `lines`. `known` (path -> absolute path or false) remembers
--- what was resolved, for callers that resolve the same few files many times.
---@param root string|nil
---@param lines string[]
---@param known? table<string, string|false>
---@return unity.Location|nil
function M.first(root, lines, known)
  for _, s in ipairs(lines) do
    for _, c in ipairs(M.candidates(s)) do
      local file = M.resolve(root, c[1], known)
      if file then
        return { file = file, line = c[2], col = c[3] }
      end
    end
  end
  return nil
end

--- Opens `loc` where Unity's `open` would: the last used ordinary window (never the log window),
--- one already showing the file, or a new split.
---@param loc unity.Location
function M.open(loc)
  local ok, err = require("unity.open").show(loc.file, loc.line, loc.col)
  if not ok then
    messages.notify(messages.open_failed(loc.file, err), vim.log.levels.ERROR)
  end
end

return M
