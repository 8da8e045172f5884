--- After a script's rename, its class: Unity finds a MonoBehaviour or ScriptableObject only in
--- a file of the same name ("No MonoBehaviour scripts in the file, or their names do not match
--- the file name"). When the renamed file declares a class named like the old file, with a
--- base type (Unity's script classes derive from one), offer to rename it: through the
--- attached C# language server's rename, so that references follow, else by editing the
--- declaration.
local messages = require("unity.messages")

local M = {}

--- The name of unity.nvim's own language server (lua/unity/assets/explorers.lua starts it): it
--- renames no symbols. Kept here, below the explorers, which require this layer.
M.own_server = "unity.nvim"

--- The declaration of class `name` in `lines`: its row and the byte column of the name
--- (0-based), when it has a base list.
---@param lines string[]
---@param name string
---@return integer|nil row, integer|nil col
local function declaration(lines, name)
  for i, line in ipairs(lines) do
    local code = line:gsub("//.*$", "")
    local at = code:find("%f[%w_]class%s+" .. vim.pesc(name) .. "%f[^%w_]")
    local col = at and code:find(name, at + #"class", true)
    if col and code:find("^%s*:", col + #name) then
      return i - 1, col - 1
    end
  end
  return nil
end

--- The language servers attached to `buf` that rename symbols (not unity.nvim's own).
---@param buf integer
---@return vim.lsp.Client|nil
local function renamer(buf)
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = buf, method = "textDocument/rename" })) do
    if c.name ~= M.own_server then
      return c
    end
  end
  return nil
end

--- Renames the class at `row`, `col` of `buf` to `new`; `done()` afterwards.
---@param buf integer
---@param row integer
---@param col integer
---@param old string
---@param new string
---@param done fun()
local function rename(buf, row, col, old, new, done)
  local client = renamer(buf)
  if client then
    local encoding = client.offset_encoding --[[@as "utf-8"|"utf-16"|"utf-32"]]
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      position = { line = row, character = vim.lsp.util.character_offset(buf, row, col, encoding) },
      newName = new,
    }
    client:request("textDocument/rename", params, function(err, result)
      if err or not result then
        messages.notify(messages.class_rename_failed(old, client.name, err and err.message), vim.log.levels.WARN)
      else
        vim.lsp.util.apply_workspace_edit(result, encoding)
      end
      done()
    end, buf)
    return
  end
  local modified = vim.bo[buf].modified
  vim.api.nvim_buf_set_text(buf, row, col, row, col + #old, { new })
  if not modified then
    vim.api.nvim_buf_call(buf, function()
      vim.cmd("silent write")
    end)
  end
  done()
end

--- After `from` was renamed to `to`: when `to` is a script whose class is named like `from`'s
--- file, asks whether to rename the class to `to`'s name, and does. `done()` once settled,
--- whatever the answer (at once when there is nothing to ask).
---@param from string
---@param to string
---@param done fun()
function M.offer(from, to, done)
  local old, new = vim.fs.basename(from):match("^(.+)%.cs$"), vim.fs.basename(to):match("^(.+)%.cs$")
  if not old or not new or old == new or not new:match("^[%a_][%w_]*$") or vim.fn.filereadable(to) == 0 then
    return done()
  end
  local buf = vim.fn.bufnr(to)
  local loaded = buf > 0 and vim.api.nvim_buf_is_loaded(buf)
  local lines = loaded and vim.api.nvim_buf_get_lines(buf, 0, -1, false) or vim.fn.readfile(to)
  local row, col = declaration(lines, old)
  if not row or not col then
    return done()
  end
  local yes, no = messages.class_rename_choices()
  vim.ui.select({ yes, no }, { prompt = messages.class_rename_prompt(old, new) }, function(choice)
    if choice == yes then
      buf = vim.fn.bufadd(to)
      vim.fn.bufload(buf)
      rename(buf, row, col, old, new, done)
    else
      done()
    end
  end)
end

return M
