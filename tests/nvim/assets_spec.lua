-- Renames, moves and deletes of Unity assets keep each `.meta` with its asset, refuse what
-- would lose or orphan one, and open buffers follow their file. No editor: not connected, the
-- refresh is skipped quietly.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local assets = require("unity.assets")
local messages = require("unity.messages")

local GUID = "0123456789abcdef0123456789abcdef"

--- Writes `rel` in `dir` with `lines`, and its .meta with a GUID unless `meta` is false.
local function asset(dir, rel, lines, meta)
  local path = dir .. "/" .. rel
  vim.fn.mkdir(vim.fs.dirname(path), "p")
  vim.fn.writefile(lines or { "// " .. rel }, path)
  if meta ~= false then
    vim.fn.writefile({ "fileFormatVersion: 2", "guid: " .. GUID }, path .. ".meta")
  end
  return path
end

local function exists(path)
  return vim.uv.fs_lstat(path) ~= nil
end

--- Runs `fn` and expects a refusal of `kind` that changes nothing; returns the sentence.
local function refused(kind, fn, files)
  local ok, failure = fn()
  T.eq(nil, ok, kind .. " refused")
  T.eq(kind, failure and failure.kind, "the failure's kind: " .. vim.inspect(failure))
  for path, want in pairs(files) do
    T.eq(want, exists(path), path .. (want and " still there" or " not created"))
  end
  return messages.failure(failure)
end

T.test("a rename moves the .meta, and the open buffer follows with its undo and marks", function()
  local dir = T.project()
  local from = asset(dir, "Assets/Scripts/Enemy.cs", { "class Enemy {}", "// two" })
  vim.cmd.edit(vim.fn.fnameescape(from))
  local buf = vim.api.nvim_get_current_buf()
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, { "// changed" })
  vim.cmd.write()
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { "// unsaved" })
  vim.api.nvim_buf_set_mark(buf, "m", 2, 3, {})

  local to, failure = assets.rename("Boss.cs")
  T.eq(dir .. "/Assets/Scripts/Boss.cs", to, "renamed: " .. vim.inspect(failure))
  T.eq(false, exists(from), "the old file is gone")
  T.eq(false, exists(from .. ".meta"), "no .meta left behind")
  T.contains(table.concat(vim.fn.readfile(to .. ".meta"), "\n"), "guid: " .. GUID, "the same GUID moved along")
  T.eq(to, vim.api.nvim_buf_get_name(buf), "the buffer follows")
  T.eq(buf, vim.api.nvim_get_current_buf(), "the same buffer")
  T.eq(-1, vim.fn.bufnr(from), "no buffer keeps the old name")
  T.eq({ "// unsaved", "class Enemy {}", "// changed" }, vim.api.nvim_buf_get_lines(buf, 0, -1, false), "text kept")
  T.eq(true, vim.bo[buf].modified, "still unsaved")
  T.eq({ 2, 3 }, vim.api.nvim_buf_get_mark(buf, "m"), "the mark kept")
  vim.cmd.write() -- a buffer renamed without care is refused here (E13: File exists)
  T.eq({ "// unsaved", "class Enemy {}", "// changed" }, vim.fn.readfile(to), "written to the new file")
  vim.cmd("silent undo 0")
  T.eq({ "class Enemy {}", "// two" }, vim.api.nvim_buf_get_lines(buf, 0, -1, false), "undo reaches before the rename")
end)

T.test(":UnityMove moves a folder with its .meta, each file inside keeps its own", function()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Enemies", "p")
  vim.fn.writefile({ "guid: folder" }, dir .. "/Assets/Enemies.meta")
  local inner = asset(dir, "Assets/Enemies/Enemy.cs")
  vim.cmd.edit(vim.fn.fnameescape(inner))
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.cmd.cd(dir)
  vim.cmd("UnityMove Assets/Enemies Assets/Scripts")
  local moved = dir .. "/Assets/Scripts/Enemies"
  T.eq({ "guid: folder" }, vim.fn.readfile(moved .. ".meta"), "the folder's .meta")
  T.contains(table.concat(vim.fn.readfile(moved .. "/Enemy.cs.meta"), "\n"), GUID, "the file's own .meta inside")
  T.eq(false, exists(dir .. "/Assets/Enemies.meta"), "no folder .meta left behind")
  T.eq(moved .. "/Enemy.cs", vim.api.nvim_buf_get_name(0), "the buffer of a file inside follows")
end)

