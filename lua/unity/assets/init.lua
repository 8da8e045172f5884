--- Files as Unity sees them: rename, move and delete an asset together with its `.meta`.
--- Unity knows an asset by the GUID in its `.meta`; a file moved without it gets a new GUID at
--- the next refresh and every scene or prefab using it loses the reference. A folder's `.meta`
--- moves with the folder, and everything inside keeps its own as it moves along.
local messages = require("unity.messages")
local paths = require("unity.paths")
local project = require("unity.project")

local M = {}

--- `path` absolute and normalized, without a trailing slash.
---@param path string
---@return string
local function absolute(path)
  local p = vim.fs.normalize(vim.fn.fnamemodify(path, ":p"))
  return (p:gsub("(.)/$", "%1"))
end

local function exists(path)
  return vim.uv.fs_lstat(path) ~= nil
end

--- Why Unity does not import `rel` (relative to the project `root`), or nil when it does:
--- only what is under Assets/ or inside an embedded package in Packages/, never in a folder
--- whose name starts with "." or ends with "~" (Unity skips those).
---@param root string
---@param rel string
---@return string|nil
local function unimported(root, rel)
  local top, rest = rel:match("^([^/]+)/?(.*)$")
  top, rest = top or "", rest or ""
  if paths.same(top, "Packages") then
    local pkg = rest:match("^([^/]+)/.+$")
    if not pkg or not exists(root .. "/Packages/" .. pkg .. "/package.json") then
      return "package"
    end
  elseif not paths.same(top, "Assets") or rest == "" then
    return paths.same(top, "Assets") and "root" or "outside"
  end
  for part in rel:gmatch("[^/]+") do
    if part:sub(1, 1) == "." then
      return "hidden"
    elseif part:sub(-1) == "~" then
      return "tilde"
    end
  end
  return nil
end

