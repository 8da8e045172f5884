-- Renames, moves and deletes in the sample project, with the real package in the stand-in
-- editor (Mono): Unity is told to refresh and compiles the moved scripts cleanly, every `.meta`
-- is where Unity expects it with the GUID it had, and the stand-in's asset database
-- (tests/unity_host/host/MetaFiles.cs) finds no orphaned `.meta` to delete and no asset to give
-- a new GUID. A plain `mv`, as a shell does it, shows that it would.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local unity = require("unity")

--- The GUID of every asset under Assets/ and Packages/, by path relative to `dir`; fails on a
--- .meta without its asset or an asset (file or folder) without its .meta.
local function guids(dir)
  local found = {}
  for name, kind in vim.fs.dir(dir, { depth = 20 }) do
    local top = name:match("^[^/]+")
    local inside = name:find("/") ~= nil
    if (top == "Assets" or top == "Packages") and inside and name ~= "Packages/manifest.json" then
      local asset = name:match("^(.*)%.meta$")
      if asset then
        T.truthy(vim.uv.fs_stat(dir .. "/" .. asset), "no orphaned .meta: " .. name)
        found[asset] = vim.fn.readfile(dir .. "/" .. name)[2]
      elseif
        not (kind == "directory" and name:match("^Packages/[^/]+$"))
        and name ~= "Packages/com.example.tools/package.json"
      then
        T.truthy(vim.uv.fs_stat(dir .. "/" .. name .. ".meta"), "a .meta for " .. name)
      end
    end
  end
  return found
end

--- Waits for the host's next import pass after `mark` (a length of its output) and returns
--- the host's refresh lines since `mark`.
local function refreshed(output, mark, what)
  T.wait_for(function()
    return output():sub(mark + 1):find("%[host%] refresh done:")
  end, "the host's refresh after " .. what, 60000)
  local lines = {}
  for line in output():sub(mark + 1):gmatch("[^\n]+") do
    if line:find("[host] refresh", 1, true) then
      lines[#lines + 1] = line
    end
  end
  return lines
end

T.test("a rename, a folder move and a delete keep every .meta, and Unity compiles each", function()
  local dir = T.project()
  vim.fn.system({ "cp", "-R", T.root .. "/tests/unity_host/project/.", dir })
  local _, output = T.start_host(dir)
  T.truthy(
    output():find("new GUID for Assets/Scripts/Spawner.cs", 1, true),
    "opening the project gave its assets a .meta"
  )
  local before = guids(dir)
  T.connect(dir)
  local compiled = T.counter("UnityCompileFinished")
  local mark = #output()
  --- Waits for the refresh that an operation sent to compile the project cleanly, with no
  --- .meta for Unity's asset database to delete or create.
  local function compiles(n, what)
    T.wait_for(function()
      return compiled() >= n and unity.status().connected
    end, "Unity's compile after " .. what, 120000)
    T.eq(0, unity.status().errors, "the project compiles after " .. what)
    T.eq(
      { "[host] refresh done: 0 new GUID(s), 0 orphaned .meta" },
      refreshed(output, mark, what),
      "no orphaned .meta and no new GUID after " .. what
    )
    mark = #output()
  end
  unity.compile()
  compiles(1, "connecting")

  vim.cmd.edit(vim.fn.fnameescape(dir .. "/Assets/Scripts/Spawner.cs"))
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.cmd("UnityRename Spawning.cs")
  compiles(2, "the rename")
  T.eq(dir .. "/Assets/Scripts/Spawning.cs", vim.api.nvim_buf_get_name(0), "the buffer follows")

  vim.cmd("UnityMove Assets/Bonus Assets/Game")
  compiles(3, "the folder move")

  local select = vim.ui.select
  T.defer(function()
    vim.ui.select = select
  end)
  vim.ui.select = function(items, _, on_choice) ---@diagnostic disable-line: duplicate-set-field
    on_choice(items[1])
  end
  vim.cmd("UnityDelete Assets/Scripts/Editor/SpawnerMenu.cs")
  compiles(4, "the delete")

  local after = guids(dir)
  local moved = {
    ["Assets/Scripts/Spawner.cs"] = "Assets/Scripts/Spawning.cs",
    ["Assets/Bonus"] = "Assets/Game/Bonus",
    ["Assets/Bonus/Bonus.cs"] = "Assets/Game/Bonus/Bonus.cs",
    ["Assets/Bonus/Game.Core.Bonus.asmref"] = "Assets/Game/Bonus/Game.Core.Bonus.asmref",
  }
  local want = {}
  for path, guid in pairs(before) do
    if path ~= "Assets/Scripts/Editor/SpawnerMenu.cs" then
      want[moved[path] or path] = guid
    end
  end
  T.eq(want, after, "every asset kept its GUID, the moved ones at their new place")
end)

T.test("a plain mv without the .meta: Unity deletes the orphaned .meta and gives a new GUID", function()
  local dir = T.project()
  vim.fn.system({ "cp", "-R", T.root .. "/tests/unity_host/project/.", dir })
  local _, output = T.start_host(dir)
  T.connect(dir)
  local mark = #output()
  T.truthy(vim.uv.fs_rename(dir .. "/Assets/Scripts/Spawner.cs", dir .. "/Assets/Scripts/Mover.cs"), "mv")
  T.eq(true, T.call("refresh").ok, "the refresh succeeded")
  T.eq({
    "[host] refresh: orphaned .meta Assets/Scripts/Spawner.cs.meta deleted",
    "[host] refresh: new GUID for Assets/Scripts/Mover.cs",
    "[host] refresh done: 1 new GUID(s), 1 orphaned .meta",
  }, refreshed(output, mark, "the mv"), "the host's asset database saw the orphan and the new asset")
  T.truthy(not vim.uv.fs_stat(dir .. "/Assets/Scripts/Spawner.cs.meta"), "the orphaned .meta is gone")
  local warning = "A meta data file (.meta) exists but its asset 'Assets/Scripts/Spawner.cs' can't be found"
  T.wait_for(function()
    return table.concat(T.log_lines(), "\n"):find(warning, 1, true)
  end, "Unity's warning in the log buffer")
end)

T.run()
