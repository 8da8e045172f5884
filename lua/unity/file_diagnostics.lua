--- Diagnostics kept by file: set on the buffers that show a file now, and on those that open
--- it later. Compile results, runtime exceptions and test failures each keep one set, in their
--- own namespace; they decide when diagnostics change and when to show them, this decides where.
local paths = require("unity.paths")

local M = {}

---@class unity.FileDiagnostics
---@field ns integer
---@field private by_file table<string, vim.Diagnostic[]>  absolute path (`paths.key`) -> its diagnostics
---@field private dirty table<string, true>  files changed since they were last shown
local Set = {}
Set.__index = Set

--- Every set, for buffers opened later.
---@type unity.FileDiagnostics[]
local sets = {}

--- A set of diagnostics in namespace `ns`.
---@param ns integer
---@return unity.FileDiagnostics
function M.new(ns)
  local self = setmetatable({ ns = ns, by_file = {}, dirty = {} }, Set)
  sets[#sets + 1] = self
  return self
end

--- Replaces the diagnostics of `file` (absolute, normalized); shown by the next `show`.
---@param file string
---@param diags vim.Diagnostic[]
function Set:set(file, diags)
  file = paths.key(file)
  self.by_file[file] = diags
  self.dirty[file] = true
end

--- Adds one diagnostic to those of `file`; shown by the next `show`.
---@param file string
---@param diag vim.Diagnostic
function Set:add(file, diag)
  file = paths.key(file)
  local list = self.by_file[file] or {}
  self.by_file[file] = list
  list[#list + 1] = diag
  self.dirty[file] = true
end

--- Whether some file changed since it was last shown.
---@return boolean
function Set:pending()
  return next(self.dirty) ~= nil
end

--- Sets the diagnostics of the files changed since they were last shown on the buffers loaded
--- with them. With `deadline` (a `vim.uv.hrtime()`), stops once it has passed and leaves the
--- other files pending.
---@param deadline? number
function Set:show(deadline)
  if not next(self.dirty) then
    return
  end
  local bufs = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_is_loaded(b) and vim.api.nvim_buf_get_name(b) or ""
    if name ~= "" then
      name = paths.key(name)
      bufs[name] = bufs[name] or {}
      table.insert(bufs[name], b)
    end
  end
  for file in pairs(self.dirty) do
    for _, b in ipairs(bufs[file] or {}) do
      vim.diagnostic.set(self.ns, b, self.by_file[file] or {})
    end
    self.dirty[file] = nil
    if deadline and vim.uv.hrtime() >= deadline then
      return
    end
  end
end

--- Sets the diagnostics of `file` (normalized) on buffer `buf`, which has just loaded it.
---@param buf integer
---@param file string
function Set:show_on(buf, file)
  local diags = self.by_file[paths.key(file)]
  if diags then
    vim.diagnostic.set(self.ns, buf, diags)
  end
end

--- Forgets every diagnostic of the set, shown or not.
function Set:reset()
  self.by_file, self.dirty = {}, {}
  vim.diagnostic.reset(self.ns)
end

vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
  group = vim.api.nvim_create_augroup("unity.file_diagnostics", { clear = true }),
  callback = function(a)
    local name = vim.api.nvim_buf_get_name(a.buf)
    if name == "" then
      return
    end
    for _, set in ipairs(sets) do
      set:show_on(a.buf, name)
    end
  end,
})

return M