--- The project holding `path` and `path` relative to it, or a failure when Unity does not
--- import it (`project`: a project the path must be in).
---@param path string  absolute
---@param root? string
---@return string|nil root, string|unity.Failure rel_or_failure
local function locate(path, root)
  local found = project.find(vim.fs.dirname(path))
  if not found or (root and not paths.same(found, root)) then
    return nil, { kind = "asset_outside", path = path, project = root }
  end
  local rel = path:sub(#found + 2)
  local why = unimported(found, rel)
  if why then
    return nil, { kind = "asset_not_imported", path = path, why = why }
  end
  return found, rel
end

--- Tells Unity once that files changed, when connected; quiet when not.
local function refresh()
  local client = require("unity.client")
  if not client.status().connected then
    return
  end
  client.send("refresh", nil, function(reply)
    if reply.ok then
      require("unity.autorefresh").note(reply.result)
    else
      messages.notify(messages.command_failed("refresh", reply.error or "no reason given"), vim.log.levels.WARN)
    end
  end)
end

--- Loaded buffers of `path` or of files under it, with their paths.
---@param path string
---@return {buf: integer, name: string}[]
local function buffers_of(path)
  local found = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(buf)
    if paths.same(name, path) or paths.inside(path, name) then
      found[#found + 1] = { buf = buf, name = name }
    end
  end
  return found
end

--- Gives `buf` its file's new name. Its undo history and marks stay (same buffer), and it is
--- read again so that Neovim counts it as editing that file (a renamed buffer is "not edited":
--- `:w` would refuse with E13); unsaved changes are put back on top as one undoable change,
--- with the marks a-z that putting them back would move, and its language servers.
---@param buf integer
---@param name string
local function follow(buf, name)
  local old = vim.api.nvim_buf_get_name(buf)
  vim.api.nvim_buf_set_name(buf, name)
  -- nvim_buf_set_name leaves an unlisted buffer holding the old name behind.
  local left = vim.fn.bufnr(old)
  if left > 0 and left ~= buf and not vim.api.nvim_buf_is_loaded(left) then
    pcall(vim.api.nvim_buf_delete, left, {})
  end
  if not vim.api.nvim_buf_is_loaded(buf) or vim.bo[buf].buftype ~= "" then
    return
  end
  local modified = vim.bo[buf].modified
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local marks = {}
  for c = ("a"):byte(), ("z"):byte() do
    marks[string.char(c)] = vim.api.nvim_buf_get_mark(buf, string.char(c))
  end
  local views = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    views[win] = vim.api.nvim_win_call(win, vim.fn.winsaveview)
  end
  -- Reading it again detaches the language servers: attach them again (under the new name).
  local clients = vim.lsp.get_clients({ bufnr = buf })
  vim.api.nvim_buf_call(buf, function()
    vim.cmd("silent keepalt edit!")
  end)
  for _, c in ipairs(clients) do
    vim.lsp.buf_attach_client(buf, c.id)
  end
  if modified then
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    for mark, pos in pairs(marks) do
      if pos[1] > 0 then
        vim.api.nvim_buf_set_mark(buf, mark, pos[1], pos[2], {})
      end
    end
  end
  for win, view in pairs(views) do
    vim.api.nvim_win_call(win, function()
      vim.fn.winrestview(view)
    end)
  end
end

--- Renames `from` to `to` and its `.meta` along; undoes the first when the second fails.
---@return boolean|nil ok, unity.Failure|nil failure
local function rename_pair(from, to)
  local ok, err, name = vim.uv.fs_rename(from, to)
  if not ok then
    return nil, { kind = "asset_fs", path = from, errname = name, strerror = err }
  end
  ok, err, name = vim.uv.fs_rename(from .. ".meta", to .. ".meta")
  if not ok then
    vim.uv.fs_rename(to, from)
    return nil, { kind = "asset_fs", path = from .. ".meta", errname = name, strerror = err }
  end
  return true
end

--- Moves the asset `from` (a file or a folder) to `to` with its `.meta`, in the same project.
--- `to` may be an existing folder to move into. Open buffers follow; Unity refreshes once.
---@param from string
---@param to string
---@return string|nil moved_to, unity.Failure|nil failure
function M.move(from, to)
  from = absolute(from)
  to = absolute(to)
  if vim.fn.isdirectory(to) == 1 and from ~= to then
    to = to .. "/" .. vim.fs.basename(from)
  end
  if not exists(from) then
    return nil, { kind = "asset_missing", path = from }
  end
  local root, rel = locate(from)
  if not root then
    return nil, rel --[[@as unity.Failure]]
  end
  local inside, failure = locate(to, root)
  if not inside then
    return nil, failure --[[@as unity.Failure]]
  end
  if paths.inside(from, to) then
    return nil, { kind = "asset_into_itself", path = from, to = to }
  end
  if not exists(from .. ".meta") then
    return nil, { kind = "asset_no_meta", path = from }
  end
  for _, p in ipairs({ to, to .. ".meta" }) do
    if exists(p) then
      return nil, { kind = "asset_exists", path = p }
    end
  end
  vim.fn.mkdir(vim.fs.dirname(to), "p")
  local ok, err = rename_pair(from, to)
  if not ok then
    return nil, err
  end
  for _, b in ipairs(buffers_of(from)) do
    follow(b.buf, to .. b.name:sub(#from + 1))
  end
  require("unity.assets.class").offer(from, to, refresh)
  return to
end

--- Renames the current file (or `opts.from`) to `name`: a file name, or a path relative to
--- its folder.
---@param name string
---@param opts? {from?: string}
---@return string|nil moved_to, unity.Failure|nil failure
function M.rename(name, opts)
  local from = (opts and opts.from) or vim.api.nvim_buf_get_name(0)
  if from == "" then
    return nil, { kind = "asset_missing", path = "" }
  end
  from = absolute(from)
  return M.move(from, vim.fs.dirname(from) .. "/" .. name)
end

--- Deletes the asset at `path` (default: the current file) and its `.meta`, after asking
--- unless `opts.confirm` is false. `on_done(true)` once deleted, `on_done(false)` when the
--- user declined.
---@param path? string
---@param opts? {confirm?: boolean, on_done?: fun(deleted: boolean)}
---@return boolean|nil ok, unity.Failure|nil failure  ok: checked (and asking, or deleted)
function M.delete(path, opts)
  opts = opts or {}
  path = absolute(path and path ~= "" and path or vim.api.nvim_buf_get_name(0))
  if not exists(path) then
    return nil, { kind = "asset_missing", path = path }
  end
  local root, rel = locate(path)
  if not root then
    return nil, rel --[[@as unity.Failure]]
  end
  local function remove()
    local gone = vim.fn.delete(path, "rf") == 0
    if gone and exists(path .. ".meta") then
      gone = vim.fn.delete(path .. ".meta") == 0
    end
    if not gone then
      messages.notify(messages.failure({ kind = "asset_fs", path = path }), vim.log.levels.ERROR)
    else
      refresh()
    end
    if opts.on_done then
      opts.on_done(gone)
    end
  end
  if opts.confirm == false then
    remove()
    return true
  end
  local yes, no = messages.asset_delete_choices()
  vim.ui.select({ yes, no }, { prompt = messages.asset_delete_prompt(path) }, function(choice)
    if choice == yes then
      remove()
    elseif opts.on_done then
      opts.on_done(false)
    end
  end)
  return true
end

--- After another tool (a file explorer) moved or deleted assets: each `.meta` follows its
--- asset, to `to`, or goes with it when `to` is nil (a delete; `to` is the trash for a
--- delete to the trash). Only for what Unity imports in a Unity project, and only a `.meta`
--- left behind with nothing at its target; Unity refreshes once (after the question about a
--- renamed script's class, for one rename).
---@param changes {from: string, to?: string}[]
function M.followed(changes)
  local any = false
  for _, c in ipairs(changes) do
    local from = absolute(c.from)
    local meta = from .. ".meta"
    if not from:match("%.meta$") and exists(meta) and not exists(from) and locate(from) then
      local to = c.to and absolute(c.to)
      if not to then
        any = os.remove(meta) ~= nil or any
      elseif exists(to) and not exists(to .. ".meta") then
        any = vim.uv.fs_rename(meta, to .. ".meta") ~= nil or any
      end
    end
  end
  if not any then
    return
  end
  local only = #changes == 1 and changes[1]
  if only and only.to then
    require("unity.assets.class").offer(absolute(only.from), absolute(only.to), refresh)
  else
    refresh()
  end
end

--- Asks for the current file's new name (vim.ui.input), then renames it: `<Plug>(unity-rename)`.
function M.ask_rename()
  local from = vim.api.nvim_buf_get_name(0)
  vim.ui.input({ prompt = messages.asset_rename_prompt(), default = vim.fs.basename(from) }, function(name)
    if name and name ~= "" and name ~= vim.fs.basename(from) then
      M.say(M.rename(name))
    end
  end)
end

--- Asks, then deletes the current file and its .meta: `<Plug>(unity-delete)`.
function M.ask_delete()
  M.say(M.delete())
end

--- Runs an operation for a command: a refusal is said, with what to do.
---@param ok any
---@param failure? unity.Failure
function M.say(ok, failure)
  if not ok and failure then
    messages.notify(messages.failure(failure), vim.log.levels.ERROR)
  end
end

return M
