-- File explorers' renames, moves and deletes keep each `.meta` with its asset. The explorers
-- are not installed: each test plays an explorer's side as the explorer does it, through
-- vim.lsp (snacks.nvim's `rename.lua`: `on_rename_file` asks every client that supports
-- `workspace/willRenameFiles` with `request_sync`, renames, then notifies
-- `workspace/didRenameFiles`; mini.files' `lsp_fs_hook` picks the clients of a method with
-- `vim.lsp.get_clients({ method = ... })` and matches their filters' globs) or through
-- mini.files' documented `User MiniFilesAction*` events (data: action, from, to).
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local explorers = require("unity.assets.explorers")

local GUID = "fedcba9876543210fedcba9876543210"

local function asset(path)
  vim.fn.mkdir(vim.fs.dirname(path), "p")
  vim.fn.writefile({ "// " .. path }, path)
  vim.fn.writefile({ "fileFormatVersion: 2", "guid: " .. GUID }, path .. ".meta")
  return path
end

local function exists(path)
  return vim.uv.fs_lstat(path) ~= nil
end

--- A project with Assets/Scripts/Enemy.cs open, the server started and initialized for it.
local function opened()
  local dir = T.project()
  local enemy = asset(dir .. "/Assets/Scripts/Enemy.cs")
  vim.cmd.edit(vim.fn.fnameescape(enemy))
  T.defer(function()
    for _, c in ipairs(vim.lsp.get_clients({ name = explorers.name })) do
      c:stop(true)
    end
    vim.cmd("silent! %bwipeout!")
    T.wait_for(function()
      return #vim.lsp.get_clients({ name = explorers.name }) == 0
    end, "the server stopped")
  end)
  local client = T.wait_for(function()
    local c = vim.lsp.get_clients({ name = explorers.name, bufnr = 0 })[1]
    return c and c.initialized and c
  end, "the unity.nvim language server attached to the script")
  T.eq(dir, client.root_dir, "one server per project")
  return dir, enemy
end

--- snacks.nvim's rename, as `Snacks.rename.on_rename_file` and `_rename` do it.
local function snacks_rename(from, to)
  local changes = { files = { { oldUri = vim.uri_from_fname(from), newUri = vim.uri_from_fname(to) } } }
  local clients = vim.lsp.get_clients()
  for _, client in ipairs(clients) do
    if client:supports_method("workspace/willRenameFiles") then
      local resp = client:request_sync("workspace/willRenameFiles", changes, 1000, 0)
      if resp and resp.result ~= nil then
        vim.lsp.util.apply_workspace_edit(resp.result, client.offset_encoding)
      end
    end
  end
  vim.fn.mkdir(vim.fs.dirname(to), "p")
  T.eq(0, vim.fn.rename(from, to), "the explorer renamed the file")
  for _, client in ipairs(clients) do
    if client:supports_method("workspace/didRenameFiles") then
      client:notify("workspace/didRenameFiles", changes)
    end
  end
end

--- Whether an LSP file operation filter of `client` for `method` ("didRename") matches
--- `path`, as mini.files and nvim-lsp-file-operations check before telling a server.
local function filtered(client, method, path)
  for _, f in ipairs(client.server_capabilities.workspace.fileOperations[method].filters) do
    if vim.glob.to_lpeg(f.pattern.glob):match(path) then
      return true
    end
  end
  return false
end

T.test("snacks.nvim's rename: the .meta follows through the language server", function()
  local dir, enemy = opened()
  local boss = dir .. "/Assets/Characters/Boss.cs"
  snacks_rename(enemy, boss)
  T.wait_for(function()
    return exists(boss .. ".meta")
  end, "the .meta moved")
  T.contains(table.concat(vim.fn.readfile(boss .. ".meta"), "\n"), GUID, "with its GUID")
  T.eq(false, exists(enemy .. ".meta"), "none left behind")
end)

T.test("the filters cover Assets/ and Packages/, not the project's other folders", function()
  local dir = opened()
  local client = vim.lsp.get_clients({ name = explorers.name })[1]
  for _, method in ipairs({ "willRename", "didRename", "didDelete" }) do
    T.truthy(filtered(client, method, dir .. "/Assets/Scripts/Enemy.cs"), method .. " Assets/")
    T.truthy(filtered(client, method, dir .. "/Packages/com.x/Runtime/A.cs"), method .. " Packages/")
    T.eq(false, filtered(client, method, dir .. "/ProjectSettings/ProjectVersion.txt"), method .. " ProjectSettings/")
  end
  T.eq(1, #vim.lsp.get_clients({ method = "workspace/didDeleteFiles" }), "found as mini.files finds it")
end)

T.test("a delete told to the language server takes the .meta along", function()
  local _, enemy = opened()
  local client = vim.lsp.get_clients({ name = explorers.name })[1]
  vim.fn.delete(enemy)
  client:notify("workspace/didDeleteFiles", { files = { { uri = vim.uri_from_fname(enemy) } } })
  T.wait_for(function()
    return not exists(enemy .. ".meta")
  end, "the .meta deleted")
end)

T.test("mini.files' move, rename and delete events", function()
  local dir, enemy = opened()
  local moved = dir .. "/Assets/Enemy.cs"
  vim.fn.rename(enemy, moved)
  vim.api.nvim_exec_autocmds("User", {
    pattern = "MiniFilesActionMove",
    data = { action = "move", from = enemy, to = moved },
  })
  T.eq(true, exists(moved .. ".meta"), "moved with the file")
  T.eq(false, exists(enemy .. ".meta"), "none left behind")

  local trash = vim.fn.tempname()
  vim.fn.mkdir(trash, "p")
  vim.fn.rename(moved, trash .. "/Enemy.cs")
  vim.api.nvim_exec_autocmds("User", {
    pattern = "MiniFilesActionDelete",
    data = { action = "delete", from = moved, to = trash .. "/Enemy.cs" },
  })
  T.eq(true, exists(trash .. "/Enemy.cs.meta"), "into the trash with the file")
  T.eq(false, exists(moved .. ".meta"), "none left behind")
end)

T.test("an explorer's rename of a script offers to rename its class", function()
  local dir = opened()
  local from = dir .. "/Assets/Scripts/Orc.cs"
  vim.fn.writefile({ "public class Orc : MonoBehaviour {}" }, from)
  vim.fn.writefile({ "guid: " .. GUID }, from .. ".meta")
  local select = vim.ui.select
  T.defer(function()
    vim.ui.select = select
  end)
  vim.ui.select = function(items, _, on_choice) ---@diagnostic disable-line: duplicate-set-field
    on_choice(items[1])
  end
  local to = dir .. "/Assets/Scripts/Troll.cs"
  snacks_rename(from, to)
  T.wait_for(function()
    return vim.fn.readfile(to)[1] == "public class Troll : MonoBehaviour {}"
  end, "the class renamed")
  T.eq(true, exists(to .. ".meta"), "the .meta moved")
end)

T.test("nothing happens outside a Unity project or where Unity imports nothing", function()
  local dir = opened()
  local plain = vim.fn.tempname()
  local from = asset(plain .. "/Assets/A.cs")
  vim.fn.rename(from, plain .. "/Assets/B.cs")
  vim.api.nvim_exec_autocmds("User", {
    pattern = "MiniFilesActionRename",
    data = { action = "rename", from = from, to = plain .. "/Assets/B.cs" },
  })
  T.eq(true, exists(from .. ".meta"), "a .meta outside a Unity project left alone")

  local hidden = asset(dir .. "/Assets/.git/A.cs")
  vim.fn.rename(hidden, dir .. "/Assets/.git/B.cs")
  vim.api.nvim_exec_autocmds("User", {
    pattern = "MiniFilesActionRename",
    data = { action = "rename", from = hidden, to = dir .. "/Assets/.git/B.cs" },
  })
  T.eq(true, exists(hidden .. ".meta"), "a hidden folder left alone")
end)

T.test("explorers = false: no language server in a Unity project", function()
  require("unity").setup({ explorers = false })
  T.defer(function()
    require("unity").setup({})
  end)
  local dir = T.project()
  vim.cmd.edit(vim.fn.fnameescape(asset(dir .. "/Assets/Scripts/Quiet.cs")))
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.wait(200)
  T.eq(0, #vim.lsp.get_clients({ name = explorers.name }), "no server started")
  require("unity").setup({})
  explorers.watch()
  T.truthy(
    T.wait_for(function()
      return vim.lsp.get_clients({ name = explorers.name, bufnr = 0 })[1]
    end, "the server once explorers is on again"),
    "started"
  )
  for _, c in ipairs(vim.lsp.get_clients({ name = explorers.name })) do
    c:stop(true)
  end
end)

T.run()
