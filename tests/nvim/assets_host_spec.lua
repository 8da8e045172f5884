-- Renames, moves and deletes in the sample project, with the real package in the stand-in
-- editor (Mono): Unity is told to refresh and compiles the moved scripts cleanly, and every
-- `.meta` is where Unity expects it with the GUID it had. The stand-in does not model GUIDs,
-- so the files on disk are the proof: a .meta without its asset is what Unity deletes at its
-- next refresh (giving the asset a new GUID), an asset without a .meta what it gives a new one.
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

--- A .meta with a fresh GUID for every asset of the sample project that has none (as Unity
--- gives them on its first import).
local function give_metas(dir)
  local n = 0
  for name in vim.fs.dir(dir, { depth = 20 }) do
    local top = name:match("^[^/]+")
    local skip = name:match("%.meta$")
      or not name:find("/")
      or name:match("^Packages/[^/]+$")
      or name == "Packages/manifest.json"
      or name == "Packages/com.example.tools/package.json"
    if (top == "Assets" or top == "Packages") and not skip and not vim.uv.fs_stat(dir .. "/" .. name .. ".meta") then
      n = n + 1
      vim.fn.writefile({ "fileFormatVersion: 2", string.format("guid: %032x", n) }, dir .. "/" .. name .. ".meta")
    end
  end
end

T.test("a rename, a folder move and a delete keep every .meta, and Unity compiles each", function()
  local dir = T.project()
  vim.fn.system({ "cp", "-R", T.root .. "/tests/unity_host/project/.", dir })
  give_metas(dir)
  local before = guids(dir)
  T.start_host(dir)
  T.connect(dir)
  local compiled = T.counter("UnityCompileFinished")
  --- Waits for the refresh that an operation sent to compile the project cleanly.
  local function compiles(n, what)
    T.wait_for(function()
      return compiled() >= n and unity.status().connected
    end, "Unity's compile after " .. what, 120000)
    T.eq(0, unity.status().errors, "the project compiles after " .. what)
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

T.run()