T.test("on Windows a name in another case is the same file", function()
  local paths = require("unity.paths")
  paths.windows = true
  T.defer(function()
    paths.windows = vim.fn.has("win32") == 1
    vim.cmd("silent! %bwipeout!")
  end)
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Enemies", "p")
  vim.fn.writefile({ "guid: folder" }, dir .. "/Assets/Enemies.meta")
  asset(dir, "Assets/Enemies/Enemy.cs")
  refused("asset_into_itself", function()
    return assets.move(dir .. "/Assets/Enemies", dir .. "/assets/ENEMIES/Inner")
  end, { [dir .. "/Assets/Enemies/Enemy.cs"] = true, [dir .. "/assets/ENEMIES"] = false })
  -- A buffer named as Windows lets one name a file (never loaded: no such file here).
  local buf = vim.fn.bufadd(dir .. "/assets/ENEMIES/enemy.cs")
  local to, failure = assets.move(dir .. "/Assets/Enemies", dir .. "/Assets/Scripts")
  T.eq(dir .. "/Assets/Scripts/Enemies", to, "moved: " .. vim.inspect(failure))
  T.eq(dir .. "/Assets/Scripts/Enemies/enemy.cs", vim.api.nvim_buf_get_name(buf), "the buffer follows")
end)

T.test(":UnityDelete asks first, then deletes the file and its .meta", function()
  local dir = T.project()
  local path = asset(dir, "Assets/Scripts/Enemy.cs")
  local asked
  local select = vim.ui.select
  T.defer(function()
    vim.ui.select = select
  end)
  local answer = "Keep"
  vim.ui.select = function(items, opts, on_choice) ---@diagnostic disable-line: duplicate-set-field
    asked = { items = items, prompt = opts.prompt }
    on_choice(answer)
  end
  vim.cmd("UnityDelete " .. vim.fn.fnameescape(path))
  T.contains(asked.prompt, "Enemy.cs and its .meta", "the question")
  T.eq(true, exists(path) and exists(path .. ".meta"), "kept when the answer is no")
  answer = "Delete"
  vim.cmd("UnityDelete " .. vim.fn.fnameescape(path))
  T.eq(false, exists(path), "the file deleted")
  T.eq(false, exists(path .. ".meta"), "its .meta deleted")
end)

T.test("refusals say why and change nothing", function()
  local dir = T.project()
  local from = asset(dir, "Assets/Scripts/Enemy.cs")
  local meta = from .. ".meta"
  local boss = asset(dir, "Assets/Scripts/Boss.cs")
  local text = refused("asset_exists", function()
    return assets.move(from, boss)
  end, { [from] = true, [meta] = true })
  T.contains(text, boss .. " already exists", "says which")

  vim.fn.delete(boss)
  text = refused("asset_exists", function()
    return assets.move(from, boss)
  end, { [from] = true, [meta] = true, [boss] = false })
  T.contains(text, boss .. ".meta already exists", "an orphaned .meta at the target is not overwritten")
  vim.fn.delete(boss .. ".meta")

  local other = T.project()
  text = refused("asset_outside", function()
    return assets.move(from, other .. "/Assets/Enemy.cs")
  end, { [from] = true, [other .. "/Assets/Enemy.cs"] = false })
  T.contains(text, "outside the Unity project " .. dir, "out of the project")
  refused("asset_outside", function()
    return assets.move(from, vim.fn.tempname() .. "/Enemy.cs")
  end, { [from] = true })

  local bare = asset(dir, "Assets/Scripts/Bare.cs", nil, false)
  text = refused("asset_no_meta", function()
    return assets.move(bare, dir .. "/Assets/Bare2.cs")
  end, { [bare] = true, [dir .. "/Assets/Bare2.cs"] = false })
  T.contains(text, "has no .meta", "says what is missing")

  for rel, why in pairs({
    ["Library/Enemy.cs"] = "Library/",
    ["Temp/Enemy.cs"] = "Temp/",
    ["Assets/Docs~/Enemy.cs"] = "'~'",
    ["Assets/.hidden/Enemy.cs"] = "'.'",
    ["Packages/Enemy.cs"] = "embedded package",
    ["Enemy.cs"] = "Library/",
  }) do
    text = refused("asset_not_imported", function()
      return assets.move(from, dir .. "/" .. rel)
    end, { [from] = true, [dir .. "/" .. rel] = false })
    T.contains(text, why, rel)
    local source = asset(dir, rel)
    refused("asset_not_imported", function()
      return assets.delete(source, { confirm = false })
    end, { [source] = true, [source .. ".meta"] = true })
  end

  vim.fn.mkdir(dir .. "/Assets/Folder/Sub", "p")
  vim.fn.writefile({}, dir .. "/Assets/Folder.meta")
  refused("asset_into_itself", function()
    return assets.move(dir .. "/Assets/Folder", dir .. "/Assets/Folder/Sub")
  end, { [dir .. "/Assets/Folder.meta"] = true })

  refused("asset_missing", function()
    return assets.move(dir .. "/Assets/None.cs", dir .. "/Assets/Other.cs")
  end, {})

  T.clear_notes()
  vim.cmd("UnityMove " .. vim.fn.fnameescape(from))
  T.truthy(T.noted(":UnityMove takes two paths"), "the usage: " .. vim.inspect(T.notes))
end)

