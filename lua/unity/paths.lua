--- File paths as Unity and Neovim write them on every system: on Windows with drive letters,
--- `\` or `/`, and names that match whatever their case. Pure functions (no file system), so
--- that their Windows behaviour is tested on any system (`M.windows`).
local M = {}

--- Whether paths follow Windows' rules; tests set it.
M.windows = vim.fn.has("win32") == 1

--- Whether `path` is absolute: `/...`, or on Windows `C:/...`, `C:\...` and `\\server\...`.
---@param path string
---@return boolean
function M.is_absolute(path)
  if path:sub(1, 1) == "/" then
    return true
  end
  return M.windows and (path:match("^%a:[/\\]") ~= nil or path:sub(1, 2) == "\\\\")
end

--- `path` with `/` between its parts (Windows' `\` turned), `.` and `..` resolved.
---@param path string
---@return string
function M.normalize(path)
  if M.windows then
    path = path:gsub("\\", "/")
  end
  return vim.fs.normalize(path, { expand_env = false })
end

--- The absolute path of `file` as a message names it: absolute already, or relative to
--- `root` (the project), `./` or not.
---@param root string|nil
---@param file string
---@return string
function M.absolute(root, file)
  if not M.is_absolute(file) and root then
    file = root .. "/" .. file:gsub("^%.[/\\]", "")
  end
  return M.normalize(file)
end

--- What two names of one file have in common: normalized, and on Windows lower case.
---@param path string
---@return string
function M.key(path)
  path = M.normalize(path)
  return M.windows and path:lower() or path
end

--- Whether `a` and `b` name the same file by their text.
---@param a string
---@param b string
---@return boolean
function M.same(a, b)
  return M.key(a) == M.key(b)
end

--- `path` relative to `root` (with `/`) when it is inside it, else nil.
---@param root string
---@param path string
---@return string|nil
function M.inside(root, path)
  local r, p = M.key(root):gsub("/$", ""), M.normalize(path)
  if M.key(p):sub(1, #r + 1) == r .. "/" then
    return p:sub(#r + 2)
  end
  return nil
end

return M
