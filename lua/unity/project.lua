--- Finding the Unity project and reading the editor's session marker (doc/protocol.md §1).
local M = {}

local function is_project(dir)
  return vim.uv.fs_stat(dir .. "/ProjectSettings/ProjectVersion.txt") ~= nil and vim.uv.fs_stat(dir .. "/Assets") ~= nil
end

--- The Unity project folder holding `dir` (default: the current directory), or nil.
---@param dir? string
---@return string|nil
function M.find(dir)
  dir = vim.fs.normalize(vim.fn.fnamemodify(dir or vim.uv.cwd() or ".", ":p"))
  dir = dir:gsub("(.)/$", "%1")
  if is_project(dir) then
    return dir
  end
  for parent in vim.fs.parents(dir) do
    if is_project(parent) then
      return parent
    end
  end
  return nil
end

---@class unity.Session
---@field protocol integer
---@field pid integer
---@field unity string
---@field project string

--- Reads `Temp/NeovimBridge/session.json`.
---@param root string
---@return unity.Session|nil session, string|nil why  why: "missing", "stale" or a parse error
function M.session(root)
  local path = root .. "/Temp/NeovimBridge/session.json"
  local fd = io.open(path, "r")
  if not fd then
    return nil, "missing"
  end
  local text = fd:read("*a")
  fd:close()
  local ok, s = pcall(vim.json.decode, text)
  if not ok or type(s) ~= "table" or type(s.pid) ~= "number" then
    return nil, "unreadable " .. path
  end
  -- Signal 0 only asks whether the process exists.
  if
    vim.uv.kill(s.pid --[[@as integer]], 0) ~= 0
  then
    return s, "stale"
  end
  return s, nil
end

return M
