--- Compile results where the code is: the quickfix list "Unity compile" and diagnostics in the
--- "unity" namespace, for loaded buffers and for buffers opened later. Only `compile` messages
--- feed these (through `User UnityCompileFinished`); console logs never do.
local config = require("unity.config")
local file_diagnostics = require("unity.file_diagnostics")
local messages = require("unity.messages")
local paths = require("unity.paths")

local M = {}

M.title = "Unity compile"
M.ns = vim.api.nvim_create_namespace("unity")

local SEVERITY = {
  error = vim.diagnostic.severity.ERROR,
  warning = vim.diagnostic.severity.WARN,
  info = vim.diagnostic.severity.INFO,
}
local QF_TYPE = { error = "E", warning = "W", info = "I" }

--- Diagnostics of the last compilation.
local diagnostics = file_diagnostics.new(M.ns)
--- Quickfix items of the last compilation (`:UnityPick errors`).
---@type vim.quickfix.entry[]
local last_items = {}

--- The last compilation's errors, warnings and infos as quickfix items.
---@return vim.quickfix.entry[]
function M.items()
  return last_items
end

--- The absolute path of a file named in a message (relative to the project, or absolute).
---@param root string
---@param file string
---@return string
function M.resolve(root, file)
  return paths.absolute(root, (file:gsub("\\", "/")))
end

--- Applies a `compile finished` summary.
---@param root string|nil
---@param summary unity.CompileSummary
function M.apply(root, summary)
  root = root or vim.uv.cwd() or "."
  diagnostics:reset()
  local items = {}
  for _, m in ipairs(summary.messages) do
    local path = M.resolve(root, m.file)
    local lnum, col = math.max(1, m.line or 1), math.max(1, m.col or 1)
    -- Unity's text is often the whole compiler line ("A.cs(7,5): error CS0029: ..."); the
    -- location and the severity are shown already, the code stays.
    local text = m.text:gsub("^.-%(%d+,%d+%)%s*:%s*", "", 1):gsub("^%a+ (%u+%d+:)", "%1", 1)
    items[#items + 1] = { filename = path, lnum = lnum, col = col, type = QF_TYPE[m.severity] or "E", text = text }
    diagnostics:add(path, {
      lnum = lnum - 1,
      col = col - 1,
      severity = SEVERITY[m.severity] or SEVERITY.error,
      message = text,
      source = "unity",
    })
  end

  last_items = items

  -- Replace our own list when it is the current one; otherwise add a new one on the stack.
  local current = vim.fn.getqflist({ title = 0 }).title
  vim.fn.setqflist({}, current == M.title and "r" or " ", { title = M.title, items = items })

  diagnostics:show()

  if config.options.notify_compile then
    -- A summary, not a failure of unity.nvim: at most a warning.
    messages.notify(messages.compiled(summary), summary.errors > 0 and vim.log.levels.WARN or vim.log.levels.INFO)
  end
end

-- Fed by the client's `User UnityCompileFinished` (its data is the summary and the project).
vim.api.nvim_create_autocmd("User", {
  group = vim.api.nvim_create_augroup("unity.compile.results", { clear = true }),
  pattern = "UnityCompileFinished",
  callback = function(a)
    M.apply(a.data.project, a.data)
  end,
})

return M
