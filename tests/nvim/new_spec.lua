-- :UnityNew fills script templates as Unity's ProjectWindowUtil.PreprocessScriptAssetTemplate
-- and RemoveOrInsertNamespace do (the same in 2021.3.58f1 and 6000.x): #NOTRIM# removed,
-- #NAME# and #SCRIPTNAME# (no spaces), the root namespace around the lines between the tags,
-- indented as the begin tag is, lines of only white space left as they are, #SCRIPTNAME_LOWER#.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local new = require("unity.assets.new")

local TEMPLATE = {
  "using UnityEngine;",
  "",
  "    #ROOTNAMESPACEBEGIN#",
  "public class #SCRIPTNAME# : MonoBehaviour",
  "{",
  "    // #NAME# #SCRIPTNAME_LOWER#",
  "    void Start()",
  "    {",
  "        #NOTRIM#",
  "    }",
  "}",
  "#ROOTNAMESPACEEND#",
  "",
}

local function project()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/ScriptTemplates", "p")
  vim.fn.writefile(TEMPLATE, dir .. "/Assets/ScriptTemplates/80-Custom__My Thing-NewThing.cs.txt", "b")
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  return dir
end

T.test("a project template in an assembly with a root namespace", function()
  local dir = project()
  vim.fn.mkdir(dir .. "/Assets/Game", "p")
  vim.fn.writefile({ '{ "name": "Game", "rootNamespace": "Acme.Game" }' }, dir .. "/Assets/Game/Game.asmdef")
  vim.cmd.cd(dir)
  local path, failure = new.new("my-thing", "Assets/Game/Big Boss")
  T.eq(dir .. "/Assets/Game/Big Boss.cs", path, vim.inspect(failure))
  T.eq({
    "using UnityEngine;",
    "",
    "namespace Acme.Game",
    "{",
    "    public class BigBoss : MonoBehaviour",
    "    {",
    "        // Big Boss bigBoss",
    "        void Start()",
    "        {",
    "        ",
    "        }",
    "    }",
    "}",
    "",
  }, vim.fn.readfile(path, "b"), "filled as Unity fills it")
  T.eq(path, vim.api.nvim_buf_get_name(0), "opened")
  T.eq(10, vim.api.nvim_win_get_cursor(0)[1], "at the place to type")
end)

T.test("no root namespace: the tags and the line breaks before them go", function()
  local dir = project()
  vim.cmd.cd(dir)
  vim.cmd("UnityNew my-thing Assets/Scripts/enemy")
  T.eq({
    "using UnityEngine;",
    "",
    "public class enemy : MonoBehaviour",
    "{",
    "    // enemy myEnemy",
    "    void Start()",
    "    {",
    "        ",
    "    }",
    "}",
    "",
  }, vim.fn.readfile(dir .. "/Assets/Scripts/enemy.cs", "b"))
  T.eq(8, vim.api.nvim_win_get_cursor(0)[1], "at the place to type")
end)

T.test("the root namespace: the assembly's, else the project's, as each Unity version gives it", function()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Tools", "p")
  vim.fn.writefile({ '{ "name": "Tools" }' }, dir .. "/Assets/Tools/Tools.asmdef")
  vim.fn.writefile(
    { "EditorSettings:", "  m_ProjectGenerationRootNamespace: Acme" },
    dir .. "/ProjectSettings/EditorSettings.asset"
  )
  T.eq("Acme", new.root_namespace(dir, "Assets/Scripts/A.cs"), "no assembly definition: the project's")
  T.eq("Acme", new.root_namespace(dir, "Assets/Tools/A.cs"), "2022.3+: an assembly without one takes the project's")
  vim.fn.writefile({ "m_EditorVersion: 2021.3.45f1" }, dir .. "/ProjectSettings/ProjectVersion.txt")
  T.eq(nil, new.root_namespace(dir, "Assets/Tools/A.cs"), "2021.3: an assembly without one has none")
  T.eq("Acme", new.root_namespace(dir, "Assets/Scripts/A.cs"), "2021.3: no assembly definition: the project's")
end)

T.test("built-in templates without the editor's, and refusals", function()
  local dir = T.project()
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.cmd.cd(dir)
  vim.cmd("UnityNew Enemy")
  local path = dir .. "/Assets/Enemy.cs"
  T.eq("public class Enemy : MonoBehaviour", vim.fn.readfile(path)[3], "the MonoBehaviour by default, in Assets/")
  T.eq(7, vim.api.nvim_win_get_cursor(0)[1], "in Start()")
  vim.cmd("UnityNew scriptableobject-script Settings")
  T.eq(dir .. "/Assets/Settings.cs", vim.api.nvim_buf_get_name(0), "next to the current script")
  T.eq("public class Settings : ScriptableObject", vim.fn.readfile(dir .. "/Assets/Settings.cs")[4])

  local _, failure = new.new(nil, "Enemy")
  T.eq("asset_exists", failure and failure.kind, "not overwritten")
  T.clear_notes()
  vim.cmd("UnityNew nope Other")
  T.truthy(T.noted('no script template "nope" here: use one of '), vim.inspect(T.notes))
  T.eq(nil, vim.uv.fs_stat(dir .. "/Assets/Other.cs"), "nothing made")
end)

T.run()