--- vim.ui.select answering `answer`; returns the prompts asked.
local function answering(answer)
  local asked = {}
  local select = vim.ui.select
  T.defer(function()
    vim.ui.select = select
  end)
  vim.ui.select = function(items, opts, on_choice) ---@diagnostic disable-line: duplicate-set-field
    asked[#asked + 1] = opts.prompt
    on_choice(items[answer])
  end
  return asked
end

T.test("after a script's rename its class named like the file is renamed, when wanted", function()
  local dir = T.project()
  local class = { "using UnityEngine;", "", "public class Enemy : MonoBehaviour // Enemy", "{", "}" }
  local from = asset(dir, "Assets/Scripts/Enemy.cs", class)
  vim.cmd.edit(vim.fn.fnameescape(from))
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  local asked = answering(2) -- keep it
  vim.cmd("UnityRename Boss.cs")
  T.eq(1, #asked, "asked once")
  T.contains(asked[1], "class is Enemy: rename it to Boss?", "the question")
  T.eq(class, vim.fn.readfile(dir .. "/Assets/Scripts/Boss.cs"), "kept when not wanted")

  class[3] = "public class Orc : MonoBehaviour // Orc"
  vim.cmd.edit(vim.fn.fnameescape(asset(dir, "Assets/Scripts/Orc.cs", class)))
  asked = answering(1) -- rename the class
  vim.cmd("UnityRename Knight.cs")
  T.eq(1, #asked, "asked")
  local path = dir .. "/Assets/Scripts/Knight.cs"
  T.eq("public class Knight : MonoBehaviour // Orc", vim.fn.readfile(path)[3], "the declaration renamed and saved")
  T.eq(false, vim.bo.modified, "nothing left unsaved")

  -- Not open in a buffer, and a class not named like the file: nothing to ask.
  vim.cmd("silent! %bwipeout!")
  local other = asset(dir, "Assets/Scripts/Tool.cs", { "public class Helper : ScriptableObject {}" })
  asked = answering(1)
  assets.move(other, dir .. "/Assets/Scripts/Tools.cs")
  T.eq(0, #asked, "no question for a class named otherwise")
end)

T.test("with a C# language server attached, its rename renames the class and its uses", function()
  local dir = T.project()
  local from = asset(dir, "Assets/Scripts/Orc.cs", { "public class Orc : MonoBehaviour {}" })
  local user = asset(dir, "Assets/Scripts/Camp.cs", { "class Camp { Orc o; }" })
  vim.cmd.edit(vim.fn.fnameescape(from))
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  local asked ---@type table
  -- A stand-in C# server: answers a rename at the class name with edits in both files.
  local id = vim.lsp.start({
    name = "csharp-stand-in",
    root_dir = dir,
    cmd = function(dispatchers)
      local closing = false
      return {
        request = function(method, params, callback)
          local result = nil
          if method == "initialize" then
            result = { capabilities = { renameProvider = true } }
          elseif method == "textDocument/rename" then
            asked = params
            local function edit(uri, line, col)
              return {
                uri,
                {
                  {
                    range = { start = { line = line, character = col }, ["end"] = { line = line, character = col + 3 } },
                    newText = params.newName,
                  },
                },
              }
            end
            local a, b = edit(params.textDocument.uri, 0, 13), edit(vim.uri_from_fname(user), 0, 13)
            result = { changes = { [a[1]] = a[2], [b[1]] = b[2] } }
          end
          vim.schedule(function()
            callback(nil, result)
          end)
          return true, 1
        end,
        notify = function(method)
          if method == "exit" then
            closing = true
            dispatchers.on_exit(0, 0)
          end
          return true
        end,
        is_closing = function()
          return closing
        end,
        terminate = function()
          closing = true
        end,
      }
    end,
  })
  T.defer(function()
    vim.lsp.stop_client(id, true)
  end)
  T.wait_for(function()
    local c = vim.lsp.get_client_by_id(id)
    return c and c.initialized
  end, "the stand-in C# server")
  answering(1)
  vim.cmd("UnityRename Troll.cs")
  T.wait_for(function()
    return asked
  end, "the rename request")
  T.eq({ line = 0, character = 13 }, asked.position, "at the class name")
  T.eq(vim.uri_from_fname(dir .. "/Assets/Scripts/Troll.cs"), asked.textDocument.uri, "in the renamed file")
  T.eq("Troll", asked.newName)
  T.wait_for(function()
    return vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] == "public class Troll : MonoBehaviour {}"
  end, "the server's edit applied to the script")
  T.eq("class Camp { Troll o; }", vim.api.nvim_buf_get_lines(vim.fn.bufnr(user), 0, 1, false)[1], "and to its uses")
end)

T.test("an embedded package's files are assets", function()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Packages/com.example.tools", "p")
  vim.fn.writefile({ "{}" }, dir .. "/Packages/com.example.tools/package.json")
  local from = asset(dir, "Packages/com.example.tools/Runtime/Tool.cs")
  local to, failure = assets.move(from, dir .. "/Assets/Tool.cs")
  T.eq(dir .. "/Assets/Tool.cs", to, vim.inspect(failure))
  T.truthy(exists(to .. ".meta"), "the .meta moved")
end)

T.run()
